package dev.portico.files;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Request-URI path handling as nginx does it: the normalisation of
 * {@code ngx_http_parse_complex_uri} (with {@code merge_slashes on}) and the
 * escaping of {@code ngx_escape_uri} / {@code ngx_escape_html}.
 *
 * <p>Input paths are the request target as it arrived on the wire, one char
 * per byte (ISO-8859-1, which is how Netty's decoder hands the request line
 * over). Chars above U+00FF cannot come from the wire and are taken as UTF-8.
 */
public final class UriPath {

    /** The path cannot be normalised; nginx answers such requests with 400. */
    public static final class InvalidUriException extends Exception {
        public InvalidUriException(String message) {
            super(message);
        }
    }

    private enum State { USUAL, SLASH, DOT, DOT_DOT }

    private UriPath() {
    }

    /**
     * Decodes and normalises a request path (the part before {@code ?}).
     * Decoded bytes are interpreted as UTF-8; malformed sequences become
     * U+FFFD. Use {@link #normalizeToBytes} when the exact bytes matter.
     */
    public static String normalize(String rawPath) throws InvalidUriException {
        return new String(normalizeToBytes(rawPath), StandardCharsets.UTF_8);
    }

    /** Like {@link #normalize} but returns the decoded bytes unchanged. */
    public static byte[] normalizeToBytes(String rawPath) throws InvalidUriException {
        if (rawPath == null || rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            throw new InvalidUriException("path does not start with /");
        }
        byte[] in = wireBytes(rawPath);
        byte[] out = new byte[in.length];
        int u = 0;
        State state = State.USUAL;
        int p = 0;

        while (p < in.length) {
            int ch = in[p++] & 0xff;
            boolean literal = false;

            if (ch == '%') {
                int hi = hexValue(p < in.length ? in[p] : -1);
                int lo = hexValue(p + 1 < in.length ? in[p + 1] : -1);
                if (hi < 0 || lo < 0) {
                    throw new InvalidUriException("invalid percent escape");
                }
                p += 2;
                ch = (hi << 4) | lo;
                if (ch == 0) {
                    throw new InvalidUriException("encoded NUL byte");
                }
                // nginx keeps an escaped '%', '#' or '?' as a plain character;
                // any other decoded byte (including '/' and '.') takes part
                // in the slash and dot processing.
                if (ch == '%' || ch == '#' || ch == '?') {
                    out[u++] = (byte) ch;
                    state = State.USUAL;
                    continue;
                }
            } else if (ch == '?' || ch == '#') {
                // An unescaped '?' or '#' ends the path, as in nginx.
                switch (state) {
                    case DOT -> u--;
                    case DOT_DOT -> u = climb(out, u);
                    default -> { }
                }
                return java.util.Arrays.copyOf(out, u);
            }

            switch (state) {
                case USUAL -> {
                    if (ch == '/') {
                        state = State.SLASH;
                    }
                    out[u++] = (byte) ch;
                }
                case SLASH -> {
                    if (ch == '/') {
                        break; // merge_slashes
                    }
                    state = ch == '.' ? State.DOT : State.USUAL;
                    out[u++] = (byte) ch;
                }
                case DOT -> {
                    if (ch == '/') {
                        state = State.SLASH;
                        u--;
                    } else if (ch == '.') {
                        state = State.DOT_DOT;
                        out[u++] = (byte) ch;
                    } else {
                        state = State.USUAL;
                        out[u++] = (byte) ch;
                    }
                }
                case DOT_DOT -> {
                    if (ch == '/') {
                        u = climb(out, u);
                        state = State.SLASH;
                    } else {
                        state = State.USUAL;
                        out[u++] = (byte) ch;
                    }
                }
            }
        }

        if (state == State.DOT) {
            u--;
        } else if (state == State.DOT_DOT) {
            u = climb(out, u);
        }
        return java.util.Arrays.copyOf(out, u);
    }

    /**
     * Removes "/segment/.." from the end of the output, leaving the position
     * just after the preceding slash. {@code out[0..u)} ends with "/..".
     */
    private static int climb(byte[] out, int u) throws InvalidUriException {
        u -= 4;
        for (;;) {
            if (u < 0) {
                throw new InvalidUriException("path climbs above the root");
            }
            if (out[u] == '/') {
                return u + 1;
            }
            u--;
        }
    }

    private static int hexValue(int b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        int c = b | 0x20;
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }

    private static byte[] wireBytes(String s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0xff) {
                bytes.write(c);
            } else {
                int end = i + 1;
                if (Character.isHighSurrogate(c) && end < s.length()
                        && Character.isLowSurrogate(s.charAt(end))) {
                    end++;
                }
                bytes.writeBytes(s.substring(i, end).getBytes(StandardCharsets.UTF_8));
                i = end - 1;
            }
        }
        return bytes.toByteArray();
    }

    // Bitmaps from ngx_escape_uri: one bit per byte value, set when escaped.
    private static final int[] ESCAPE_URI = {
        0xffffffff, 0xd000002d, 0x50000000, 0xb8000001,
        0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff
    };

    private static final int[] ESCAPE_URI_COMPONENT = {
        0xffffffff, 0xfc009fff, 0x78000001, 0xb8000001,
        0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff
    };

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /**
     * Escapes a decoded path for a Location header as
     * {@code ngx_escape_uri(NGX_ESCAPE_URI)}: control bytes, bytes above 0x7E,
     * space, {@code " # % < > ? \ ^ ` { | }} become {@code %XX}. The path is
     * encoded as UTF-8.
     */
    public static String encodeForLocation(String path) {
        return escape(path.getBytes(StandardCharsets.UTF_8), ESCAPE_URI);
    }

    /**
     * Escapes a file name for an autoindex link as
     * {@code ngx_escape_uri(NGX_ESCAPE_URI_COMPONENT)}: everything except
     * ALPHA, DIGIT, {@code - . _ ~}.
     */
    public static String encodeUriComponent(byte[] name) {
        return escape(name, ESCAPE_URI_COMPONENT);
    }

    static boolean needsUriComponentEscape(byte[] name) {
        for (byte b : name) {
            int c = b & 0xff;
            if ((ESCAPE_URI_COMPONENT[c >> 5] & (1 << (c & 0x1f))) != 0) {
                return true;
            }
        }
        return false;
    }

    private static String escape(byte[] src, int[] map) {
        StringBuilder sb = new StringBuilder(src.length + 16);
        for (byte b : src) {
            int c = b & 0xff;
            if ((map[c >> 5] & (1 << (c & 0x1f))) != 0) {
                sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    /**
     * Escapes text for HTML as {@code ngx_escape_html}: only {@code < > & "}
     * are replaced; everything else, apostrophes included, is kept.
     */
    public static String encodeForHtml(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String replacement = switch (c) {
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '&' -> "&amp;";
                case '"' -> "&quot;";
                default -> null;
            };
            if (replacement != null) {
                if (sb == null) {
                    sb = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                sb.append(replacement);
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? text : sb.toString();
    }
}
