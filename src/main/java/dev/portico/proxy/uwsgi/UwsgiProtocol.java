package dev.portico.proxy.uwsgi;

import dev.portico.http.HttpExchange;
import dev.portico.proxy.UpstreamProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/**
 * The uwsgi protocol of uwsgi_pass (nginx's ngx_http_uwsgi_module) for the upstream engine:
 * the request goes as one packet of CGI variables ({@link UwsgiRequestEncoder}) followed by
 * the raw body; the answer is HTTP ({@link UwsgiResponseDecoder}). The body's length must be
 * known (CONTENT_LENGTH, from uwsgi_params' {@code $content_length}), so a chunked request
 * body is spooled by the engine first. Nothing is rewritten in the response headers (uwsgi
 * has no counterpart of proxy_redirect).
 */
public final class UwsgiProtocol implements UpstreamProtocol {

    private static final String PACKET_WRITER = "uwsgi-packet";

    private final UwsgiSettings settings;
    private final UwsgiRequestEncoder encoder;

    public UwsgiProtocol(UwsgiSettings settings) {
        this.settings = settings;
        this.encoder = new UwsgiRequestEncoder(settings);
    }

    public UwsgiSettings settings() {
        return settings;
    }

    /**
     * "uwsgi" ("suwsgi" over TLS): nginx's log shows upstream: "uwsgi://127.0.0.1:3031",
     * "uwsgi://unix:/run/app.sock:".
     */
    @Override
    public String scheme(boolean tls) {
        return tls ? "suwsgi" : "uwsgi";
    }

    @Override
    public void initChannel(ChannelPipeline pipeline) {
        UwsgiResponseDecoder decoder = new UwsgiResponseDecoder(settings.bufferSize());
        pipeline.addLast("uwsgi-head", decoder);
        pipeline.addLast(PACKET_WRITER, new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                if (msg instanceof UwsgiRequestPacket packet) {
                    decoder.requestSent(packet.head());
                    ctx.write(packet.content(), promise);
                } else {
                    ctx.write(msg, promise);
                }
            }
        });
    }

    /**
     * The request packet ({@link UwsgiRequestPacket}), its uwsgi_param values rendered for
     * {@code x}.
     *
     * @throws UwsgiRequestTooBigException when the variables exceed 64 KiB; nginx checks this
     *         before connecting and answers 500 after logging the exception's message at alert level
     */
    @Override
    public Object encodeRequestHead(HttpExchange x, long bodyLength) {
        List<UwsgiParam> params = settings.params();
        String[] values = new String[params.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = params.get(i).value().render(x);
        }
        ByteBuf packet = encoder.encode(x.connection().channel().alloc(), values, x.requestHeaders());
        return new UwsgiRequestPacket(packet, x.isHead());
    }

    /** nginx's uwsgi module closes every connection after its response: no keepalive pool. */
    @Override
    public boolean keepsConnections() {
        return false;
    }

    @Override
    public boolean streamsChunkedBody() {
        return false;
    }

    /** Body bytes follow the packet as they are. */
    @Override
    public Object encodeBodyPart(ByteBuf part) {
        return part;
    }

    @Override
    public Object encodeRequestEnd() {
        return Unpooled.EMPTY_BUFFER;
    }

    /** Empty: nginx's uwsgi module sets no URI for the log's upstream: "…". */
    @Override
    public String requestTarget(HttpExchange x) {
        return "";
    }

    @Override
    public void rewriteResponseHeaders(HttpExchange x, HttpHeaders headers) {
        // uwsgi has no uwsgi_redirect: headers pass as the application sent them.
    }

    /**
     * The application answered 101 to a request that asked to upgrade (nginx's uwsgi module
     * allows it; uWSGI's websocket support answers so): the connection now carries raw bytes.
     */
    @Override
    public void upgraded(ChannelPipeline pipeline) {
        pipeline.remove(PACKET_WRITER);
        if (pipeline.get(UwsgiResponseDecoder.CGI_STATUS) != null) {
            pipeline.remove(UwsgiResponseDecoder.CGI_STATUS);
        }
        // Last: its unread bytes go on to the next handler.
        pipeline.remove(UwsgiResponseDecoder.DECODER);
    }
}
