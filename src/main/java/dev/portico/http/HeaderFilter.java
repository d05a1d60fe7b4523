package dev.portico.http;

import io.netty.handler.codec.http.HttpResponse;

/** Adjusts a response head before it is written (add_header, expires...). */
@FunctionalInterface
public interface HeaderFilter {
    void filter(HttpExchange exchange, HttpResponse response);
}
