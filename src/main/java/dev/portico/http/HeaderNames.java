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
        java.util.TreeSet<String> set = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        set.addAll(names);
        return java.util.Collections.unmodifiableSortedSet(set);
    }
}
