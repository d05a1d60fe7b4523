package dev.portico.proxy;

import dev.portico.log.LogLevel;

/**
 * A request its protocol cannot put on the wire (nginx's create_request failing, such as a
 * uwsgi packet over 64 KiB): thrown by {@link UpstreamProtocol#encodeRequestHead} before any
 * connection is made; the engine logs the message at {@link #level()} and answers 500.
 */
public class UnsendableRequestException extends RuntimeException {

    private final LogLevel level;

    public UnsendableRequestException(String message, LogLevel level) {
        super(message, null, false, false);
        this.level = level;
    }

    /** The error-log level nginx uses for this failure. */
    public LogLevel level() {
        return level;
    }
}
