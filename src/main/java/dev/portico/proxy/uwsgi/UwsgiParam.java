package dev.portico.proxy.uwsgi;

import dev.portico.http.Template;
import java.util.Objects;

/**
 * One {@code uwsgi_param NAME VALUE [if_not_empty]}: a variable of every request packet, its
 * value rendered per request. With {@code ifNotEmpty} an empty value leaves the pair out.
 * A name starting with {@code HTTP_} also stops the request header of that name from being
 * passed; with an empty VALUE (as written, before rendering) the pair itself is never sent.
 */
public record UwsgiParam(String name, Template value, boolean ifNotEmpty) {

    public UwsgiParam {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }
}
