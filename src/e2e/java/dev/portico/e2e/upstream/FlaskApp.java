package dev.portico.e2e.upstream;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What tests read from examples/flaskapp's answers: the /echo JSON and the /big byte pattern. */
public final class FlaskApp {

    /** /big's period: the byte at offset k is k % 251. */
    private static final int PERIOD = 251;

    private FlaskApp() {
    }

    /** The SHA-256 (hex) of the first {@code length} bytes /big sends. */
    public static String bigSha256(long length) {
        byte[] block = new byte[PERIOD * 256];
        for (int k = 0; k < block.length; k++) {
            block[k] = (byte) (k % PERIOD);
        }
        MessageDigest sha = sha256();
        for (long left = length; left > 0; left -= block.length) {
            sha.update(block, 0, (int) Math.min(block.length, left));
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * What /echo saw of a request: method, URI as received, the request headers in order (names as
     * the WSGI server reports them), the CGI environ, the client address and the body's digest.
     */
    public record Echo(String method, String uri, List<Map.Entry<String, String>> headers,
                       Map<String, Object> environ, String remoteAddr, long bodyLength, String bodySha256) {

        @SuppressWarnings("unchecked")
        public static Echo parse(String json) {
            Map<String, Object> o = Json.object(json);
            List<Map.Entry<String, String>> headers = new ArrayList<>();
            for (Object pair : (List<Object>) o.get("headers")) {
                List<Object> p = (List<Object>) pair;
                headers.add(Map.entry((String) p.get(0), (String) p.get(1)));
            }
            return new Echo((String) o.get("method"), (String) o.get("uri"), List.copyOf(headers),
                    (Map<String, Object>) o.get("environ"), (String) o.get("remote_addr"),
                    (Long) o.get("body_length"), (String) o.get("body_sha256"));
        }

        /** The value of a request header (name case-insensitive), null when absent. */
        public String header(String name) {
            return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
                    .findFirst().orElse(null);
        }

        /** The request headers' names, lower case, in order. */
        public List<String> headerNames() {
            return headers.stream().map(h -> h.getKey().toLowerCase(Locale.ROOT)).toList();
        }

        /** A CGI variable: SERVER_PROTOCOL, SERVER_PORT, CONTENT_LENGTH ... (null when absent). */
        public String environ(String name) {
            return (String) environ.get(name);
        }

        /** The request's protocol as the application saw it: HTTP/1.0 or HTTP/1.1. */
        public String protocol() {
            return environ("SERVER_PROTOCOL");
        }
    }
}
