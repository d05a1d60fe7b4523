package dev.portico.proxy;

import dev.portico.http.Tunnel;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A proxied connection after the upstream answered 101 Switching Protocols
 * (a WebSocket): bytes are copied both ways as they come, each side read only
 * while the other can take more (nginx's ngx_http_upstream_process_upgraded).
 * proxy_read_timeout bounds the upstream's silence; either side closing
 * closes the other once what it sent is written.
 */
final class UpgradedConnection extends ChannelInboundHandlerAdapter implements Tunnel {

    private final Channel upstream;
    private final long readTimeout;
    private final Consumer<String> errorLog;
    private Tunnel.Client client;
    private ScheduledFuture<?> timer;
    private boolean closed;

    UpgradedConnection(Channel upstream, long readTimeout, Consumer<String> errorLog) {
        this.upstream = upstream;
        this.readTimeout = readTimeout;
        this.errorLog = errorLog;
    }

    // ---- the client's side ----

    @Override
    public void start(Tunnel.Client client) {
        this.client = client;
        readUpstream();
        client.read();
    }

    @Override
    public void fromClient(ByteBuf bytes) {
        if (closed) {
            bytes.release();
            return;
        }
        upstream.writeAndFlush(bytes);
        if (upstream.isWritable()) {
            client.read();
        } // else the upstream's writability change asks for the next read
    }

    @Override
    public void clientWritable() {
        readUpstream();
    }

    @Override
    public void clientClosed() {
        close();
    }

    @Override
    public void discard() {
        close();
    }

    // ---- the upstream's side ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes && !closed && client != null) {
            disarm();
            client.write(bytes);
        } else {
            // The end of the 101's (empty) body from the HTTP decoder, or bytes after the end.
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (client != null && client.isWritable()) {
            readUpstream();
        } // else the client's writability change asks for the next read
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && client != null && !closed) {
            client.read();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!closed) {
            errorLog.accept("recv() failed (" + cause.getMessage() + ") while proxying upgraded connection");
        }
        close();
    }

    private void readUpstream() {
        if (closed) {
            return;
        }
        if (timer == null) {
            timer = upstream.eventLoop().schedule(() -> {
                timer = null;
                errorLog.accept("upstream timed out (110: Connection timed out) while proxying upgraded connection");
                close();
            }, readTimeout, TimeUnit.MILLISECONDS);
        }
        upstream.read();
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void close() {
        if (closed) {
            return;
        }
        closed = true;
        disarm();
        upstream.close();
        if (client != null) {
            client.close();
        }
    }
}
