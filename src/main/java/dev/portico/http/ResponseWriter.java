package dev.portico.http;

import io.netty.handler.codec.http.HttpResponse;

/** Where a finished response head and body go: the connection that carries the request. */
public interface ResponseWriter {
    /** Writes head and body, then completes the request (log, keep-alive or close). */
    void write(HttpExchange exchange, HttpResponse head, ResponseBody body);

    /** Closes the connection without a response (nginx's 444). */
    void abort(HttpExchange exchange);
}
