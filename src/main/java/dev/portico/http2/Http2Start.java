package dev.portico.http2;

/**
 * Fired down a new connection's pipeline when it turns out to speak HTTP/2:
 * the HTTP/1 handler that owns the connection then hands it to
 * {@link Http2Session#start}.
 */
public enum Http2Start {
    /** TLS's ALPN chose "h2" (dev.portico.tls.TlsConnectionHandler). */
    ALPN,
    /** The client's first bytes were HTTP/2's connection preface ({@link PrefaceDetector}). */
    PREFACE
}
