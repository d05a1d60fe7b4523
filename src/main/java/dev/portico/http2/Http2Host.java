package dev.portico.http2;

import dev.portico.http.HttpConfig;
import dev.portico.http.ListenSocket;

/** What an HTTP/2 connection asks of the server that accepted it. */
public interface Http2Host {

    /** The configuration in force: each new stream is served by it, as each HTTP/1 request is. */
    HttpConfig currentConfig();

    /** The connection's listen socket in that configuration, or null when a reload removed it. */
    ListenSocket currentSocket();

    /** False once the server is shutting down: no new streams are started. */
    boolean accepting();

    /** A stream's request began (stub_status counts it, and the connection as writing). */
    void requestStarted();

    /** No stream is open any more: the connection waits (stub_status). */
    void idle();

    /** The connection has closed. */
    void closed();
}
