package dev.portico.proxy;

import java.util.List;
import java.util.Set;

/**
 * What tells one protocol module's upstream directives apart from another's: their prefix
 * ("proxy", "uwsgi"), the response headers hidden unless *_pass_header names them (nginx's
 * ngx_http_proxy_hide_headers, ngx_http_uwsgi_hide_headers), and the words *_next_upstream
 * takes (its ngx_conf_bitmask_t list: uwsgi has no http_502 nor http_504).
 *
 * @param hiddenByDefault lower-case header names
 */
public record UpstreamFamily(String prefix, List<String> hiddenByDefault, Set<String> nextUpstreamWords) {

    /** ngx_http_proxy_module's. */
    public static final UpstreamFamily PROXY = new UpstreamFamily("proxy",
            List.of("date", "server", "x-pad", "x-accel-expires", "x-accel-redirect", "x-accel-limit-rate",
                    "x-accel-buffering", "x-accel-charset"),
            Set.of("error", "timeout", "invalid_header", "http_500", "http_502", "http_503", "http_504", "http_403",
                    "http_404", "http_429", "non_idempotent", "off", "denied", "updating"));

    /** ngx_http_uwsgi_module's: only the X-Accel-* headers are hidden (Date and Server pass). */
    public static final UpstreamFamily UWSGI = new UpstreamFamily("uwsgi",
            List.of("x-accel-expires", "x-accel-redirect", "x-accel-limit-rate", "x-accel-buffering",
                    "x-accel-charset"),
            Set.of("error", "timeout", "invalid_header", "non_idempotent", "http_500", "http_503", "http_403",
                    "http_404", "http_429", "updating", "off"));

    /** The directive of this family: "proxy" + "_read_timeout". */
    public String directive(String suffix) {
        return prefix + suffix;
    }
}
