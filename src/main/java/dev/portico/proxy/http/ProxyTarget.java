package dev.portico.proxy.http;

import dev.portico.http.HttpExchange;
import dev.portico.http.RequestProcessor;
import dev.portico.log.LogLevel;
import dev.portico.proxy.PassGroups;

/**
 * A proxy_pass with variables, for one request: nginx's ngx_http_proxy_eval
 * (the URL rendered and parsed, $proxy_host and $proxy_port from it) and the
 * group search of ngx_http_upstream_init_request. The host names an upstream
 * block (when the URL has no port) or the group of a literal proxy_pass with
 * the same host and port; a literal IP address or a unix socket becomes a
 * peer of its own; any other name needs a resolver, which Portico does not
 * have yet, so it gets nginx's "no resolver defined" and 502.
 */
final class ProxyTarget {

    private ProxyTarget() {
    }

    /** A URL that did not parse: nginx's ngx_url_t err text. */
    private static final class BadUrl extends Exception {
        BadUrl(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The request's ProxyPass with its group, or null when the request was
     * answered instead (500 for a URL that does not parse, 502 for a name
     * that would need a resolver), with nginx's error-log line.
     */
    static ProxyPass resolve(HttpExchange x, ProxyPass template) {
        String url = template.template.render(x);
        boolean https = url.length() > 8 && url.regionMatches(true, 0, "https://", 0, 8);
        if (!https && (url.length() <= 7 || !url.regionMatches(true, 0, "http://", 0, 7))) {
            RequestProcessor.logError(x, LogLevel.ERROR, "invalid URL prefix in \"" + url + "\"");
            RequestProcessor.finish(x, 500);
            return null;
        }
        String rest = url.substring(https ? 8 : 7);
        ProxyPass pass;
        try {
            pass = parse(url, rest, https);
        } catch (BadUrl e) {
            RequestProcessor.logError(x, LogLevel.ERROR, e.getMessage() + " in upstream \"" + rest + "\"");
            RequestProcessor.finish(x, 500);
            return null;
        }
        pass.group = template.groups.atRequest(pass.host, pass.port < 0 ? ProxyPass.defaultPort(https) : pass.port,
                pass.port < 0, pass.port == 0);
        if (pass.group == null) {
            RequestProcessor.logError(x, LogLevel.ERROR, "no resolver defined to resolve " + pass.host);
            RequestProcessor.finish(x, 502);
            return null;
        }
        return pass;
    }

    /** nginx's ngx_parse_url with uri_part and no_resolve, then ngx_http_proxy_set_vars. */
    private static ProxyPass parse(String url, String rest, boolean https) throws BadUrl {
        if (rest.regionMatches(true, 0, "unix:", 0, 5)) {
            String after = rest.substring(5);
            int colon = after.indexOf(':');
            String path = colon < 0 ? after : after.substring(0, colon);
            String uri = colon < 0 ? null : after.substring(colon + 1);
            if (path.isEmpty()) {
                throw new BadUrl("no path in the unix domain socket");
            }
            return new ProxyPass(url, https, path, 0, uri(uri), "localhost", "", null, 0);
        }
        String hostPart;
        String portText = null;
        String uri = null;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw new BadUrl("invalid host");
            }
            hostPart = rest.substring(0, close + 1);
            String after = rest.substring(close + 1);
            int slash = after.indexOf('/');
            if (slash >= 0) {
                uri = after.substring(slash);
                after = after.substring(0, slash);
            }
            if (after.startsWith(":")) {
                portText = after.substring(1);
            }
            if (close == 1) {
                throw new BadUrl("no host");
            }
        } else {
            int colon = rest.indexOf(':');
            int slash = rest.indexOf('/');
            int question = rest.indexOf('?');
            if (question >= 0 && (slash < 0 || question < slash)) {
                slash = question;
            }
            String authority = rest;
            if (slash >= 0) {
                uri = rest.substring(slash);
                authority = rest.substring(0, slash);
                if (slash < colon) {
                    colon = -1;
                }
            }
            if (colon >= 0) {
                portText = authority.substring(colon + 1);
                authority = authority.substring(0, colon);
            }
            hostPart = authority;
        }
        int defaultPort = ProxyPass.defaultPort(https);
        int port = defaultPort;
        boolean noPort = portText == null;
        if (!noPort) {
            port = atoi(portText);
            if (port < 1 || port > 65535) {
                throw new BadUrl("invalid port");
            }
        }
        if (hostPart.isEmpty()) {
            throw new BadUrl("no host");
        }
        if (hostPart.startsWith("[") && PassGroups.literalAddress(hostPart) == null) {
            throw new BadUrl("invalid IPv6 address");
        }
        boolean plain = noPort || port == defaultPort;
        String proxyHost = plain ? hostPart : hostPart + ":" + portText;
        String proxyPort = plain ? Integer.toString(defaultPort) : portText;
        return new ProxyPass(url, https, hostPart, noPort ? -1 : port, uri(uri), proxyHost, proxyPort, null, 0);
    }

    /** An empty URI is none; one that starts with "?" gets its "/" (ngx_http_proxy_eval). */
    private static String uri(String uri) {
        if (uri == null || uri.isEmpty()) {
            return null;
        }
        return uri.charAt(0) == '?' ? "/" + uri : uri;
    }

    /** nginx's ngx_atoi: digits only, -1 otherwise. */
    private static int atoi(String s) {
        if (s.isEmpty() || s.length() > 9) {
            return -1;
        }
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }
}
