package dev.portico.http;

/**
 * What nginx's header filters write the same way whatever the protocol
 * (ngx_http_header_filter for HTTP/1.x, ngx_http_v2_header_filter for
 * HTTP/2): which fields come first, the Server token and an absolute Location.
 */
public final class ResponseHeaders {

    private ResponseHeaders() {
    }

    /**
     * The fields nginx's header filters (ngx_http_header_filter, ngx_http_v2_header_filter) write
     * first, in this order, before the rest as they were added.
     */
    public static final java.util.List<io.netty.util.AsciiString> FIRST_FIELDS = java.util.List.of(
            io.netty.handler.codec.http.HttpHeaderNames.SERVER, io.netty.handler.codec.http.HttpHeaderNames.DATE,
            io.netty.handler.codec.http.HttpHeaderNames.CONTENT_TYPE,
            io.netty.handler.codec.http.HttpHeaderNames.CONTENT_LENGTH,
            io.netty.handler.codec.http.HttpHeaderNames.LAST_MODIFIED,
            io.netty.handler.codec.http.HttpHeaderNames.LOCATION);

    /** The Server header: "portico/VERSION", or "portico" with server_tokens off. */
    public static String serverToken(HttpCoreConf core) {
        return core.serverTokens() ? "portico/" + dev.portico.cli.VersionInfo.VERSION : "portico";
    }

    /**
     * A Location that starts with "/" becomes absolute when absolute_redirect is on,
     * with the host from server_name_in_redirect, the request's Host or the local
     * address, and the port unless it is the scheme's default or port_in_redirect is off.
     */
    public static String absoluteLocation(HttpExchange x, HttpCoreConf core, String location) {
        if (location.isEmpty() || location.charAt(0) != '/' || !core.absoluteRedirect()) {
            return location;
        }
        String host;
        if (core.serverNameInRedirect()) {
            host = x.server() == null ? "" : x.server().name();
        } else if (x.host() != null && !x.host().isEmpty()) {
            host = x.host();
        } else {
            host = x.connection().localAddress();
            if (host.indexOf(':') >= 0) {
                host = "[" + host + "]";
            }
        }
        boolean secure = x.connection().secure();
        int port = 0;
        if (core.portInRedirect()) {
            try {
                port = Integer.parseInt(x.connection().localPort());
            } catch (NumberFormatException unix) {
                port = 0;
            }
            if (port == (secure ? 443 : 80)) {
                port = 0;
            }
        }
        StringBuilder sb = new StringBuilder(16 + host.length() + location.length());
        sb.append(secure ? "https://" : "http://").append(host);
        if (port != 0) {
            sb.append(':').append(port);
        }
        return sb.append(location).toString();
    }
}
