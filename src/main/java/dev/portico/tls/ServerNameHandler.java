package dev.portico.tls;

import dev.portico.http.HttpConnection;
import dev.portico.http.RequestProcessor;
import dev.portico.http.VirtualServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import java.util.List;

/**
 * The first handler of a TLS connection: reads the ClientHello, lets its SNI
 * name pick the server's context ({@link TlsListener#select}) and puts that
 * context's SslHandler in its own place; the name goes to the connection,
 * where it chooses the server of requests (RequestProcessor). A first byte that cannot start a TLS
 * record means plain HTTP: the handler steps aside and the request is answered
 * with nginx's 400 "The plain HTTP request was sent to HTTPS port".
 */
final class ServerNameHandler extends SniHandler {

    private final TlsListener listener;
    private Channel channel;
    private ServerTlsContext chosen;
    private boolean looked;

    ServerNameHandler(TlsListener listener) {
        // The mapping is never asked: lookup() chooses. No ClientHello timer of its own either:
        // client_header_timeout (the HTTP handler's) covers the handshake, as in nginx.
        super((String name, io.netty.util.concurrent.Promise<SslContext> promise) ->
                promise.setFailure(new IllegalStateException("unused")), 0, 0L);
        this.listener = listener;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        channel = ctx.channel();
        super.handlerAdded(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (!looked && in.isReadable()) {
            looked = true;
            int first = in.getUnsignedByte(in.readerIndex());
            // nginx's test in ngx_http_ssl_handshake: 0x16 opens a TLS handshake record, a high bit an SSLv2 hello.
            if (first != 0x16 && (first & 0x80) == 0) {
                ctx.pipeline().remove(TlsConnectionHandler.class);
                ctx.pipeline().remove(this); // the bytes go on to the HTTP decoder
                return;
            }
        }
        super.decode(ctx, in, out);
    }

    @Override
    protected Future<SslContext> lookup(ChannelHandlerContext ctx, String hostname) {
        String name = hostname == null ? null : RequestProcessor.serverName(hostname);
        VirtualServer server = listener.server(name, ctx.channel().localAddress());
        HttpConnection connection = ctx.channel().attr(HttpConnection.KEY).get();
        if (connection != null && name != null) {
            // The connection's settings (HTTP/1's header limits, HTTP/2's) come from that server, as
            // nginx's from hc->conf_ctx, and requests compare their Host with the name
            // (ngx_http_set_virtual_server).
            connection.negotiated(name, server, RequestChecks::verifiesClients);
        }
        chosen = listener.select(server, ctx.channel().localAddress());
        return ctx.executor().newSucceededFuture(chosen.sslContext());
    }

    @Override
    protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
        SslHandler handler = chosen.newHandler(allocator);
        channel.attr(TlsSession.KEY).set(new TlsSession(chosen, handler));
        return handler;
    }
}
