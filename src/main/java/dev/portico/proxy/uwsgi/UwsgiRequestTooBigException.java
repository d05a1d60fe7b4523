package dev.portico.proxy.uwsgi;

/**
 * The request's variables do not fit the packet's 16-bit size: nginx refuses such a request
 * before connecting, logs "uwsgi request is too big: N" at alert level and answers 500.
 */
public final class UwsgiRequestTooBigException extends RuntimeException {

    private final long length;

    public UwsgiRequestTooBigException(long length) {
        super("uwsgi request is too big: " + length, null, false, false);
        this.length = length;
    }

    /** The size of the variables that did not fit, in bytes. */
    public long length() {
        return length;
    }
}
