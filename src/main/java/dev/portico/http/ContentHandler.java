package dev.portico.http;

/** Produces the response of a request (static files, return, proxy_pass...). */
@FunctionalInterface
public interface ContentHandler {
    /**
     * Handles the request. Returns {@link Flow#DONE} when it has answered or
     * will answer, {@link Flow#NEXT} to let the next content handler try.
     */
    Flow handle(HttpExchange exchange);
}
