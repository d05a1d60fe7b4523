package dev.portico.server;

/** A client connection as the server sees it at shutdown and reload, whatever protocol it speaks. */
interface ServerConnection {

    /** Graceful shutdown: close now when idle, else once the requests in flight are answered. */
    void closeIfIdle();

    /**
     * A reload put a new configuration in force. HTTP/1.x takes it with its next request;
     * HTTP/2, whose settings were agreed at its start, says GOAWAY and the client reconnects.
     */
    void reloaded();
}
