package dev.portico.http;

import io.netty.util.AsciiString;

/**
 * Response header names spelled as nginx sends them. Netty's constants are
 * lower case (right for HTTP/2); HTTP/1 clients and tools that compare
 * output with nginx's see these.
 */
public final class HeaderNames {
    public static final AsciiString SERVER = AsciiString.cached("Server");
    public static final AsciiString DATE = AsciiString.cached("Date");
    public static final AsciiString CONTENT_TYPE = AsciiString.cached("Content-Type");
    public static final AsciiString CONTENT_LENGTH = AsciiString.cached("Content-Length");
    public static final AsciiString LAST_MODIFIED = AsciiString.cached("Last-Modified");
    public static final AsciiString CONNECTION = AsciiString.cached("Connection");
    public static final AsciiString KEEP_ALIVE = AsciiString.cached("Keep-Alive");
    public static final AsciiString LOCATION = AsciiString.cached("Location");
    public static final AsciiString TRANSFER_ENCODING = AsciiString.cached("Transfer-Encoding");
    public static final AsciiString ETAG = AsciiString.cached("ETag");
    public static final AsciiString ACCEPT_RANGES = AsciiString.cached("Accept-Ranges");
    public static final AsciiString CONTENT_RANGE = AsciiString.cached("Content-Range");
    public static final AsciiString EXPIRES = AsciiString.cached("Expires");
    public static final AsciiString CACHE_CONTROL = AsciiString.cached("Cache-Control");
    public static final AsciiString CONTENT_ENCODING = AsciiString.cached("Content-Encoding");
    public static final AsciiString VARY = AsciiString.cached("Vary");
    public static final AsciiString WWW_AUTHENTICATE = AsciiString.cached("WWW-Authenticate");
    public static final AsciiString RETRY_AFTER = AsciiString.cached("Retry-After");

    private HeaderNames() {
    }

    /** An unmodifiable set of header names that matches a name in any case, so none is lower-cased to be looked up. */
    public static java.util.Set<String> anyCase(java.util.Collection<String> names) {
        return new AnyCase(names);
    }

    /** Hashed as Netty's headers hash names (case-insensitively), compared without case. */
    private static final class AnyCase extends java.util.AbstractSet<String> {
        private final java.util.List<String> names;
        /** Per slot (open addressing): a name's full hash and the name, or null. */
        private final int[] hashes;
        private final String[] slots;

        AnyCase(java.util.Collection<String> given) {
            java.util.List<String> unique = new java.util.ArrayList<>();
            for (String n : given) {
                if (unique.stream().noneMatch(n::equalsIgnoreCase)) {
                    unique.add(n);
                }
            }
            names = java.util.List.copyOf(unique);
            int size = Integer.highestOneBit(Math.max(1, names.size()) * 4) * 2;
            hashes = new int[size];
            slots = new String[size];
            for (String n : names) {
                int h = AsciiString.hashCode(n);
                int i = h & (size - 1);
                while (slots[i] != null) {
                    i = (i + 1) & (size - 1);
                }
                hashes[i] = h;
                slots[i] = n;
            }
        }

        @Override
        public boolean contains(Object o) {
            if (!(o instanceof CharSequence name)) {
                return false;
            }
            int h = AsciiString.hashCode(name);
            for (int i = h & (slots.length - 1); slots[i] != null; i = (i + 1) & (slots.length - 1)) {
                if (hashes[i] == h && AsciiString.contentEqualsIgnoreCase(slots[i], name)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public java.util.Iterator<String> iterator() {
            return names.iterator();
        }

        @Override
        public int size() {
            return names.size();
        }
    }
}
