package dev.portico.proxy.uwsgi;

import dev.portico.log.LogLevel;
import dev.portico.proxy.UnsendableRequestException;

/**
 * The request's variables do not fit the packet's 16-bit size: nginx refuses such a request
 * before connecting, logs "uwsgi request is too big: N" at alert level and answers 500.
 */
public final class UwsgiRequestTooBigException extends UnsendableRequestException {

    private final long length;

    public UwsgiRequestTooBigException(long length) {
        super("uwsgi request is too big: " + length, LogLevel.ALERT);
        this.length = length;
    }

    /** The size of the variables that did not fit, in bytes. */
    public long length() {
        return length;
    }
}
