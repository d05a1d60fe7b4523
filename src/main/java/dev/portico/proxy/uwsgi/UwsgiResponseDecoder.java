package dev.portico.proxy.uwsgi;

import dev.portico.proxy.UpstreamResponseDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A uwsgi application's answer, as nginx's uwsgi module reads it: with the engine's
 * {@link UpstreamResponseDecoder} (nginx's status line and header parsers, the head within
 * uwsgi_buffer_size, the body by Content-Length, chunked coding or until the close), which
 * this handler installs once the first bytes tell what kind of head comes.
 *
 * <p>uWSGI answers with an HTTP status line. A head that does not start with "HTTP/" is read
 * as CGI headers (ngx_http_uwsgi_process_status_line falls back to them): the status comes
 * from a "Status" header (its first three characters, which must be digits, else the head
 * fails with "upstream sent invalid status"), else 302 with a Location header, else 200; the
 * Status header is passed on, as nginx does. A head starting with "HTTP/" whose status line
 * nginx would not parse is refused ("upstream sent no valid HTTP/1.0 header") where nginx's
 * uwsgi module would read it as CGI headers.
 */
public final class UwsgiResponseDecoder extends ByteToMessageDecoder {

    /** The name of the engine's decoder once installed (removed on an upgrade). */
    static final String DECODER = "decoder";
    /** The name of the handler that sets a CGI head's status, when there is one. */
    static final String CGI_STATUS = "uwsgi-cgi-status";

    private static final byte[] HTTP = "HTTP/".getBytes(StandardCharsets.US_ASCII);
    /** Put before CGI headers so that the engine's parser reads them; the real status is set after. */
    private static final byte[] CGI_STATUS_LINE = "HTTP/1.0 200 OK\r\n".getBytes(StandardCharsets.US_ASCII);

    private final int bufferSize;
    private boolean headRequest;

    /** @param bufferSize uwsgi_buffer_size: the largest head accepted, in bytes */
    public UwsgiResponseDecoder(int bufferSize) {
        if (bufferSize < 1) {
            throw new IllegalArgumentException("uwsgi_buffer_size " + bufferSize);
        }
        this.bufferSize = bufferSize;
    }

    /** The request went out; {@code head} when it was HEAD, whose response has no body. */
    void requestSent(boolean head) {
        headRequest = head;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int n = Math.min(in.readableBytes(), HTTP.length);
        boolean cgi = false;
        for (int i = 0; i < n && !cgi; i++) {
            cgi = in.getByte(in.readerIndex() + i) != HTTP[i];
        }
        if (!cgi && n < HTTP.length) {
            return; // "HTTP/" so far: wait for more
        }
        UpstreamResponseDecoder decoder = new UpstreamResponseDecoder(
                cgi ? bufferSize + CGI_STATUS_LINE.length : bufferSize);
        decoder.requestSent(headRequest);
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.addAfter(ctx.name(), DECODER, decoder);
        if (cgi) {
            pipeline.addAfter(DECODER, CGI_STATUS, new CgiStatus());
            out.add(Unpooled.wrappedBuffer(CGI_STATUS_LINE));
        }
        out.add(in.readRetainedSlice(in.readableBytes()));
        pipeline.remove(this);
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        // Closed within the first bytes of a head: the engine sees the close itself.
        in.skipBytes(in.readableBytes());
    }

    /** Sets the status of a CGI head from its Status or Location header; drops what follows a bad one. */
    private static final class CgiStatus extends ChannelInboundHandlerAdapter {
        private boolean seen;
        private boolean refused;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (refused) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (!seen && msg instanceof HttpResponse head && head.decoderResult().isSuccess()) {
                seen = true;
                String bad = applyStatus(head);
                if (bad != null) {
                    refused = true;
                    head.setDecoderResult(DecoderResult.failure(
                            new UpstreamResponseDecoder.InvalidResponse("upstream sent invalid status \"" + bad + "\"")));
                }
            }
            ctx.fireChannelRead(msg);
        }

        /** ngx_http_uwsgi_process_header without a status line; returns the bad Status value, or null. */
        private static String applyStatus(HttpResponse head) {
            String status = head.headers().get("Status");
            if (status == null) {
                if (head.headers().contains(HttpHeaderNames.LOCATION)) {
                    head.setStatus(new HttpResponseStatus(302, "Moved Temporarily"));
                }
                return null;
            }
            if (status.length() < 3 || !isDigit(status.charAt(0)) || !isDigit(status.charAt(1))
                    || !isDigit(status.charAt(2))) {
                return status;
            }
            int code = Integer.parseInt(status.substring(0, 3));
            String reason = status.substring(3).strip();
            head.setStatus(reason.isEmpty() ? HttpResponseStatus.valueOf(code) : new HttpResponseStatus(code, reason));
            return null;
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }
    }
}
