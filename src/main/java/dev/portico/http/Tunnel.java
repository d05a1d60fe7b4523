package dev.portico.http;

import io.netty.buffer.ByteBuf;

/**
 * The far side of a connection that switched protocols (a WebSocket proxied to
 * its upstream, nginx's upgraded connection): after the 101 head, raw bytes flow
 * both ways with back pressure until either side closes.
 */
public interface Tunnel {

    /** The 101 head is on its way; {@code client} is the client's side from now on. */
    void start(Client client);

    /** Bytes the client sent; the tunnel owns them. */
    void fromClient(ByteBuf bytes);

    /** The client's socket has room again after a write filled it. */
    void clientWritable();

    /** The client's connection closed. */
    void clientClosed();

    /** The 101 will not be written (the client is gone): give back what is held. */
    void discard();

    /** The client's side of a tunnel. */
    interface Client {
        /** Writes and flushes {@code bytes}; the client side owns them from here. */
        void write(ByteBuf bytes);

        /** False while the client's socket buffer is full. */
        boolean isWritable();

        /** Asks for the client's next bytes (reads are on demand, for back pressure). */
        void read();

        /** Closes the client connection once what was written has gone out. */
        void close();
    }
}
