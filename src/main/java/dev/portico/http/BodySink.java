package dev.portico.http;

import io.netty.buffer.ByteBuf;

/** Where a {@link BodySource} writes: the client connection, with its back pressure. */
public interface BodySink {
    /** Writes and flushes {@code bytes}; the sink owns them from here. */
    void write(ByteBuf bytes);

    /** False while the client's socket buffer is full: the source should stop producing. */
    boolean isWritable();

    /** Runs {@code action} once, the next time the client connection becomes writable. */
    void whenWritable(Runnable action);

    /** The body is complete: the response ends and the connection goes on as the request allows. */
    void end();

    /** The body cannot be completed (the upstream failed): the client sees a truncated response. */
    void abort();
}
