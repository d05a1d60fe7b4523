package dev.portico.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * Netty's HTTP/1 request decoder with two additions. It counts the bytes a
 * client sends ($request_length). And it looks at the bytes of each request
 * head for what the decoder would silently accept: obs-fold (a header line
 * continued on the next line by leading whitespace), which nginx refuses with
 * 400 and which is a request-smuggling vector. Only the head is scanned;
 * scanning stops at the blank line and starts again for the next request.
 */
final class RequestDecoder extends HttpRequestDecoder {

    private final HttpConnectionHandler connection;
    private boolean inHead = true;
    private boolean lineStart = true;
    private boolean firstLine = true;
    private boolean emptyLine = true;
    private boolean obsFold;
    /**
     * Bytes that came while a request was being answered: the next request's, decoded (counted,
     * scanned) once that one is done, as if they had arrived then.
     */
    private ByteBuf held;

    RequestDecoder(HttpDecoderConfig config, HttpConnectionHandler connection) {
        super(config);
        this.connection = connection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf buf) {
            if (connection != null && connection.answering()) {
                held = held == null ? buf : MERGE_CUMULATOR.cumulate(ctx.alloc(), held, buf);
                return;
            }
            if (connection != null) {
                connection.bytesArrived(buf.readableBytes());
            }
            if (inHead) {
                scan(buf);
            }
        }
        super.channelRead(ctx, msg);
    }

    private void scan(ByteBuf buf) {
        int end = buf.writerIndex();
        for (int i = buf.readerIndex(); i < end && inHead; i++) {
            byte b = buf.getByte(i);
            if (b == '\n') {
                if (emptyLine && !firstLine) {
                    inHead = false;
                }
                if (!emptyLine) {
                    firstLine = false;
                }
                lineStart = true;
                emptyLine = true;
                continue;
            }
            if (lineStart && (b == ' ' || b == '\t') && !firstLine) {
                obsFold = true;
            }
            lineStart = false;
            if (b != '\r') {
                emptyLine = false;
            }
        }
    }

    /** True while bytes that came during a request wait to be decoded. */
    boolean holdsBytes() {
        return held != null;
    }

    /** Decodes the bytes held while the previous request was answered; call once it is done. */
    void decodeHeld(ChannelHandlerContext ctx) throws Exception {
        ByteBuf bytes = held;
        held = null;
        if (bytes != null) {
            channelRead(ctx, bytes);
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        ByteBuf bytes = held;
        held = null;
        if (bytes != null) {
            // After a protocol switch they are the new protocol's bytes; on a closed connection, nobody's.
            if (ctx.channel().isActive()) {
                ctx.fireChannelRead(bytes);
            } else {
                bytes.release();
            }
        }
        super.handlerRemoved0(ctx);
    }

    /** True when the head being decoded continued a header line with leading whitespace. */
    boolean obsFoldSeen() {
        return obsFold;
    }

    /** The previous request is complete: the next bytes begin a new head. */
    void expectHead() {
        inHead = true;
        lineStart = true;
        firstLine = true;
        emptyLine = true;
        obsFold = false;
    }
}
