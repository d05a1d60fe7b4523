package dev.portico.proxy;

import dev.portico.http.HttpExchange;
import dev.portico.http.RequestProcessor;
import dev.portico.log.LogLevel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The X-Accel-* response headers, as nginx's upstream engine reads them for
 * every protocol (ngx_http_upstream_process_headers and the handlers of
 * ngx_http_upstream_headers_in), unless proxy_ignore_headers names them:
 * <ul>
 * <li>X-Accel-Redirect: the upstream's response is dropped and the request
 *     goes on with an internal redirect to a URI (with args; the method
 *     becomes GET unless it is HEAD) or to a named location (method kept).
 *     Only the upstream headers nginx flags for it are kept on the new
 *     response: Content-Type, Set-Cookie, Content-Disposition, Cache-Control,
 *     Expires, Accept-Ranges (proxy_hide_header does not apply to them).</li>
 * <li>X-Accel-Charset: the charset to give the response, which the charset
 *     filter applies only to a charset it knows.</li>
 * <li>X-Accel-Buffering: "yes"/"no" switch buffering for this response
 *     ({@link #buffering}).</li>
 * <li>X-Accel-Limit-Rate: a response rate limit; Portico has no limit_rate
 *     yet, so it has no effect (the header stays hidden).</li>
 * <li>X-Accel-Expires: a cache lifetime; no effect without a cache (hidden).</li>
 * </ul>
 */
public final class AccelHeaders {

    /** The values proxy_ignore_headers takes, as nginx spells them (ngx_http_upstream_ignore_headers_masks). */
    public static final List<String> IGNORABLE = List.of("X-Accel-Redirect", "X-Accel-Expires",
            "X-Accel-Limit-Rate", "X-Accel-Buffering", "X-Accel-Charset", "Expires", "Cache-Control",
            "Set-Cookie", "Vary");

    /** Upstream headers that survive an X-Accel-Redirect (the "redirect" flag of ngx_http_upstream_headers_in). */
    private static final Set<String> KEPT_ON_REDIRECT = Set.of("content-type", "set-cookie", "content-disposition",
            "cache-control", "expires", "accept-ranges");

    private static final String REDIRECT = "x-accel-redirect";
    private static final String CHARSET = "x-accel-charset";
    private static final String BUFFERING = "x-accel-buffering";
    // The same names for looking headers up: their case-insensitive hash is computed once.
    private static final AsciiString REDIRECT_NAME = AsciiString.cached(REDIRECT);
    private static final AsciiString CHARSET_NAME = AsciiString.cached(CHARSET);
    private static final AsciiString BUFFERING_NAME = AsciiString.cached(BUFFERING);

    private AccelHeaders() {
    }

    /** True when proxy_ignore_headers names {@code header} (any case). */
    private static boolean ignored(UpstreamSettings settings, String header) {
        return settings.ignoredHeaders().contains(header);
    }

    /**
     * The X-Accel-Redirect target, or null when the upstream sent none or
     * proxy_ignore_headers ignores it. The first header counts: nginx drops
     * a repeated one.
     */
    public static String redirectTarget(HttpHeaders upstream, UpstreamSettings settings) {
        if (ignored(settings, REDIRECT)) {
            return null;
        }
        return upstream.get(REDIRECT_NAME);
    }

    /**
     * Replaces the upstream's response by an internal redirect to
     * {@code target} (from {@link #redirectTarget}); the caller has already
     * let go of the upstream connection and the client's request body.
     */
    public static void redirect(HttpExchange x, HttpHeaders upstream, String target) {
        HttpHeaders out = x.responseHeaders();
        out.clear();
        for (Map.Entry<String, String> e : upstream) {
            if (KEPT_ON_REDIRECT.contains(e.getKey().toLowerCase(Locale.ROOT))) {
                out.add(e.getKey(), e.getValue());
            }
        }
        if (target.startsWith("@")) {
            RequestProcessor.namedRedirect(x, target);
            return;
        }
        SafeUri safe = safeUri(target);
        if (safe.unsafe() != null) {
            RequestProcessor.logError(x, LogLevel.ERROR, "unsafe URI \"" + safe.unsafe() + "\" was detected");
            RequestProcessor.finish(x, 404);
            return;
        }
        if (!x.isHead()) {
            x.setMethod("GET");
        }
        // nginx's internal redirect takes the header's args, none when it has none.
        x.setArgs(safe.args());
        RequestProcessor.internalRedirect(x, safe.uri(), null);
    }

    /** A checked X-Accel-Redirect URI: the URI and args (null when empty), or the unsafe URI as logged. */
    record SafeUri(String uri, String args, String unsafe) {
        static SafeUri refused(String shown) {
            return new SafeUri(null, null, shown);
        }
    }

    /**
     * nginx's ngx_http_parse_unsafe_uri: the URI (unescaped when it has
     * "%") and the args (null when empty), or the refused URI when it is
     * unsafe: empty, starting with "?", with a NUL, or with a ".." segment.
     */
    static SafeUri safeUri(String value) {
        if (value.isEmpty() || value.charAt(0) == '?') {
            return SafeUri.refused(value);
        }
        String uri = value;
        String args = null;
        int q = value.indexOf('?');
        if (q >= 0) {
            uri = value.substring(0, q);
            args = q + 1 < value.length() ? value.substring(q + 1) : null;
        }
        if (hasDotDotOrNul(uri)) {
            return SafeUri.refused(value);
        }
        if (uri.indexOf('%') >= 0) {
            uri = unescape(uri);
            if (hasDotDotOrNul(uri)) {
                return SafeUri.refused(uri);
            }
        }
        return new SafeUri(uri, args, null);
    }

    /** A leading "..", a "/.." segment, or a NUL byte. */
    private static boolean hasDotDotOrNul(String uri) {
        int n = uri.length();
        if (n >= 2 && uri.charAt(0) == '.' && uri.charAt(1) == '.' && (n == 2 || uri.charAt(2) == '/')) {
            return true;
        }
        for (int i = 0; i < n; i++) {
            char c = uri.charAt(i);
            if (c == '\0') {
                return true;
            }
            if (c == '/' && i + 2 < n && uri.charAt(i + 1) == '.' && uri.charAt(i + 2) == '.'
                    && (i + 3 == n || uri.charAt(i + 3) == '/')) {
                return true;
            }
        }
        return false;
    }

    /** %XX decoded byte by byte (one char per byte, as Portico keeps URIs); a bad escape stays as it is. */
    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi >= 0 && lo >= 0) {
                    sb.append((char) (hi << 4 | lo));
                    i += 2;
                    continue;
                }
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /**
     * X-Accel-Buffering as nginx's ngx_http_upstream_process_buffering reads
     * it: TRUE for "yes", FALSE for "no" (any case; the last such header
     * wins), null when there is none, it is neither, or proxy_ignore_headers
     * ignores it. Whoever buffers responses applies it.
     */
    public static Boolean buffering(HttpHeaders upstream, UpstreamSettings settings) {
        if (ignored(settings, BUFFERING)) {
            return null;
        }
        Boolean result = null;
        for (String v : upstream.getAll(BUFFERING_NAME)) {
            if (v.equalsIgnoreCase("yes")) {
                result = Boolean.TRUE;
            } else if (v.equalsIgnoreCase("no")) {
                result = Boolean.FALSE;
            }
        }
        return result;
    }

    /**
     * X-Accel-Charset on the client's response headers {@code out}, as
     * nginx's charset filter applies r->headers_out.override_charset (the last
     * such header): nothing without a Content-Type; a charset the
     * configuration does not know is an error-log line and no change; a known
     * one becomes the Content-Type's charset when the response has none or
     * the same one (and none on a 301 or 302), and otherwise needs a
     * charset_map. Portico has no charset module yet, so {@code known} knows
     * no charset and only the error line shows.
     */
    public static void overrideCharset(HttpExchange x, HttpHeaders upstream, HttpHeaders out, int status,
                                       UpstreamSettings settings, Predicate<String> known) {
        if (ignored(settings, CHARSET)) {
            return;
        }
        List<String> values = upstream.getAll(CHARSET_NAME);
        if (values.isEmpty()) {
            return;
        }
        String charset = values.get(values.size() - 1);
        String type = out.get(HttpHeaderNames.CONTENT_TYPE);
        if (charset.isEmpty() || type == null || type.isEmpty()) {
            return;
        }
        if (!known.test(charset)) {
            RequestProcessor.logError(x, LogLevel.ERROR, "unknown charset \"" + charset + "\" to override");
            return;
        }
        int semicolon = type.indexOf(';');
        String mediaType = semicolon < 0 ? type : type.substring(0, semicolon).stripTrailing();
        String source = sourceCharset(type);
        if (source != null && !source.equalsIgnoreCase(charset)) {
            RequestProcessor.logError(x, LogLevel.ERROR, "no \"charset_map\" between the charsets \""
                    + source + "\" and \"" + charset + "\"");
            return;
        }
        if (status == 301 || status == 302) {
            // nginx gives a redirect no charset (old browsers used it for the next page)
            if (source != null) {
                out.set(HttpHeaderNames.CONTENT_TYPE, mediaType);
            }
            return;
        }
        if (source == null && semicolon >= 0) {
            return; // other parameters: nginx prints the type as it came
        }
        out.set(HttpHeaderNames.CONTENT_TYPE, mediaType + "; charset=" + charset);
    }

    /** The charset parameter of a Content-Type value, or null (nginx's ngx_http_upstream_copy_content_type). */
    private static String sourceCharset(String type) {
        String lower = type.toLowerCase(Locale.ROOT);
        int at = lower.indexOf(';');
        while (at >= 0) {
            int p = at + 1;
            while (p < lower.length() && lower.charAt(p) == ' ') {
                p++;
            }
            if (lower.startsWith("charset=", p)) {
                int start = p + "charset=".length();
                int end = start;
                while (end < type.length() && type.charAt(end) != ';' && type.charAt(end) != ' ') {
                    end++;
                }
                String v = type.substring(start, end);
                if (v.length() >= 2 && v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"') {
                    v = v.substring(1, v.length() - 1);
                }
                return v;
            }
            at = lower.indexOf(';', p);
        }
        return null;
    }
}
