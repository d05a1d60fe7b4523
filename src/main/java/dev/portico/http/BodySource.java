package dev.portico.http;

/**
 * Produces a response body while it is written (a proxied response): the
 * connection calls {@link #start} once the head is on its way, and the source
 * pushes bytes into the sink at the pace the client allows.
 */
public interface BodySource {
    void start(BodySink sink);

    /** The body will not be written (HEAD, connection gone): give back what the source holds. */
    void discard();
}
