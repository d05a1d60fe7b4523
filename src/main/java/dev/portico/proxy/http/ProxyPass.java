package dev.portico.proxy.http;

import dev.portico.balancer.UpstreamGroup;
import dev.portico.config.syntax.SourceLocation;
import dev.portico.http.HttpExchange;
import dev.portico.http.Template;
import dev.portico.proxy.PassGroups;

/**
 * A parsed proxy_pass URL: the host as written (an upstream block's name or
 * an address) and the port when one was written, the URI part (null when the
 * URL has none, so the client's URI goes as it came), and the $proxy_host and
 * $proxy_port values. The group is found once the whole configuration is read,
 * since an upstream block may follow the location that names it.
 *
 * A proxy_pass with variables is a {@link #template}: each request renders
 * and parses its own ProxyPass ({@link ProxyTarget}), kept in the request's
 * {@link #slot}.
 */
final class ProxyPass {
    private final String url;
    /** An https:// URL: TLS to the upstream, port 443 unless written. */
    final boolean https;
    final String host;
    /** The port written in the URL, or -1. */
    final int port;
    private final String uri;
    private final String proxyHost;
    private final String proxyPort;
    final SourceLocation where;
    final int sequence;
    UpstreamGroup group;

    /** The URL with variables, or null for a literal one. */
    final Template template;
    /** The request's variable slot holding its rendered ProxyPass (a template's only). */
    final int slot;
    /** This configuration's upstream blocks and literal addresses' groups, searched per request (a template's only). */
    final PassGroups groups;

    ProxyPass(String url, boolean https, String host, int port, String uri, String proxyHost, String proxyPort,
              SourceLocation where, int sequence) {
        this(url, https, host, port, uri, proxyHost, proxyPort, where, sequence, null, -1, null);
    }

    private ProxyPass(String url, boolean https, String host, int port, String uri, String proxyHost,
                      String proxyPort, SourceLocation where, int sequence, Template template, int slot,
                      PassGroups groups) {
        this.url = url;
        this.https = https;
        this.host = host;
        this.port = port;
        this.uri = uri;
        this.proxyHost = proxyHost;
        this.proxyPort = proxyPort;
        this.where = where;
        this.sequence = sequence;
        this.template = template;
        this.slot = slot;
        this.groups = groups;
    }

    /** A proxy_pass whose URL has variables: rendered for each request. */
    static ProxyPass withVariables(Template template, int slot, SourceLocation where, PassGroups groups) {
        return new ProxyPass(template.source(), false, null, -1, null, null, null, where, 0, template, slot, groups);
    }

    /** The port of a URL that writes none: 80, or 443 for https. */
    static int defaultPort(boolean https) {
        return https ? 443 : 80;
    }

    /** The default TLS name (nginx's u->ssl_name): the URL's host, an upstream block's name, a socket's path. */
    String sslName() {
        return host.startsWith("unix:") ? host.substring("unix:".length()) : host;
    }

    boolean hasVariables() {
        return template != null;
    }

    /** The ProxyPass in force for {@code x}: this one, or the request's rendering of this template (or null). */
    ProxyPass of(HttpExchange x) {
        return template == null ? this : (ProxyPass) x.variableSlot(slot);
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
