package dev.portico.proxy.uwsgi;

import dev.portico.http.HttpExchange;
import dev.portico.proxy.UpstreamProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPipeline;
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

    private final UwsgiSettings settings;
    private final UwsgiRequestEncoder encoder;

    public UwsgiProtocol(UwsgiSettings settings) {
        this.settings = settings;
        this.encoder = new UwsgiRequestEncoder(settings);
    }

    public UwsgiSettings settings() {
        return settings;
    }

    /** "uwsgi": nginx's log shows upstream: "uwsgi://127.0.0.1:3031", "uwsgi://unix:/run/app.sock:". */
    @Override
    public String scheme() {
        return "uwsgi";
    }

    @Override
    public void initChannel(ChannelPipeline pipeline) {
        // The request is written as bytes already; only the answer needs a decoder.
        pipeline.addLast("decoder", new UwsgiResponseDecoder(settings.bufferSize()));
    }

    /**
     * The request packet (a ByteBuf), its uwsgi_param values rendered for {@code x}.
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
        return encoder.encode(x.connection().channel().alloc(), values, x.requestHeaders());
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
     * allows it: uWSGI's websocket support answers so). Nothing to change: requests already go
     * as plain bytes, and the response decoder passes bytes through after a 101.
     */
    public void upgraded(ChannelPipeline pipeline) {
        // nothing to remove or replace
    }
}
