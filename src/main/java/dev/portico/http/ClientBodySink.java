package dev.portico.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.function.Consumer;

/**
 * The client side of a streamed (proxied) response body, for HTTP/1.x and
 * HTTP/2 alike: the source writes as it produces, asks for writability (the
 * socket's, or the stream's flow-control window), and ends or gives up; the
 * connection learns how it went from {@link #done()}. How a piece goes on the
 * wire (chunked or not, DATA frames of which size, send_timeout) is the
 * protocol's {@code output}.
 */
public final class ClientBodySink implements BodySink {

    /** Fails {@link #done()} when the source gave up: the response is cut short, no "writev() failed" line. */
    public static final class Aborted extends Exception {
        Aborted() {
            super("response body aborted by its source", null, false, false);
        }
    }

    private final HttpExchange x;
    private final ChannelHandlerContext ctx;
    private final Consumer<ByteBuf> output;
    private final java.util.function.Supplier<?> last;
    private final ChannelPromise done;
    private long written;
    private Runnable onWritable;

    public ClientBodySink(HttpExchange x, ChannelHandlerContext ctx, Consumer<ByteBuf> output) {
        this(x, ctx, output, () -> LastHttpContent.EMPTY_LAST_CONTENT);
    }

    /** {@code last} makes the message that ends the body on the wire (HTTP/2: an empty DATA frame with END_STREAM). */
    public ClientBodySink(HttpExchange x, ChannelHandlerContext ctx, Consumer<ByteBuf> output,
                          java.util.function.Supplier<?> last) {
        this.x = x;
        this.ctx = ctx;
        this.output = output;
        this.last = last;
        this.done = ctx.newPromise();
    }

    /** Succeeds once the body's end is written; fails when it was cut short. */
    public ChannelPromise done() {
        return done;
    }

    /** The body bytes handed to the connection. */
    public long written() {
        return written;
    }

    @Override
    public void write(ByteBuf bytes) {
        if (done.isDone() || !ctx.channel().isActive() || bytes.readableBytes() == 0) {
            bytes.release();
            return;
        }
        written += bytes.readableBytes();
        output.accept(bytes);
    }

    @Override
    public boolean isWritable() {
        return ctx.channel().isWritable();
    }

    @Override
    public void whenWritable(Runnable action) {
        onWritable = action;
    }

    /** The connection became writable: the source's waiting action runs. */
    public void writable() {
        Runnable r = onWritable;
        onWritable = null;
        if (r != null) {
            r.run();
        }
    }

    @Override
    public void end() {
        if (done.isDone()) {
            return;
        }
        ctx.writeAndFlush(last.get()).addListener(f -> {
            if (f.isSuccess()) {
                done.trySuccess();
            } else {
                done.tryFailure(f.cause());
            }
        });
    }

    @Override
    public void abort() {
        x.setKeepAlive(false);
        done.tryFailure(new Aborted());
    }

    /** The connection (or stream) closed under the body. */
    public void closed() {
        onWritable = null;
        done.tryFailure(new java.nio.channels.ClosedChannelException());
    }
}
