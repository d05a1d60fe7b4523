package dev.portico.http;

/** A variable's value for one request; null when the variable is "not found". */
@FunctionalInterface
public interface Variable {
    String get(HttpExchange exchange);
}
