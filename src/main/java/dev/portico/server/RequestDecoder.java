package dev.portico.server;

import dev.portico.http.HttpServerConf;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequestDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Netty's HTTP/1 request decoder with three additions. It counts the bytes a
 * client sends ($request_length). It looks at the bytes of each request
 * head for what the decoder would silently accept: obs-fold (a header line
 * continued on the next line by leading whitespace), which nginx refuses with
 * 400 and which is a request-smuggling vector. And it lays the head's header
 * lines into buffers as nginx does (client_header_buffer_size, then up to N
 * large_client_header_buffers, a line never split across two), so that a line
 * longer than one large buffer, or a head that needs more of them, is refused
 * as nginx refuses it (494), where Netty would only limit the head's total.
 * Only the head is scanned; scanning stops at the blank line and starts again
 * for the next request.
 */
final class RequestDecoder extends HttpRequestDecoder {

    private final HttpConnectionHandler connection;
    private boolean inHead = true;
    private boolean lineStart = true;
    private boolean firstLine = true;
    private boolean emptyLine = true;
    private boolean obsFold;

    /** large_client_header_buffers: the size of one and how many a head may take. */
    private final int largeSize;
    private final int largeNumber;
    /** client_header_buffer_size: where each head starts. */
    private final int firstSize;
    /** The buffer the head is being laid into, as nginx's header_in: its size, bytes in it, large ones taken. */
    private int bufferSize;
    private int bufferUsed;
    private int largeTaken;
    /** Where the current header line starts in that buffer, and its first bytes (for the error log). */
    private int lineStartAt;
    private final byte[] lineText = new byte[LOGGED_LINE];
    /** What nginx logs of a head its buffers cannot hold, once one could not: null while they can. */
    private String tooLarge;
    /** False once the head is refused, or its request line is too long (Netty's 414). */
    private boolean laying = true;

    /** nginx logs at most NGX_MAX_ERROR_STR - 300 bytes of the line. */
    private static final int LOGGED_LINE = 2048 - 300;
    /**
     * Bytes that came while a request was being answered: the next request's, decoded (counted,
     * scanned) once that one is done, as if they had arrived then.
     */
    private ByteBuf held;

    RequestDecoder(HttpServerConf buffers, HttpConnectionHandler connection) {
        super(buffers.decoderConfig());
        this.connection = connection;
        this.largeSize = (int) buffers.largeHeaderBufferSize();
        this.largeNumber = buffers.largeHeaderBuffers();
        this.firstSize = (int) buffers.clientHeaderBufferSize();
        this.bufferSize = firstSize;
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
            if (laying) {
                lay(b);
            }
            if (b == '\n') {
                if (emptyLine && !firstLine) {
                    inHead = false;
                }
                if (!emptyLine) {
                    firstLine = false;
                }
                lineStart = true;
                emptyLine = true;
                lineStartAt = bufferUsed;
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

    /**
     * One byte of a header line into nginx's buffers (ngx_http_alloc_large_header_buffer): when the
     * buffer is full, the line so far moves to a new large buffer, unless it already fills one or
     * all are taken. A request line that fills one is Netty's to refuse (414, its
     * maxInitialLineLength being the large buffers' size).
     */
    private void lay(byte b) {
        if (bufferUsed == bufferSize) {
            int line = bufferUsed - lineStartAt;
            if (firstLine && (line >= largeSize || largeTaken == largeNumber)) {
                laying = false;
                return;
            }
            if (line >= largeSize || largeTaken == largeNumber) {
                laying = false;
                tooLarge = line == 0 ? "client sent too large request"
                        : "client sent too long header line: \""
                        + new String(lineText, 0, Math.min(line, LOGGED_LINE), StandardCharsets.ISO_8859_1) + "...\"";
                return;
            }
            largeTaken++;
            bufferSize = largeSize;
            bufferUsed = line;
            lineStartAt = 0;
        }
        int at = bufferUsed - lineStartAt;
        if (at < LOGGED_LINE) {
            lineText[at] = b;
        }
        bufferUsed++;
    }

    /**
     * What nginx's error log says of a head that its header buffers could not hold ("client sent
     * too long header line: \"X-Big: ...\""), or null when they hold it so far.
     */
    String headTooLarge() {
        return tooLarge;
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
        tooLarge = null;
        laying = true;
        bufferSize = firstSize;
        bufferUsed = 0;
        largeTaken = 0;
        lineStartAt = 0;
    }
}
