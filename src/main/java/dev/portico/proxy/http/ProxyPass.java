package dev.portico.proxy.http;

import dev.portico.balancer.UpstreamGroup;
import dev.portico.config.syntax.SourceLocation;

/**
 * A parsed proxy_pass URL: the host as written (an upstream block's name or
 * an address) and the port when one was written, the URI part (null when the
 * URL has none, so the client's URI goes as it came), and the $proxy_host and
 * $proxy_port values. The group is found once the whole configuration is read,
 * since an upstream block may follow the location that names it.
 */
final class ProxyPass {
    private final String url;
    final String host;
    /** The port written in the URL, or -1. */
    final int port;
    private final String uri;
    private final String proxyHost;
    private final String proxyPort;
    final SourceLocation where;
    final int sequence;
    UpstreamGroup group;

    ProxyPass(String url, String host, int port, String uri, String proxyHost, String proxyPort,
              SourceLocation where, int sequence) {
        this.url = url;
        this.host = host;
        this.port = port;
        this.uri = uri;
        this.proxyHost = proxyHost;
        this.proxyPort = proxyPort;
        this.where = where;
        this.sequence = sequence;
    }

    String url() {
        return url;
    }

    String uri() {
        return uri;
    }

    String proxyHost() {
        return proxyHost;
    }

    String proxyPort() {
        return proxyPort;
    }

    UpstreamGroup group() {
        return group;
    }
}
