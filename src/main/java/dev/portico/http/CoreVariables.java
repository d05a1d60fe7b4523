package dev.portico.http;

import dev.portico.cli.VersionInfo;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/** The HTTP core's variables (ngx_http_variables.c), registered once for every configuration. */
public final class CoreVariables {

    private static final String HOSTNAME = hostname();
    private static final String PID = Long.toString(ProcessHandle.current().pid());
    private static final DateTimeFormatter TIME_LOCAL =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US);
    private static final DateTimeFormatter TIME_ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx");
    private static final ZoneId ZONE = ZoneId.systemDefault();

    private CoreVariables() {
    }

    /**
     * The time strings of the current second, formatted once a second and shared
     * by every request (nginx's cached time strings): logging a request does not
     * format a date.
     */
    private static final class CachedTime {
        private static volatile CachedTime current = new CachedTime(System.currentTimeMillis() / 1000);

        final long second;
        final String local;
        final String iso8601;

        private CachedTime(long second) {
            this.second = second;
            ZonedDateTime t = ZonedDateTime.ofInstant(Instant.ofEpochSecond(second), ZONE);
            this.local = t.format(TIME_LOCAL);
            this.iso8601 = t.format(TIME_ISO);
        }

        static CachedTime now() {
            long second = System.currentTimeMillis() / 1000;
            CachedTime c = current;
            if (c.second != second) {
                c = new CachedTime(second);
                current = c;
            }
            return c;
        }
    }

    static void register() {
        VariableTable.registerBuiltin("host", x -> {
            String h = x.host();
            return h != null && !h.isEmpty() ? h : x.server() == null ? "" : x.server().name();
        });
        VariableTable.registerBuiltin("hostname", x -> HOSTNAME);
        VariableTable.registerBuiltin("remote_addr", x -> x.connection().remoteAddress());
        VariableTable.registerBuiltin("binary_remote_addr", x -> x.connection().remoteAddress());
        VariableTable.registerBuiltin("remote_port", x -> x.connection().remotePort());
        VariableTable.registerBuiltin("remote_user", CoreVariables::remoteUser);
        VariableTable.registerBuiltin("server_name", x -> x.server() == null ? "" : x.server().name());
        VariableTable.registerBuiltin("server_addr", x -> x.connection().localAddress());
        VariableTable.registerBuiltin("server_port", x -> x.connection().localPort());
        VariableTable.registerBuiltin("server_protocol", x -> x.version().text());
        VariableTable.registerBuiltin("scheme", x -> x.connection().secure() ? "https" : "http");
        VariableTable.registerBuiltin("https", x -> x.connection().secure() ? "on" : "");
        VariableTable.registerBuiltin("request", x -> x.request().method().name() + " " + x.requestUri() + " "
                + x.version().text());
        VariableTable.registerBuiltin("request_method", HttpExchange::method);
        VariableTable.registerBuiltin("request_uri", HttpExchange::requestUri);
        VariableTable.registerBuiltin("uri", HttpExchange::uri);
        VariableTable.registerBuiltin("document_uri", HttpExchange::uri);
        VariableTable.registerBuiltin("args", HttpExchange::args);
        VariableTable.registerBuiltin("query_string", HttpExchange::args);
        VariableTable.registerBuiltin("is_args", x -> x.args() != null && !x.args().isEmpty() ? "?" : "");
        VariableTable.registerBuiltin("content_type", x -> x.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE));
        VariableTable.registerBuiltin("content_length", CoreVariables::contentLength);
        VariableTable.registerBuiltin("status", x -> statusText(x.status()));
        VariableTable.registerBuiltin("body_bytes_sent", x -> Long.toString(x.bodyBytesSent()));
        VariableTable.registerBuiltin("bytes_sent", x -> Long.toString(x.bytesSent()));
        VariableTable.registerBuiltin("request_length", x -> Long.toString(x.requestLength()));
        VariableTable.registerBuiltin("request_time", x -> seconds((long) (Math.max(0, x.requestTimeSeconds()) * 1000)));
        VariableTable.registerBuiltin("msec", x -> seconds(System.currentTimeMillis()));
        VariableTable.registerBuiltin("time_local", x -> CachedTime.now().local);
        VariableTable.registerBuiltin("time_iso8601", x -> CachedTime.now().iso8601);
        VariableTable.registerBuiltin("connection", x -> Long.toString(x.connection().id()));
        VariableTable.registerBuiltin("connection_requests", x -> Integer.toString(x.connectionRequests()));
        VariableTable.registerBuiltin("pid", x -> PID);
        VariableTable.registerBuiltin("nginx_version", x -> VersionInfo.VERSION);
        VariableTable.registerBuiltin("portico_version", x -> VersionInfo.VERSION);
        VariableTable.registerBuiltin("request_completion", x -> x.status() != 0 ? "OK" : "");

        VariableTable.registerPrefix("http_", name -> {
            String header = name.replace('_', '-');
            return x -> joinedHeader(x.requestHeaders().getAll(header), header);
        });
        VariableTable.registerPrefix("sent_http_", name -> {
            String header = name.replace('_', '-');
            return x -> joinedHeader(x.responseHeaders().getAll(header), header);
        });
        VariableTable.registerPrefix("cookie_", name -> x -> cookie(x, name));
        VariableTable.registerPrefix("arg_", name -> x -> arg(x.args(), name));
    }

    private static String joinedHeader(List<String> values, String name) {
        if (values.isEmpty()) {
            return null;
        }
        if (values.size() == 1) {
            return values.get(0);
        }
        return String.join(name.equalsIgnoreCase("cookie") ? "; " : ", ", values);
    }

    /** nginx's ngx_http_arg: the first NAME=value in the query, NAME compared case-insensitively. */
    static String arg(String args, String name) {
        if (args == null) {
            return null;
        }
        int i = 0;
        int n = args.length();
        while (i <= n) {
            int amp = args.indexOf('&', i);
            if (amp < 0) {
                amp = n;
            }
            int eq = args.indexOf('=', i);
            if (eq >= 0 && eq < amp) {
                if (eq - i == name.length() && args.regionMatches(true, i, name, 0, name.length())) {
                    return args.substring(eq + 1, amp);
                }
            } else if (amp - i == name.length() && args.regionMatches(true, i, name, 0, name.length())) {
                return "";
            }
            i = amp + 1;
        }
        return null;
    }

    private static String cookie(HttpExchange x, String name) {
        for (String header : x.requestHeaders().getAll(HttpHeaderNames.COOKIE)) {
            for (String part : header.split(";")) {
                String p = part.trim();
                int eq = p.indexOf('=');
                if (eq == name.length() && p.regionMatches(true, 0, name, 0, name.length())) {
                    return p.substring(eq + 1);
                }
            }
        }
        return null;
    }

    /**
     * nginx's $content_length: the Content-Length header as sent; without one, the length of
     * a chunked body once it has been read whole (while it is read, or if it streams, none).
     */
    private static String contentLength(HttpExchange x) {
        String header = x.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
        if (header != null) {
            return header;
        }
        return x.requestBodyLength() >= 0 ? Long.toString(x.requestBodyLength()) : null;
    }

    private static String remoteUser(HttpExchange x) {
        String auth = x.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
        if (auth == null || !auth.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon < 0 ? null : decoded.substring(0, colon);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }

    /** $status's text for every three-digit code, made once: the access log asks for it per request. */
    private static final String[] STATUS_TEXT = new String[1000];

    static {
        for (int i = 0; i < STATUS_TEXT.length; i++) {
            STATUS_TEXT[i] = (i < 10 ? "00" : i < 100 ? "0" : "") + i;
        }
    }

    /** nginx's "%03ui" of a status: "000" before one is set. */
    public static String statusText(int status) {
        return status >= 0 && status < STATUS_TEXT.length ? STATUS_TEXT[status] : Integer.toString(status);
    }

    /**
     * Milliseconds as nginx prints its times ("%T.%03M": whole seconds, a dot, three digits of
     * milliseconds, truncated rather than rounded), for $request_time, $msec and the
     * $upstream_*_time variables.
     */
    public static String seconds(long millis) {
        long ms = millis % 1000;
        return (millis / 1000) + (ms < 10 ? ".00" : ms < 100 ? ".0" : ".") + ms;
    }
}
