package dev.portico.http;

import dev.portico.files.ErrorPages;
import dev.portico.files.UriPath;
import dev.portico.log.ErrorLog;
import dev.portico.log.LogLevel;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Runs a request through nginx's phases: server selection, server rewrite,
 * location search, rewrite, access, pre-content, content; handles internal
 * redirects, error pages and the built-in responses; hands the final head
 * and body to the connection's writer after the header filters.
 */
public final class RequestProcessor {

    private RequestProcessor() {
    }

    /** Starts a request whose head has been read and checked by the connection. */
    public static void start(HttpExchange x, ServerNames servers, ResponseWriter writer) {
        x.attachWriter(writer);
        ServerNames.Selection negotiated = negotiatedServer(x, servers);
        VirtualServer connectionServer = negotiated != null ? negotiated.server() : servers.defaultServer();
        String host = hostOf(x);
        if (host == INVALID_HOST) {
            x.setServer(connectionServer);
            x.setLocation(connectionServer.root());
            logError(x, LogLevel.INFO, "client sent invalid host header while reading client request headers");
            finish(x, 400);
            return;
        }
        x.setHost(host);
        ServerNames.Selection selection = serverFor(x, servers, negotiated, host);
        if (negotiated != null && selection != negotiated && x.connection().verifiesClients(selection.server())) {
            // nginx's ngx_http_set_virtual_server: answered by the server the handshake chose.
            x.setServer(connectionServer);
            x.setLocation(connectionServer.root());
            logError(x, LogLevel.INFO, "client attempted to request the server name different from the one that"
                    + " was negotiated while reading client request " + (x.requestUri().startsWith("/")
                    ? "headers" : "line"));
            finish(x, 421);
            return;
        }
        x.setServer(selection.server());
        x.setLocation(selection.server().root());
        if (selection.captures() != null) {
            x.setCaptures(selection.captures());
        }
        if (host == null && x.version().equals(HttpVersion.HTTP_1_1)) {
            logError(x, LogLevel.INFO, "client sent HTTP/1.1 request without \"Host\" header"
                    + " while reading client request headers");
            finish(x, 400);
            return;
        }
        String target = x.requestUri();
        String path = target;
        if (!target.startsWith("/")) {
            // absolute-form: http://host[:port]/path?args
            int scheme = target.indexOf("://");
            int slash = scheme < 0 ? -1 : target.indexOf('/', scheme + 3);
            if (scheme < 0 || target.indexOf('?') >= 0 && target.indexOf('?') < scheme) {
                logError(x, LogLevel.INFO, "client sent invalid request while reading client request line");
                finish(x, 400);
                return;
            }
            path = slash < 0 ? "/" : target.substring(slash);
        }
        int q = path.indexOf('?');
        String rawPath = q < 0 ? path : path.substring(0, q);
        x.setArgs(q < 0 ? null : path.substring(q + 1));
        try {
            x.setUri(UriPath.normalize(rawPath));
        } catch (UriPath.InvalidUriException e) {
            logError(x, LogLevel.INFO, "client sent invalid request while reading client request line");
            finish(x, 400);
            return;
        }
        runFrom(x, Phase.SERVER_REWRITE);
    }

    private static final String INVALID_HOST = new String("invalid");

    /**
     * The server the TLS handshake's SNI name selected among these (nginx's hc->conf_ctx with
     * hc->ssl_servername), or null when no name was sent or none matched: the default server's
     * connection.
     */
    private static ServerNames.Selection negotiatedServer(HttpExchange x, ServerNames servers) {
        String name = x.connection() == null ? null : x.connection().sslServerName();
        return name == null ? null : servers.find(name);
    }

    /**
     * The server for a request's host (null: none sent), as nginx's ngx_http_set_virtual_server: the
     * SNI's server when the host is its negotiated name, else the server the host selects (an absent
     * host looks up the empty name), else the default server. The caller refuses another name's
     * server (another Selection) that verifies client certificates (421), even the same server.
     */
    private static ServerNames.Selection serverFor(HttpExchange x, ServerNames servers,
                                                   ServerNames.Selection negotiated, String host) {
        if (negotiated != null && (host == null ? "" : host).equals(x.connection().sslServerName())) {
            return negotiated;
        }
        return servers.select(host);
    }

    /**
     * A server name as a Host header's host is read (ngx_http_validate_host: no port, no trailing dot,
     * lower case), or null when it is empty or invalid; for the TLS handshake's SNI name.
     */
    public static String serverName(String raw) {
        String name = normalizeHost(raw);
        return name == INVALID_HOST || name.isEmpty() ? null : name;
    }

    /**
     * Answers a request the connection refused while reading it. The server is
     * still chosen by Host where possible, so its error_page and logs apply.
     */
    public static void fail(HttpExchange x, ServerNames servers, ResponseWriter writer, int status, String reason) {
        x.attachWriter(writer);
        ServerNames.Selection negotiated = negotiatedServer(x, servers);
        VirtualServer server = negotiated != null ? negotiated.server() : servers.defaultServer();
        String host = x.requestHeaders().get(HttpHeaderNames.HOST);
        if (host != null) {
            String normalized = normalizeHost(host);
            if (normalized != INVALID_HOST) {
                server = serverFor(x, servers, negotiated, normalized).server();
            }
        }
        x.setServer(server);
        x.setLocation(server.root());
        if (x.uri() == null) {
            x.setUri("/");
        }
        logError(x, LogLevel.INFO, reason);
        finish(x, status);
    }

    /** The handlers registered for {@code phase} in the request's configuration. */
    public static PhaseHandler[] handlers(HttpExchange x, Phase phase) {
        return x.context().handlers(phase);
    }

    /** The host from an absolute-form target or the Host header, normalized as ngx_http_validate_host. */
    private static String hostOf(HttpExchange x) {
        String target = x.requestUri();
        String raw = null;
        if (!target.startsWith("/")) {
            int scheme = target.indexOf("://");
            if (scheme > 0) {
                int start = scheme + 3;
                int end = start;
                while (end < target.length() && target.charAt(end) != '/' && target.charAt(end) != '?') {
                    end++;
                }
                raw = target.substring(start, end);
            }
        }
        if (raw == null) {
            raw = x.requestHeaders().get(HttpHeaderNames.HOST);
            if (raw == null) {
                return null;
            }
        }
        return normalizeHost(raw);
    }

    static String normalizeHost(String raw) {
        String h = raw;
        int end = h.length();
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            if (close < 0) {
                return INVALID_HOST;
            }
            end = close + 1;
        } else {
            int colon = h.indexOf(':');
            if (colon >= 0) {
                end = colon;
            }
        }
        h = h.substring(0, end);
        while (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        for (int i = 0; i < h.length(); i++) {
            char c = h.charAt(i);
            if (c == '/' || c == '\\' || c < 0x21 || c == 0x7f) {
                return INVALID_HOST;
            }
            if (c == '.' && i + 1 < h.length() && h.charAt(i + 1) == '.') {
                return INVALID_HOST;
            }
        }
        if (h.isEmpty()) {
            return raw.isEmpty() ? "" : INVALID_HOST;
        }
        return h.toLowerCase(Locale.ROOT);
    }

    /** Runs the phases from {@code phase} on. */
    static void runFrom(HttpExchange x, Phase phase) {
        HttpConfig http = x.context();
        if (phase == Phase.SERVER_REWRITE) {
            if (run(x, http.handlers(Phase.SERVER_REWRITE)) == Flow.DONE) {
                return;
            }
            if (findLocation(x) == Flow.DONE) {
                return;
            }
            phase = Phase.REWRITE;
        }
        for (Phase p : LOCATION_PHASES) {
            if (p.ordinal() < phase.ordinal()) {
                continue;
            }
            if (run(x, http.handlers(p)) == Flow.DONE) {
                return;
            }
            if (p == Phase.REWRITE && x.uriChanged()) {
                postRewrite(x);
                return;
            }
        }
        ContentHandler own = x.conf().get(HttpCoreModule.CORE).handler();
        if (own != null) {
            if (own.handle(x) == Flow.DONE) {
                return;
            }
        } else if (run(x, http.handlers(Phase.CONTENT)) == Flow.DONE) {
            return;
        }
        finish(x, 404);
    }

    private static Flow run(HttpExchange x, PhaseHandler[] handlers) {
        for (PhaseHandler h : handlers) {
            if (h.handle(x) == Flow.DONE) {
                return Flow.DONE;
            }
        }
        return Flow.NEXT;
    }

    /**
     * nginx's post-rewrite phase: a rewrite changed the URI, so the location is
     * searched again (counted with internal redirects; past the limit, 500).
     */
    private static void postRewrite(HttpExchange x) {
        if (!x.countRedirect()) {
            logError(x, LogLevel.ERROR, "rewrite or internal redirection cycle while processing \""
                    + x.uri() + "\"");
            finish(x, 500);
            return;
        }
        x.setLocation(x.server().root());
        if (findLocation(x) == Flow.DONE) {
            return;
        }
        runFrom(x, Phase.REWRITE);
    }

    private static Flow findLocation(HttpExchange x) {
        x.setUriChanged(false);
        LocationMatcher.Result found = LocationMatcher.find(x.server().root(), x.uri());
        Location location = found.location();
        if (location.isInternal() && !x.isInternal()) {
            x.setLocation(location);
            finish(x, 404);
            return Flow.DONE;
        }
        x.setLocation(location);
        if (found.captures() != null) {
            x.setCaptures(found.captures());
        }
        HttpCoreConf core = x.conf().get(HttpCoreModule.CORE);
        long max = core.clientMaxBodySize();
        if (max > 0) {
            String cl = x.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
            if (cl != null) {
                try {
                    long length = Long.parseLong(cl.trim());
                    if (length > max) {
                        logError(x, LogLevel.ERROR, "client intended to send too large body: " + length + " bytes");
                        x.setKeepAlive(false);
                        finish(x, 413);
                        return Flow.DONE;
                    }
                } catch (NumberFormatException ignored) {
                    // The decoder already rejected an invalid Content-Length.
                }
            }
        }
        return Flow.NEXT;
    }

    /** nginx's ngx_http_internal_redirect: a new URI, searched from the server rewrite phase. */
    public static void internalRedirect(HttpExchange x, String uri, String args) {
        if (!x.countRedirect()) {
            logError(x, LogLevel.ERROR, "rewrite or internal redirection cycle while internally redirecting to \""
                    + uri + "\"");
            finish(x, 500);
            return;
        }
        x.markInternal();
        x.setUri(uri);
        if (args != null) {
            x.setArgs(args);
        }
        x.setLocation(x.server().root());
        runFrom(x, Phase.SERVER_REWRITE);
    }

    /** nginx's ngx_http_named_location: runs a named location from its rewrite phase. */
    public static void namedRedirect(HttpExchange x, String name) {
        Location named = LocationMatcher.named(x.server().root(), name);
        if (named == null) {
            logError(x, LogLevel.ERROR, "could not find named location \"" + name + "\"");
            finish(x, 500);
            return;
        }
        if (!x.countRedirect()) {
            logError(x, LogLevel.ERROR, "rewrite or internal redirection cycle while redirect to named location \""
                    + name + "\"");
            finish(x, 500);
            return;
        }
        x.markInternal();
        x.setUriChanged(false);
        x.setLocation(named);
        runFrom(x, Phase.REWRITE);
    }

    /**
     * Ends the request with {@code status} and no body of the handler's own:
     * an error_page if one applies, else nginx's built-in page.
     */
    public static void finish(HttpExchange x, int status) {
        if (x.headerSent()) {
            return;
        }
        if (status == 444) {
            x.setStatus(444);
            x.writer().abort(x);
            return;
        }
        if (status >= 300 && x.conf() != null && tryErrorPage(x, status)) {
            return;
        }
        sendSpecial(x, status);
    }

    /** True when an error_page of the request's location names {@code status} (proxy_intercept_errors). */
    public static boolean hasErrorPage(HttpExchange x, int status) {
        HttpCoreConf core = x.conf().get(HttpCoreModule.CORE);
        if (x.errorPageDone() && !core.recursiveErrorPages()) {
            return false;
        }
        for (ErrorPage page : core.errorPages()) {
            if (page.status() == status) {
                return true;
            }
        }
        return false;
    }

    private static boolean tryErrorPage(HttpExchange x, int status) {
        HttpCoreConf core = x.conf().get(HttpCoreModule.CORE);
        if (x.errorPageDone() && !core.recursiveErrorPages()) {
            return false;
        }
        int lookup = status == 494 ? 400 : status;
        for (ErrorPage page : core.errorPages()) {
            if (page.status() != lookup && page.status() != status) {
                continue;
            }
            x.markErrorPage();
            String target = page.target().render(x);
            if (page.overwrite() != 0) {
                x.setErrStatus(page.overwrite() > 0 ? page.overwrite() : status);
            } else {
                x.setErrStatus(0);
            }
            if (target.startsWith("/")) {
                if (!x.isHead()) {
                    x.setMethod("GET");
                }
                int q = target.indexOf('?');
                x.discardRequestBody();
                internalRedirect(x, q < 0 ? target : target.substring(0, q), q < 0 ? null : target.substring(q + 1));
                return true;
            }
            if (target.startsWith("@")) {
                // A named location keeps the method (and the body), as ngx_http_send_error_page.
                namedRedirect(x, target);
                return true;
            }
            int redirect = page.overwrite() >= 301 && page.overwrite() <= 308 ? page.overwrite() : 302;
            x.setErrStatus(-1);
            x.responseHeaders().set(HeaderNames.LOCATION, target);
            sendSpecial(x, redirect);
            return true;
        }
        return false;
    }

    /** nginx's special response: the built-in page for {@code status}. */
    static void sendSpecial(HttpExchange x, int status) {
        switch (status) {
            case 400, 413, 414, 494, 495, 496, 497, 500, 501 -> x.setKeepAlive(false);
            default -> { }
        }
        HttpCoreConf core = x.conf() == null ? null : x.conf().get(HttpCoreModule.CORE);
        boolean tokens = core == null || core.serverTokens();
        String page = ErrorPages.body(status, ErrorPages.signature(tokens, dev.portico.cli.VersionInfo.VERSION));
        HttpHeaders headers = x.responseHeaders();
        if (page.isEmpty() || status == 204 || status == 304) {
            send(x, status, ResponseBody.EMPTY);
            return;
        }
        headers.set(HeaderNames.CONTENT_TYPE, "text/html");
        byte[] bytes = page.getBytes(StandardCharsets.US_ASCII);
        send(x, status, new ResponseBody.Bytes(Unpooled.wrappedBuffer(bytes)));
    }

    /**
     * Sends a response: the status, the headers the handler put in
     * {@link HttpExchange#responseHeaders()}, and the body. Header filters run
     * first; HEAD gets the head only.
     */
    public static void send(HttpExchange x, int status, ResponseBody body) {
        int shown = x.errStatus() > 0 ? x.errStatus() : status;
        x.setStatus(shown);
        int wire = ErrorPages.wireStatus(shown);
        HttpResponseStatus upstream = x.upstreamStatus();
        HttpResponseStatus line = upstream != null && upstream.code() == wire && !upstream.reasonPhrase().isEmpty()
                ? upstream : statusOf(wire);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, line, x.responseHeaders());
        if (!head.headers().contains(HttpHeaderNames.CONTENT_LENGTH) && !(body instanceof ResponseBody.Empty
                && !mayHaveBody(wire))) {
            if (body != null && body.length() >= 0) {
                head.headers().set(HeaderNames.CONTENT_LENGTH, body.length());
            }
        }
        for (HeaderFilter filter : x.context().headerFilters()) {
            filter.filter(x, head);
        }
        ResponseBody out = body == null ? ResponseBody.EMPTY : body;
        if (x.isHead() && out.length() != 0) {
            out.discard();
            out = ResponseBody.EMPTY;
        }
        x.writer().write(x, head, out);
    }

    private static boolean mayHaveBody(int status) {
        return status != 204 && status != 304 && status >= 200;
    }

    /** The phases between location search and content, in order (one array, not one per request). */
    private static final Phase[] LOCATION_PHASES = {Phase.REWRITE, Phase.ACCESS, Phase.PRE_CONTENT};

    /** Status lines with nginx's reason phrases, made once for every code (not per response). */
    private static final HttpResponseStatus[] STATUSES = new HttpResponseStatus[600];

    static {
        for (int code = 100; code < STATUSES.length; code++) {
            String reason = ErrorPages.reasonPhrase(code);
            STATUSES[code] = reason == null ? HttpResponseStatus.valueOf(code) : new HttpResponseStatus(code, reason);
        }
    }

    static HttpResponseStatus statusOf(int code) {
        if (code >= 100 && code < STATUSES.length) {
            return STATUSES[code];
        }
        return HttpResponseStatus.valueOf(code);
    }

    /** nginx's log phase: the access log and every other LOG handler, once the response has ended. */
    public static void log(HttpExchange x) {
        for (PhaseHandler h : handlers(x, Phase.LOG)) {
            try {
                h.handle(x);
            } catch (RuntimeException e) {
                ErrorLog.current().log(LogLevel.ALERT, x.connection().id(), "log handler failed: " + e);
            }
        }
    }

    /** Logs with the request's context appended, as nginx's ngx_http_log_error. */
    public static void logError(HttpExchange x, LogLevel level, String message) {
        logError(x, level, message, null);
    }

    /** As {@link #logError(HttpExchange, LogLevel, String)}, with nginx's {@code upstream: "…"} before the host. */
    public static void logError(HttpExchange x, LogLevel level, String message, String upstream) {
        ErrorLog log = dev.portico.log.ErrorLogModule.forLocation(x.conf());
        if (!log.enabled(level)) {
            return;
        }
        StringBuilder m = new StringBuilder(message);
        m.append(", client: ").append(x.connection().remoteAddress());
        if (x.server() != null) {
            m.append(", server: ").append(x.server().name());
        }
        m.append(", request: \"").append(x.method()).append(' ').append(x.requestUri()).append(' ')
                .append(x.version().text()).append('"');
        if (upstream != null) {
            m.append(", upstream: \"").append(upstream).append('"');
        }
        String host = x.requestHeaders().get(HttpHeaderNames.HOST);
        if (host != null) {
            m.append(", host: \"").append(host).append('"');
        }
        log.log(level, x.connection().id(), m.toString());
    }
}
