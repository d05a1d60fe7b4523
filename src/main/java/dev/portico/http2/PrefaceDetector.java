package dev.portico.http2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The first handler of an HTTP/1 connection on an address where HTTP/2 is on:
 * when the client's first bytes are HTTP/2's connection preface
 * ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", h2c with prior knowledge), the
 * connection becomes HTTP/2; at the first byte that differs, it steps aside and
 * HTTP/1.x goes on as usual. This is nginx 1.25's behaviour; nginx 1.22 spoke
 * only HTTP/2 on a cleartext `listen ... http2` and answered HTTP/1.x requests
 * there with a binary SETTINGS frame.
 */
public final class PrefaceDetector extends ByteToMessageDecoder {

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int available = Math.min(in.readableBytes(), PREFACE.length);
        for (int i = 0; i < available; i++) {
            if (in.getByte(in.readerIndex() + i) != PREFACE[i]) {
                // HTTP/1.x: the bytes read so far go on to the HTTP/1 decoder.
                ctx.pipeline().remove(this);
                return;
            }
        }
        if (available < PREFACE.length) {
            return; // a prefix of the preface: wait for more
        }
        // The HTTP/1 handler puts the HTTP/2 codec behind us; the preface then goes on to it.
        ctx.fireUserEventTriggered(Http2Start.PREFACE);
        if (!ctx.isRemoved()) {
            ctx.pipeline().remove(this);
        }
    }
}
