package dev.portico.http;

/** A handler of one request-processing phase (rewrite, access, pre-content, log). */
@FunctionalInterface
public interface PhaseHandler {
    Flow handle(HttpExchange exchange);
}
