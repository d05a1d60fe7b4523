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
        private final String[][] buckets;

        AnyCase(java.util.Collection<String> given) {
            java.util.List<String> unique = new java.util.ArrayList<>();
            for (String n : given) {
                if (unique.stream().noneMatch(n::equalsIgnoreCase)) {
                    unique.add(n);
                }
            }
            names = java.util.List.copyOf(unique);
            buckets = new String[Integer.highestOneBit(Math.max(1, names.size()) * 2) * 2][];
            for (String n : names) {
                int i = AsciiString.hashCode(n) & (buckets.length - 1);
                String[] b = buckets[i] == null ? new String[1] : java.util.Arrays.copyOf(buckets[i], buckets[i].length + 1);
                b[b.length - 1] = n;
                buckets[i] = b;
            }
        }

        @Override
        public boolean contains(Object o) {
            if (!(o instanceof CharSequence name)) {
                return false;
            }
            String[] b = buckets[AsciiString.hashCode(name) & (buckets.length - 1)];
            if (b != null) {
                for (String n : b) {
                    if (AsciiString.contentEqualsIgnoreCase(n, name)) {
                        return true;
                    }
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
