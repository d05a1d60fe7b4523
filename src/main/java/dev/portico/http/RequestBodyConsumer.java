package dev.portico.http;

import io.netty.handler.codec.http.HttpContent;

/** Takes a request body piece by piece; it owns (and must release) each piece. */
public interface RequestBodyConsumer {
    void onContent(HttpExchange exchange, HttpContent content, boolean last);
}
