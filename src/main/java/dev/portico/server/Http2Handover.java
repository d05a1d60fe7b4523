package dev.portico.server;

import dev.portico.http.ConnectionCounters;
import dev.portico.http.HttpConfig;
import dev.portico.http.HttpConnection;
import dev.portico.http.ListenSocket;
import dev.portico.http2.Http2Host;
import dev.portico.http2.Http2Session;

/**
 * A connection that HTTP/1's handler gave to HTTP/2 before its first request
 * (ALPN's "h2", or the preface): what the HTTP/2 session asks of the server,
 * and what the server asks of the connection at reload and shutdown. It keeps
 * the connection's place in the server's list and in stub_status's counters.
 */
final class Http2Handover implements Http2Host, ServerConnection {

    private final HttpServer server;
    private final String listenKey;
    private final HttpConnection connection;
    private byte counted;
    private Http2Session session;

    private Http2Handover(HttpServer server, String listenKey, HttpConnection connection, byte counted) {
        this.server = server;
        this.listenKey = listenKey;
        this.connection = connection;
        this.counted = counted;
    }

    /** Puts HTTP/2 in place of the handler named {@code replacing}; the connection is counted as {@code counted}. */
    static void start(HttpServer server, String listenKey, HttpConnection connection, byte counted, String replacing) {
        Http2Handover h = new Http2Handover(server, listenKey, connection, counted);
        h.session = Http2Session.start(connection.channel(), connection, h, replacing);
        server.connectionOpened(connection.channel(), h);
    }

    @Override
    public HttpConfig currentConfig() {
        return server.currentHttp();
    }

    @Override
    public ListenSocket currentSocket() {
        return server.socket(listenKey);
    }

    @Override
    public boolean accepting() {
        return server.accepting();
    }

    @Override
    public void requestStarted() {
        counted = server.counters().requestStarted(counted);
    }

    @Override
    public void idle() {
        counted = server.counters().requestFinished(counted);
    }

    @Override
    public void closed() {
        server.connectionClosed(connection.channel());
        server.counters().closed(counted);
        counted = ConnectionCounters.NONE;
    }

    @Override
    public void closeIfIdle() {
        session.goAway();
    }

    @Override
    public void reloaded() {
        session.goAway();
    }
}
