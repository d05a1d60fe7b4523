package dev.portico.status;

/**
 * Writes one JSON document into a string, compactly: objects, arrays, strings, whole
 * numbers, booleans and null. Commas are placed by the writer; a string is written in
 * ASCII, with every character outside printable ASCII as a backslash-u escape (control
 * characters with their short forms), so any Java string, a lone surrogate too, comes
 * out as valid JSON.
 */
final class JsonWriter {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final StringBuilder out = new StringBuilder(512);
    /** Per open object or array: whether a value was written in it (the next one needs a comma). */
    private boolean[] written = new boolean[8];
    private int depth;
    /** A name was just written: the next value belongs to it and takes no comma. */
    private boolean afterName;

    JsonWriter beginObject() {
        return open('{');
    }

    JsonWriter endObject() {
        return close('}');
    }

    JsonWriter beginArray() {
        return open('[');
    }

    JsonWriter endArray() {
        return close(']');
    }

    /** The name of the next member of the current object. */
    JsonWriter name(String name) {
        if (depth == 0 || afterName) {
            throw new IllegalStateException("a name needs an object and a value after the one before it");
        }
        beforeValue();
        string(name);
        out.append(':');
        afterName = true;
        return this;
    }

    JsonWriter value(String s) {
        if (s == null) {
            return nullValue();
        }
        beforeValue();
        string(s);
        return this;
    }

    JsonWriter value(long n) {
        beforeValue();
        out.append(n);
        return this;
    }

    JsonWriter value(boolean b) {
        beforeValue();
        out.append(b);
        return this;
    }

    JsonWriter nullValue() {
        beforeValue();
        out.append("null");
        return this;
    }

    /** The document; every object and array must be closed. */
    @Override
    public String toString() {
        if (depth != 0) {
            throw new IllegalStateException(depth + " objects or arrays are still open");
        }
        return out.toString();
    }

    private void beforeValue() {
        if (afterName) {
            afterName = false;
            return;
        }
        if (depth > 0) {
            if (written[depth - 1]) {
                out.append(',');
            }
            written[depth - 1] = true;
        }
    }

    private JsonWriter open(char bracket) {
        beforeValue();
        out.append(bracket);
        if (depth == written.length) {
            written = java.util.Arrays.copyOf(written, depth * 2);
        }
        written[depth++] = false;
        return this;
    }

    private JsonWriter close(char bracket) {
        if (depth == 0 || afterName) {
            throw new IllegalStateException("nothing to close with '" + bracket + "'");
        }
        depth--;
        out.append(bracket);
        return this;
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c >= 0x20 && c < 0x7f) {
                        out.append(c);
                    } else {
                        out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xF])
                                .append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
                    }
                }
            }
        }
        out.append('"');
    }
}
