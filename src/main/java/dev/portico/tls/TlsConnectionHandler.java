package dev.portico.tls;

import dev.portico.http.HttpConnection;
import dev.portico.http.ListenSocket;
import dev.portico.http2.Http2Start;
import dev.portico.log.ErrorLog;
import dev.portico.log.LogLevel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import javax.net.ssl.SSLException;

/**
 * Sits between TLS and HTTP on a TLS connection: once the handshake is done,
 * ALPN's answer picks the protocol that speaks on; a failed handshake or a
 * broken TLS record costs only this connection, logged at info as nginx
 * logs it ("SSL_do_handshake() failed ... while SSL handshaking").
 */
final class TlsConnectionHandler extends ChannelInboundHandlerAdapter {

    private final ListenSocket socket;
    private boolean handshaken;
    private boolean failed;

    TlsConnectionHandler(ListenSocket socket) {
        this.socket = socket;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                handshaken = true;
                TlsSession session = TlsSession.of(ctx.channel());
                if (session != null) {
                    session.handshakeDone();
                }
                ctx.fireUserEventTriggered(event); // the connection is secure before a protocol takes it
                selectProtocol(ctx);
                return;
            } else {
                handshakeFailed(ctx, done.cause());
                return;
            }
        }
        ctx.fireUserEventTriggered(event);
    }

    /**
     * The one place where the negotiated protocol chooses what runs after TLS: HTTP/1.x
     * already sits behind this handler; "h2" (offered where HTTP/2 is on, see
     * {@link ServerContexts#alpnProtocols}) hands the connection to HTTP/2
     * (dev.portico.http2.Http2Session, through the HTTP/1 handler that owns it).
     */
    private void selectProtocol(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        String protocol = ssl == null ? null : ssl.applicationProtocol();
        if (protocol == null || protocol.equals("http/1.1")) {
            return; // no ALPN, or http/1.1: the HTTP/1.x handlers behind us
        }
        if (protocol.equals("h2")) {
            ctx.fireUserEventTriggered(Http2Start.ALPN);
            return;
        }
        log(ctx, LogLevel.INFO, "SSL ALPN selected an unknown protocol \"" + protocol + "\"");
        ctx.close();
    }

    private void handshakeFailed(ChannelHandlerContext ctx, Throwable cause) {
        if (failed) {
            return;
        }
        failed = true;
        if (isClose(cause)) {
            log(ctx, LogLevel.INFO, "peer closed connection in SSL handshake while SSL handshaking");
        } else {
            log(ctx, LogLevel.INFO, "SSL_do_handshake() failed (SSL: " + reason(cause) + ") while SSL handshaking");
        }
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable tls = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (!(tls instanceof SSLException)) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        if (!handshaken) {
            handshakeFailed(ctx, tls);
        } else {
            log(ctx, LogLevel.INFO, "SSL_read() failed (SSL: " + reason(tls) + ") while reading client request");
            ctx.close();
        }
    }

    private static boolean isClose(Throwable cause) {
        return cause instanceof ClosedChannelException
                || String.valueOf(cause.getMessage()).contains("closed while SSL/TLS handshake");
    }

    /** The TLS library's reason, without Netty's dump of the bytes that were not a record. */
    private static String reason(Throwable cause) {
        if (cause instanceof NotSslRecordException) {
            return "not an SSL/TLS record";
        }
        String m = cause.getMessage();
        return m == null ? cause.getClass().getSimpleName() : m.length() > 200 ? m.substring(0, 200) : m;
    }

    private void log(ChannelHandlerContext ctx, LogLevel level, String message) {
        HttpConnection connection = ctx.channel().attr(HttpConnection.KEY).get();
        String client = connection != null ? connection.remoteAddress()
                : String.valueOf(ctx.channel().remoteAddress());
        ErrorLog.current().log(level, connection == null ? 0 : connection.id(),
                message + ", client: " + client + ", server: " + listenText());
    }

    /** The listening address as nginx prints it: "0.0.0.0:443" for a wildcard. */
    private String listenText() {
        if (socket.address() instanceof InetSocketAddress inet) {
            String host = HttpConnection.text(inet.getAddress());
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return socket.spec().text();
    }
}
