package dev.portico.proxy;

import dev.portico.balancer.UpstreamGroup;
import dev.portico.config.syntax.SourceLocation;
import dev.portico.tls.UpstreamTls;

/**
 * A location's *_pass as seen from outside requests (active health checks), once the whole
 * configuration is read and merged.
 *
 * @param directive "proxy_pass" or "uwsgi_pass"
 * @param target    the address as written
 * @param group     the group it sends to; null when the address has variables
 * @param settings  the location's merged upstream settings (timeouts, buffer size)
 * @param host      the Host header a request without variables would carry (proxy_set_header Host
 *                  with a constant value, else $proxy_host); null for protocols without one
 * @param tls       TLS for connections to the group (https://, suwsgi://), or null
 */
public record LocationPass(String directive, String target, UpstreamGroup group, UpstreamSettings settings,
                           String host, SourceLocation where, UpstreamTls.Target tls) {

    /** True when the address names an upstream block (not a literal address, not variables). */
    public boolean namesBlock() {
        return group != null && !group.isImplicit();
    }
}
