package dev.portico.http;

import io.netty.handler.codec.http.HttpResponse;

/** Where a finished response head and body go: the connection that carries the request. */
public interface ResponseWriter {
    /** Writes head and body, then completes the request (log, keep-alive or close). */
    void write(HttpExchange exchange, HttpResponse head, ResponseBody body);

    /**
     * Stops reading the request body: its consumer cannot take more for now
     * (a slow upstream). TCP then holds the client back. No client_body_timeout
     * runs while paused; the consumer has its own send timeout.
     */
    void pauseRequestBody(HttpExchange exchange);

    /** Reads the request body again after {@link #pauseRequestBody}. */
    void resumeRequestBody(HttpExchange exchange);

    /** Sends "100 Continue" to a client that asked for it before it sends its body. */
    void continueRequestBody(HttpExchange exchange);

    /** Closes the connection without a response (nginx's 444). */
    void abort(HttpExchange exchange);
}
