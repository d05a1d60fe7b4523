package dev.portico.http2;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A stream's frames as HTTP/1-style objects, so that the request pipeline
 * serves HTTP/2 as it serves HTTP/1.x; called by the stream's handler (no
 * pipeline stage of its own: one handler per stream is cheaper). The request
 * is built as nginx's ngx_http_v2.c builds it: the pseudo-headers make the
 * request line ("GET / HTTP/2.0"), :authority is the Host, Cookie fields are
 * joined with "; ", header names and values are checked as
 * ngx_http_v2_validate_header, and what nginx refuses (connection-specific
 * headers, a missing :method, :scheme or :path ...) becomes a request that
 * fails with 400 and nginx's reason, so that it is logged and answered like
 * any other. A header field beyond one large_client_header_buffers buffer, or
 * a header list beyond all of them, is nginx's connection error
 * ENHANCE_YOUR_CALM.
 */
final class Http2RequestDecoder {

    /** The request's version: $server_protocol and the request line say "HTTP/2.0". */
    static final HttpVersion HTTP_2_0 = new HttpVersion("HTTP", 2, 0, true);

    /** Why a stream's request is answered with 400 (nginx's words, logged at info). */
    static final class RequestRefused extends Exception {
        RequestRefused(String reason) {
            super(reason, null, false, false);
        }
    }

    /** What the decoder needs of its connection: the limits, and a way to end it. */
    interface Connection {
        Http2Session.Limits limits();

        /** nginx's connection error: logged, GOAWAY with {@code error}, closed. */
        void connectionError(Http2Error error, String reason);

        void log(dev.portico.log.LogLevel level, String message);
    }

    private final Connection session;
    private boolean headersSeen;

    Http2RequestDecoder(Connection session) {
        this.session = session;
    }

    /**
     * Adds what {@code frame} means to {@code out}: the request (HEADERS), its body's pieces
     * (DATA, the last one a LastHttpContent; trailers end the body), or the RST_STREAM frame
     * itself; never more than two objects. Frames of other kinds add nothing. {@code frame}
     * stays the caller's to release.
     */
    void decode(Http2StreamFrame frame, List<Object> out) {
        if (frame instanceof Http2HeadersFrame headers) {
            if (headersSeen) {
                // Trailers: nginx has no use for them; they end the body.
                out.add(LastHttpContent.EMPTY_LAST_CONTENT);
                return;
            }
            headersSeen = true;
            HttpRequest request = request(headers);
            if (request == null) {
                return; // a connection error was raised
            }
            out.add(request);
            if (headers.isEndStream()) {
                out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            }
        } else if (frame instanceof Http2DataFrame data) {
            out.add(data.isEndStream() ? new DefaultLastHttpContent(data.content().retain())
                    : new DefaultHttpContent(data.content().retain()));
        } else if (frame instanceof Http2ResetFrame reset) {
            out.add(reset);
        }
    }

    /** The request of a HEADERS frame; null after a connection error. */
    private HttpRequest request(Http2HeadersFrame frame) {
        Http2Session.Limits limits = session.limits();
        String method = null;
        String scheme = null;
        String path = null;
        String authority = null;
        String problem = null;
        List<String> cookies = null;
        HttpHeaders headers = new DefaultHttpHeaders(false);
        long headerBytes = 0;
        // What the checks after the loop need, noted as the fields go by (one pass, no lookups).
        String firstHost = null;
        String secondHost = null;
        String contentLength = null;
        String te = null;
        boolean teRepeated = false;
        String connectionHeader = null;
        for (Map.Entry<CharSequence, CharSequence> e : frame.headers()) {
            String name = e.getKey().toString();
            String value = e.getValue().toString();
            if (name.length() > limits.fieldSize() || value.length() > limits.fieldSize()) {
                session.connectionError(Http2Error.ENHANCE_YOUR_CALM, "client sent too large header field");
                return null;
            }
            headerBytes += name.length() + value.length();
            if (headerBytes > limits.headerSize()) {
                session.connectionError(Http2Error.ENHANCE_YOUR_CALM, "client sent too large header");
                return null;
            }
            if (problem != null) {
                continue; // the request fails with the first problem; the rest is only counted
            }
            if (name.isEmpty()) {
                problem = "client sent zero header name length";
                continue;
            }
            boolean pseudo = name.charAt(0) == ':';
            boolean invalid = false;
            for (int i = pseudo ? 1 : 0; i < name.length() && problem == null; i++) {
                char c = name.charAt(i);
                if ((c >= 'a' && c <= 'z') || c == '-' || (c >= '0' && c <= '9')
                        || (c == '_' && limits.underscoresInHeaders())) {
                    continue;
                }
                if (c <= 0x20 || c == 0x7f || c == ':' || (c >= 'A' && c <= 'Z')) {
                    problem = "client sent invalid header name: \"" + name + "\"";
                }
                invalid = true;
            }
            for (int i = 0; i < value.length() && problem == null; i++) {
                char c = value.charAt(i);
                if (c == 0 || c == '\n' || c == '\r') {
                    problem = "client sent header \"" + name + "\" with invalid value: \"" + value + "\"";
                }
            }
            if (problem != null) {
                continue;
            }
            if (pseudo) {
                switch (name) {
                    case ":method" -> {
                        problem = method != null ? "client sent duplicate :method header"
                                : value.isEmpty() ? "client sent empty :method header"
                                : validMethod(value) ? null : "client sent invalid method: \"" + value + "\"";
                        method = value;
                    }
                    case ":scheme" -> {
                        problem = scheme != null ? "client sent duplicate :scheme header"
                                : value.isEmpty() ? "client sent empty :scheme header"
                                : validScheme(value) ? null : "client sent invalid :scheme header: \"" + value + "\"";
                        scheme = value;
                    }
                    case ":path" -> {
                        problem = path != null ? "client sent duplicate :path header"
                                : value.isEmpty() ? "client sent empty :path header"
                                : validPath(value) ? null : "client sent invalid :path header: \"" + value + "\"";
                        path = value;
                    }
                    case ":authority" -> {
                        // nginx adds it as the Host header, where a pseudo-header stands: first.
                        problem = authority != null ? "client sent duplicate :authority header" : null;
                        authority = value;
                        headers.add("host", value);
                        if (firstHost == null) {
                            firstHost = value;
                        } else if (secondHost == null) {
                            secondHost = value;
                        }
                    }
                    default -> problem = "client sent unknown pseudo-header \"" + name + "\"";
                }
                continue;
            }
            if (invalid && limits.ignoreInvalidHeaders()) {
                session.log(dev.portico.log.LogLevel.INFO, "client sent invalid header: \"" + name + "\"");
                continue;
            }
            if (name.equals("host") && authority != null) {
                if (!value.equals(authority)) {
                    problem = "client sent \":authority\" and \"Host\" headers with different values";
                }
                continue;
            }
            if (name.equals("cookie")) {
                if (cookies == null) {
                    cookies = new ArrayList<>(2);
                }
                cookies.add(value);
                continue;
            }
            headers.add(name, value);
            switch (name) {
                case "host" -> {
                    if (firstHost == null) {
                        firstHost = value;
                    } else if (secondHost == null) {
                        secondHost = value;
                    }
                }
                case "content-length" -> {
                    if (contentLength == null) {
                        contentLength = value;
                    }
                }
                case "te" -> {
                    teRepeated = te != null;
                    te = value;
                }
                case "connection", "keep-alive", "transfer-encoding", "upgrade" -> connectionHeader =
                        connectionHeader == null || CONNECTION_HEADERS.indexOf(name) < CONNECTION_HEADERS.indexOf(
                                connectionHeader) ? name : connectionHeader;
                default -> {
                }
            }
        }
        if (problem == null) {
            problem = method == null ? "client sent no :method header"
                    : scheme == null ? "client sent no :scheme header"
                    : path == null ? "client sent no :path header"
                    : connectionSpecific(connectionHeader, te, teRepeated);
        }
        if (problem == null && secondHost != null) {
            problem = "client sent duplicate header line: \"host: " + secondHost + "\", previous value: \"host: "
                    + firstHost + "\"";
        }
        if (problem == null && firstHost == null) {
            problem = "client sent neither \":authority\" nor \"Host\" header";
        }
        if (cookies != null) {
            headers.add("cookie", String.join("; ", cookies));
        }
        String length = contentLength;
        if (problem == null && length != null) {
            long n = dev.portico.config.Values.number(length);
            if (n < 0) {
                problem = "client sent invalid \"Content-Length\" header";
            } else if (n > 0 && frame.isEndStream()) {
                problem = "client prematurely closed stream";
            }
        } else if (problem == null && !frame.isEndStream()) {
            // A body of unknown length, as nginx's headers_in.chunked: the upstream engine
            // reads it whole or streams it the way it streams an HTTP/1.1 chunked body.
            headers.set("transfer-encoding", "chunked");
        }
        boolean usable = problem == null || (method != null && validMethod(method) && path != null);
        HttpRequest request = new DefaultHttpRequest(HTTP_2_0,
                usable ? HttpMethod.valueOf(method) : HttpMethod.GET, usable && validPath(path) ? path : "/",
                headers);
        if (problem != null) {
            request.setDecoderResult(DecoderResult.failure(new RequestRefused(problem)));
        }
        return request;
    }

    /** The HTTP/1 connection headers, in the order in which their refusals are looked for. */
    private static final List<String> CONNECTION_HEADERS =
            List.of("connection", "keep-alive", "transfer-encoding", "upgrade");

    /**
     * nginx 1.25's refusal of HTTP/1 connection headers in an HTTP/2 request (RFC 9113,
     * 8.2.2): {@code connectionHeader} is the first of {@link #CONNECTION_HEADERS} the
     * request had, {@code te} its TE field.
     */
    private static String connectionSpecific(String connectionHeader, String te, boolean teRepeated) {
        if (connectionHeader != null) {
            return switch (connectionHeader) {
                case "connection" -> "client sent \"Connection\" header";
                case "keep-alive" -> "client sent \"Keep-Alive\" header";
                case "transfer-encoding" -> "client sent \"Transfer-Encoding\" header";
                default -> "client sent \"Upgrade\" header";
            };
        }
        if (te != null && (teRepeated || !te.equalsIgnoreCase("trailers"))) {
            return "client sent invalid \"TE\" header";
        }
        return null;
    }

    /** ngx_http_v2_parse_method: nginx's known methods, else upper-case letters, "_" and "-". */
    private static boolean validMethod(String method) {
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            if ((c < 'A' || c > 'Z') && c != '_' && c != '-') {
                return false;
            }
        }
        return true;
    }

    /** ngx_http_v2_parse_scheme: a letter, then letters, digits, "+", "-" or ".". */
    private static boolean validScheme(String scheme) {
        for (int i = 0; i < scheme.length(); i++) {
            char c = scheme.charAt(i);
            char lower = (char) (c | 0x20);
            if (lower >= 'a' && lower <= 'z') {
                continue;
            }
            if (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) {
                continue;
            }
            return false;
        }
        return true;
    }

    /** What ngx_http_parse_uri takes in :path: an origin-form target without control characters or spaces. */
    private static boolean validPath(String path) {
        if (path == null || path.isEmpty() || path.charAt(0) != '/') {
            return false;
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= 0x20 || c == 0x7f) {
                return false;
            }
        }
        return true;
    }
}
