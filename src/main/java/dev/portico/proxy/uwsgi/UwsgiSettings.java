package dev.portico.proxy.uwsgi;

import java.util.List;

/**
 * What the uwsgi protocol needs from one location's configuration, merged: the uwsgi_param
 * list in force (in the order it is sent), uwsgi_modifier1 and uwsgi_modifier2 (0-255),
 * uwsgi_pass_request_headers, and uwsgi_buffer_size (the limit of the response head).
 */
public record UwsgiSettings(List<UwsgiParam> params, int modifier1, int modifier2, boolean passRequestHeaders,
                            int bufferSize) {

    public UwsgiSettings {
        params = List.copyOf(params);
        if (modifier1 < 0 || modifier1 > 255 || modifier2 < 0 || modifier2 > 255) {
            throw new IllegalArgumentException("uwsgi modifiers are bytes: " + modifier1 + ", " + modifier2);
        }
        if (bufferSize < 1) {
            throw new IllegalArgumentException("uwsgi_buffer_size must be positive: " + bufferSize);
        }
    }
}
