package dev.portico.files;

import java.util.Map;

/**
 * The built-in response bodies and status lines of nginx
 * ({@code ngx_http_special_response.c}, {@code ngx_http_header_filter_module.c}),
 * with the server name shown as "portico". The MSIE padding is not added.
 */
public final class ErrorPages {

    public static final String SERVER_NAME = "portico";

    // Status -> text of the <title> and <h1>; a second value is the extra
    // <center> line of the nginx-specific 49x codes, which are sent as 400.
    private static final Map<Integer, String[]> PAGES = Map.ofEntries(
        page(301, "301 Moved Permanently"),
        page(302, "302 Found"),
        page(303, "303 See Other"),
        page(307, "307 Temporary Redirect"),
        page(308, "308 Permanent Redirect"),
        page(400, "400 Bad Request"),
        page(401, "401 Authorization Required"),
        page(402, "402 Payment Required"),
        page(403, "403 Forbidden"),
        page(404, "404 Not Found"),
        page(405, "405 Not Allowed"),
        page(406, "406 Not Acceptable"),
        page(408, "408 Request Time-out"),
        page(409, "409 Conflict"),
        page(410, "410 Gone"),
        page(411, "411 Length Required"),
        page(412, "412 Precondition Failed"),
        page(413, "413 Request Entity Too Large"),
        page(414, "414 Request-URI Too Large"),
        page(415, "415 Unsupported Media Type"),
        page(416, "416 Requested Range Not Satisfiable"),
        page(421, "421 Misdirected Request"),
        page(429, "429 Too Many Requests"),
        Map.entry(494, new String[] {"Request Header Or Cookie Too Large"}),
        Map.entry(495, new String[] {"The SSL certificate error"}),
        Map.entry(496, new String[] {"No required SSL certificate was sent"}),
        Map.entry(497, new String[] {"The plain HTTP request was sent to HTTPS port"}),
        page(498, "404 Not Found"),
        page(500, "500 Internal Server Error"),
        page(501, "501 Not Implemented"),
        page(502, "502 Bad Gateway"),
        page(503, "503 Service Temporarily Unavailable"),
        page(504, "504 Gateway Time-out"),
        page(505, "505 HTTP Version Not Supported"),
        page(507, "507 Insufficient Storage")
    );

    private static final Map<Integer, String> REASONS = Map.ofEntries(
        Map.entry(200, "OK"),
        Map.entry(201, "Created"),
        Map.entry(202, "Accepted"),
        Map.entry(204, "No Content"),
        Map.entry(206, "Partial Content"),
        Map.entry(301, "Moved Permanently"),
        Map.entry(302, "Moved Temporarily"),
        Map.entry(303, "See Other"),
        Map.entry(304, "Not Modified"),
        Map.entry(307, "Temporary Redirect"),
        Map.entry(308, "Permanent Redirect"),
        Map.entry(400, "Bad Request"),
        Map.entry(401, "Unauthorized"),
        Map.entry(402, "Payment Required"),
        Map.entry(403, "Forbidden"),
        Map.entry(404, "Not Found"),
        Map.entry(405, "Not Allowed"),
        Map.entry(406, "Not Acceptable"),
        Map.entry(408, "Request Time-out"),
        Map.entry(409, "Conflict"),
        Map.entry(410, "Gone"),
        Map.entry(411, "Length Required"),
        Map.entry(412, "Precondition Failed"),
        Map.entry(413, "Request Entity Too Large"),
        Map.entry(414, "Request-URI Too Large"),
        Map.entry(415, "Unsupported Media Type"),
        Map.entry(416, "Requested Range Not Satisfiable"),
        Map.entry(421, "Misdirected Request"),
        Map.entry(429, "Too Many Requests"),
        Map.entry(500, "Internal Server Error"),
        Map.entry(501, "Not Implemented"),
        Map.entry(502, "Bad Gateway"),
        Map.entry(503, "Service Temporarily Unavailable"),
        Map.entry(504, "Gateway Time-out"),
        Map.entry(505, "HTTP Version Not Supported"),
        Map.entry(507, "Insufficient Storage")
    );

    private ErrorPages() {
    }

    private static Map.Entry<Integer, String[]> page(int status, String heading) {
        return Map.entry(status, new String[] {heading, null});
    }

    /**
     * What the error-page footer shows: "portico", or "portico/VERSION"
     * when {@code server_tokens} is on.
     */
    public static String signature(boolean serverTokens, String version) {
        return serverTokens && version != null && !version.isEmpty() ? SERVER_NAME + '/' + version : SERVER_NAME;
    }

    /** Whether nginx has a built-in body for this status. */
    public static boolean hasBody(int status) {
        return PAGES.containsKey(status);
    }

    /**
     * The built-in body for {@code status}, or an empty string when nginx
     * sends none (e.g. 204, 304, 407, 499).
     *
     * @param signature the footer text, see {@link #signature}
     */
    public static String body(int status, String signature) {
        String[] page = PAGES.get(status);
        if (page == null) {
            return "";
        }
        String title;
        String heading;
        String extra;
        if (page.length == 1) {
            title = "400 " + page[0];
            heading = "400 Bad Request";
            extra = "<center>" + page[0] + "</center>\r\n";
        } else {
            title = page[0];
            heading = page[0];
            extra = "";
        }
        return "<html>\r\n"
            + "<head><title>" + title + "</title></head>\r\n"
            + "<body>\r\n"
            + "<center><h1>" + heading + "</h1></center>\r\n"
            + extra
            + "<hr><center>" + signature + "</center>\r\n"
            + "</body>\r\n"
            + "</html>\r\n";
    }

    /**
     * The status code put on the wire: nginx's own 494-497 go out as 400.
     */
    public static int wireStatus(int status) {
        return status >= 494 && status <= 497 ? 400 : status;
    }

    /**
     * The reason phrase nginx writes after {@code status} in the status
     * line, or null when it writes none (then the line is just
     * {@code "HTTP/1.1 NNN "}). Apply {@link #wireStatus} first for 494-497.
     */
    public static String reasonPhrase(int status) {
        return REASONS.get(status);
    }
}
