package dev.portico.log;

import dev.portico.config.ConfigException;
import dev.portico.config.syntax.SourceLocation;
import dev.portico.http.HttpExchange;
import dev.portico.http.Variable;
import dev.portico.http.VariableTable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A log_format compiled once at load time (ngx_http_log_compile_format):
 * literal bytes and variable references, rendered per request into a
 * reusable buffer with the format's escaping.
 */
public final class LogFormat {

    /** log_format's escape= parameter. */
    public enum Escape { DEFAULT, JSON, NONE }

    /** nginx's built-in format. */
    public static final String COMBINED =
            "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent "
                    + "\"$http_referer\" \"$http_user_agent\"";

    private final String name;
    private final Escape escape;
    private final Object[] parts;

    private LogFormat(String name, Escape escape, Object[] parts) {
        this.name = name;
        this.escape = escape;
        this.parts = parts;
    }

    public String name() {
        return name;
    }

    public Escape escape() {
        return escape;
    }

    /**
     * Compiles the strings of a log_format (an optional leading "escape=..."
     * included); variable names are bound through {@code table} at the end of
     * loading. Errors carry nginx's wording.
     */
    public static LogFormat compile(String name, List<String> strings, VariableTable table, SourceLocation where)
            throws ConfigException {
        Escape escape = Escape.DEFAULT;
        int s = 0;
        if (!strings.isEmpty() && strings.get(0).startsWith("escape=")) {
            String data = strings.get(0).substring(7);
            switch (data) {
                case "json" -> escape = Escape.JSON;
                case "none" -> escape = Escape.NONE;
                case "default" -> escape = Escape.DEFAULT;
                default -> throw new ConfigException("unknown log format escaping \"" + data + "\"", where);
            }
            s = 1;
        }
        List<Object> parts = new ArrayList<>();
        for (; s < strings.size(); s++) {
            String value = strings.get(s);
            int i = 0;
            int n = value.length();
            while (i < n) {
                int start = i;
                if (value.charAt(i) == '$') {
                    if (++i == n) {
                        throw invalid(value, start, where);
                    }
                    boolean bracket = false;
                    if (value.charAt(i) == '{') {
                        bracket = true;
                        if (++i == n) {
                            throw invalid(value, start, where);
                        }
                    }
                    int varStart = i;
                    int varEnd = i;
                    for (; i < n; i++) {
                        char ch = value.charAt(i);
                        if (ch == '}' && bracket) {
                            varEnd = i;
                            i++;
                            bracket = false;
                            break;
                        }
                        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')
                                || ch == '_') {
                            varEnd = i + 1;
                            continue;
                        }
                        break;
                    }
                    if (bracket) {
                        throw new ConfigException("the closing bracket in \"" + value.substring(varStart, varEnd)
                                + "\" variable is missing", where);
                    }
                    if (varEnd == varStart) {
                        throw invalid(value, start, where);
                    }
                    parts.add(table.reference(value.substring(varStart, varEnd), where));
                    continue;
                }
                i++;
                while (i < n && value.charAt(i) != '$') {
                    i++;
                }
                parts.add(bytes(value.substring(start, i)));
            }
        }
        // Adjacent literals are joined so that a line is a few array copies.
        List<Object> joined = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof byte[] b && !joined.isEmpty() && joined.get(joined.size() - 1) instanceof byte[] prev) {
                byte[] both = Arrays.copyOf(prev, prev.length + b.length);
                System.arraycopy(b, 0, both, prev.length, b.length);
                joined.set(joined.size() - 1, both);
            } else {
                joined.add(p);
            }
        }
        return new LogFormat(name, escape, joined.toArray());
    }

    private static ConfigException invalid(String value, int from, SourceLocation where) {
        return new ConfigException("invalid parameter \"" + value.substring(from) + "\"", where);
    }

    /** Appends one line, without the line feed, for {@code x} to {@code out}. */
    public void render(HttpExchange x, LineBuffer out) {
        for (Object part : parts) {
            if (part instanceof byte[] literal) {
                out.append(literal);
                continue;
            }
            String value = ((Variable) part).get(x);
            if (value == null) {
                if (escape == Escape.DEFAULT) {
                    out.append((byte) '-');
                }
                continue;
            }
            switch (escape) {
                case DEFAULT -> escapeDefault(value, out);
                case JSON -> escapeJson(value, out);
                case NONE -> raw(value, out);
            }
        }
    }

    /**
     * A string's bytes as they came off the wire: request heads are read one
     * byte per char (ISO-8859-1), so chars up to 0xFF are single bytes; any
     * other char (from the configuration or a decoded URI) is encoded in UTF-8.
     */
    static byte[] bytes(String s) {
        LineBuffer b = new LineBuffer(s.length());
        raw(s, b);
        return b.toArray();
    }

    private interface ByteSink {
        void put(int b, LineBuffer out);
    }

    private static void eachByte(String s, LineBuffer out, ByteSink sink) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0xFF) {
                sink.put(c, out);
                continue;
            }
            int cp = Character.codePointAt(s, i);
            if (Character.charCount(cp) == 2) {
                i++;
            }
            byte[] utf8 = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
            for (byte b : utf8) {
                sink.put(b & 0xFF, out);
            }
        }
    }

    static void raw(String s, LineBuffer out) {
        eachByte(s, out, (b, o) -> o.append((byte) b));
    }

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    /** ngx_http_log_escape: '"', '\\', bytes below 0x20 and from 0x7F become \xXX. */
    static void escapeDefault(String s, LineBuffer out) {
        eachByte(s, out, (b, o) -> {
            if (b < 0x20 || b >= 0x7F || b == '"' || b == '\\') {
                o.append((byte) '\\');
                o.append((byte) 'x');
                o.append(HEX[b >> 4]);
                o.append(HEX[b & 0xF]);
            } else {
                o.append((byte) b);
            }
        });
    }

    /**
     * ngx_escape_json: a quote and a backslash get a backslash; control bytes become
     * backslash-n, -r, -t, -b, -f or a six-character u00XX escape; other bytes stay.
     */
    static void escapeJson(String s, LineBuffer out) {
        eachByte(s, out, (b, o) -> {
            if (b > 0x1F) {
                if (b == '\\' || b == '"') {
                    o.append((byte) '\\');
                }
                o.append((byte) b);
                return;
            }
            o.append((byte) '\\');
            switch (b) {
                case '\n' -> o.append((byte) 'n');
                case '\r' -> o.append((byte) 'r');
                case '\t' -> o.append((byte) 't');
                case '\b' -> o.append((byte) 'b');
                case '\f' -> o.append((byte) 'f');
                default -> {
                    o.append((byte) 'u');
                    o.append((byte) '0');
                    o.append((byte) '0');
                    o.append(HEX[b >> 4]);
                    o.append(HEX[b & 0xF]);
                }
            }
        });
    }

    /** A growable byte array, reused per thread for rendering lines. */
    public static final class LineBuffer {
        private byte[] bytes;
        private int length;

        public LineBuffer(int capacity) {
            bytes = new byte[Math.max(16, capacity)];
        }

        void append(byte b) {
            if (length == bytes.length) {
                bytes = Arrays.copyOf(bytes, bytes.length * 2);
            }
            bytes[length++] = b;
        }

        void append(byte[] b) {
            if (length + b.length > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + b.length));
            }
            System.arraycopy(b, 0, bytes, length, b.length);
            length += b.length;
        }

        public int length() {
            return length;
        }

        public void reset() {
            length = 0;
        }

        public byte[] toArray() {
            return Arrays.copyOf(bytes, length);
        }

        @Override
        public String toString() {
            return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
        }
    }
}
