package dev.portico.http2;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * nginx's lingering close for HTTP/2 connections (ngx_http_v2_lingering_close): when the
 * connection ends (after a GOAWAY, a flood's or a shutdown's), it stops sending, then reads and
 * drops what the client still sends until the client closes or lingering_timeout passes. Closed
 * at once with the client's bytes unread, the socket would answer with a reset, which can reach
 * the client before it has read the GOAWAY. Sits between the socket (or its TLS) and the codec.
 */
final class Http2LingeringClose extends ChannelDuplexHandler {

    private final long timeoutMillis;
    private ChannelPromise closing;
    private ScheduledFuture<?> timer;
    private boolean closed;

    Http2LingeringClose(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (closing != null || timeoutMillis <= 0 || !ctx.channel().isActive()
                || !(ctx.channel() instanceof DuplexChannel duplex)) {
            ctx.close(promise);
            return;
        }
        closing = promise;
        ctx.flush();
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        if (tls != null) {
            tls.closeOutbound().addListener(f -> shutdownOutput(ctx, duplex));
        } else {
            shutdownOutput(ctx, duplex);
        }
        timer = ctx.executor().schedule(() -> finish(ctx), timeoutMillis, TimeUnit.MILLISECONDS);
    }

    private void shutdownOutput(ChannelHandlerContext ctx, DuplexChannel duplex) {
        ChannelFuture done = duplex.shutdownOutput();
        done.addListener(f -> {
            if (f.isSuccess()) {
                ctx.read();
            } else {
                finish(ctx);
            }
        });
    }

    private void finish(ChannelHandlerContext ctx) {
        if (closed) {
            return;
        }
        closed = true;
        if (timer != null) {
            timer.cancel(false);
        }
        ctx.close(closing);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing != null) {
            ReferenceCountUtil.release(msg); // the client's late bytes are read and dropped
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (closing != null) {
            ctx.read();
            return;
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (closing != null) {
            finish(ctx);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (closing != null) {
            finish(ctx); // a reset or an end of input while lingering: nothing more to wait for
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (closing != null && evt instanceof io.netty.channel.socket.ChannelInputShutdownReadComplete) {
            finish(ctx);
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
