package dev.portico.proxy.uwsgi;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A uwsgi request packet read back strictly, as uWSGI reads it: the 4-byte header, then
 * key/value pairs with 16-bit little-endian lengths that fill the announced size exactly.
 */
record UwsgiPacket(int modifier1, int size, int modifier2, List<Variable> variables) {

    /** One key/value pair as raw bytes; {@link #text()} reads the value one char per byte. */
    record Variable(String name, byte[] value) {
        String text() {
            return new String(value, StandardCharsets.ISO_8859_1);
        }

        String utf8() {
            return new String(value, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return name + "=" + text();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Variable v && v.name.equals(name) && Arrays.equals(v.value, value);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(value);
        }
    }

    static UwsgiPacket parse(byte[] b) {
        if (b.length < 4) {
            throw new IllegalArgumentException("a packet has a 4-byte header, got " + b.length + " bytes");
        }
        int size = (b[1] & 0xff) | (b[2] & 0xff) << 8;
        if (b.length != 4 + size) {
            throw new IllegalArgumentException("size " + size + " announced, " + (b.length - 4) + " bytes follow");
        }
        List<Variable> vars = new ArrayList<>();
        int i = 4;
        while (i < b.length) {
            int keyLength = u16(b, i, "key length");
            i += 2;
            byte[] key = slice(b, i, keyLength, "key");
            i += keyLength;
            int valueLength = u16(b, i, "value length");
            i += 2;
            byte[] value = slice(b, i, valueLength, "value");
            i += valueLength;
            vars.add(new Variable(new String(key, StandardCharsets.ISO_8859_1), value));
        }
        return new UwsgiPacket(b[0] & 0xff, size, b[3] & 0xff, vars);
    }

    /** The value of the only variable called {@code name}, or null; fails when there are several. */
    String value(String name) {
        Variable found = null;
        for (Variable v : variables) {
            if (v.name.equals(name)) {
                if (found != null) {
                    throw new AssertionError("two variables " + name + " in " + variables);
                }
                found = v;
            }
        }
        return found == null ? null : found.text();
    }

    List<String> names() {
        return variables.stream().map(Variable::name).toList();
    }

    private static int u16(byte[] b, int at, String what) {
        if (at + 2 > b.length) {
            throw new IllegalArgumentException(what + " cut short at " + at);
        }
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    private static byte[] slice(byte[] b, int at, int length, String what) {
        if (at + length > b.length) {
            throw new IllegalArgumentException(what + " of " + length + " bytes at " + at + " overruns the packet");
        }
        return Arrays.copyOfRange(b, at, at + length);
    }
}
