package dev.portico.proxy.http;

import dev.portico.http.HeaderNames;
import dev.portico.http.HttpExchange;
import dev.portico.proxy.UpstreamProtocol;
import dev.portico.proxy.UpstreamResponseDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** HTTP/1.0 and 1.1 to the upstream, as ngx_http_proxy_module builds and reads it. */
final class HttpProxyProtocol implements UpstreamProtocol {

    /** Request headers the proxy always decides itself (nginx's built-in proxy_set_header list). */
    private static final Set<String> OWN_HEADERS = HeaderNames.anyCase(List.of("host", "connection",
            "content-length", "transfer-encoding", "te", "keep-alive", "expect", "upgrade"));

    private final ProxyConf conf;

    HttpProxyProtocol(ProxyConf conf) {
        this.conf = conf;
    }

    @Override
    public String scheme(boolean tls) {
        return tls ? "https" : "http";
    }

    @Override
    public void initChannel(ChannelPipeline pipeline) {
        // The response head must fit in proxy_buffer_size, as nginx requires.
        UpstreamResponseDecoder decoder = new UpstreamResponseDecoder(conf.upstream.bufferSize());
        pipeline.addLast("decoder", decoder);
        pipeline.addLast("encoder", new RequestWriter(this, decoder));
    }

    @Override
    public boolean reinitChannel(ChannelPipeline pipeline) {
        return pipeline.get("encoder") instanceof RequestWriter encoder && encoder.protocol == this
                && encoder.decoder.reset();
    }

    /**
     * A request head as {@link #encodeRequestHead} gives it to the engine: its bytes, whether
     * the request is HEAD (its response has no body) and whether its body goes chunked.
     */
    private static final class RequestHead extends DefaultByteBufHolder {
        final boolean headRequest;
        final boolean chunked;

        RequestHead(ByteBuf bytes, boolean headRequest, boolean chunked) {
            super(bytes);
            this.headRequest = headRequest;
            this.chunked = chunked;
        }
    }

    /** The end of a request, written after its head and body. */
    private static final Object REQUEST_END = new Object();

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = {'0', '\r', '\n', '\r', '\n'};

    /**
     * Writes requests as encoded: tells the response decoder of each head (a HEAD's response
     * has no body) and frames the body parts that follow a chunked head, ending them with the
     * last chunk. Heads come encoded, so nothing here looks at header names or keeps state
     * beyond the one flag.
     */
    private static final class RequestWriter extends ChannelOutboundHandlerAdapter {
        final HttpProxyProtocol protocol;
        final UpstreamResponseDecoder decoder;
        private boolean chunked;

        RequestWriter(HttpProxyProtocol protocol, UpstreamResponseDecoder decoder) {
            this.protocol = protocol;
            this.decoder = decoder;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof RequestHead head) {
                decoder.requestSent(head.headRequest);
                chunked = head.chunked;
                ctx.write(head.content(), promise);
            } else if (msg == REQUEST_END) {
                boolean last = chunked;
                chunked = false;
                ctx.write(last ? Unpooled.wrappedBuffer(LAST_CHUNK) : Unpooled.EMPTY_BUFFER, promise);
            } else if (chunked && msg instanceof ByteBuf part) {
                if (!part.isReadable()) {
                    ctx.write(part, promise); // an empty chunk would end the body
                    return;
                }
                byte[] size = (Integer.toHexString(part.readableBytes()) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                ctx.write(Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(size), part, Unpooled.wrappedBuffer(CRLF)),
                        promise);
            } else {
                ctx.write(msg, promise);
            }
        }
    }

    @Override
    public void upgraded(ChannelPipeline pipeline) {
        pipeline.remove("encoder");
        pipeline.remove("decoder");
    }

    /**
     * The request line and headers as ngx_http_proxy_create_request writes them: the
     * proxy_set_header lines (with nginx's Host and Connection defaults), the body's framing,
     * then the client's headers that those do not name. Measured first, written once.
     */
    @Override
    public Object encodeRequestHead(HttpExchange x, long bodyLength) {
        List<ProxyConf.HeaderSetting> settings = conf.effectiveHeaders;
        String[] values = new String[settings.size()];
        String target = requestTarget(x);
        if (target.isEmpty()) {
            target = "/";
        }
        String method = x.method();
        int length = method.length() + 1 + ByteBufUtil.utf8Bytes(target) + HTTP_VERSION_LENGTH + 2 + 2;
        // nginx's default Content-Length / Transfer-Encoding lines, after its Host and Connection ones;
        // a proxy_set_header of the same name takes their place, as any default's (empty: none).
        String framing = null;
        String framingValue = null;
        if (bodyLength > 0 && !conf.setHeaderNames.contains("content-length")) {
            framing = "Content-Length";
            framingValue = Long.toString(bodyLength);
        } else if (bodyLength < 0 && !conf.setHeaderNames.contains("transfer-encoding")) {
            framing = "Transfer-Encoding";
            framingValue = "chunked";
        }
        for (int i = 0; i < values.length; i++) {
            ProxyConf.HeaderSetting s = settings.get(i);
            String value = s.value().get(x);
            if (value != null && !value.isEmpty()) {
                values[i] = value;
                length += s.name().length() + value.length() + 4;
            }
        }
        if (framing != null) {
            length += framing.length() + framingValue.length() + 4;
        }
        HttpHeaders client = x.requestHeaders();
        boolean passClient = conf.upstream.passRequestHeaders();
        if (passClient) {
            for (var it = client.iteratorCharSequence(); it.hasNext(); ) {
                Map.Entry<CharSequence, CharSequence> e = it.next();
                length += e.getKey().length() + e.getValue().length() + 4;
            }
        }
        ByteBuf buf = x.connection().channel().alloc().directBuffer(length);
        ByteBufUtil.writeAscii(buf, method);
        buf.writeByte(' ');
        ByteBufUtil.writeUtf8(buf, target);
        buf.writeBytes(conf.httpVersion == 11 ? HTTP_1_1 : HTTP_1_0);
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                header(buf, settings.get(i).name(), values[i]);
            }
        }
        if (framing != null) {
            header(buf, framing, framingValue);
        }
        if (passClient) {
            for (var it = client.iteratorCharSequence(); it.hasNext(); ) {
                Map.Entry<CharSequence, CharSequence> e = it.next();
                CharSequence name = e.getKey();
                if (!OWN_HEADERS.contains(name) && !conf.setHeaderNames.contains(name)) {
                    header(buf, name, e.getValue());
                }
            }
        }
        buf.writeBytes(CRLF);
        return new RequestHead(buf, x.isHead(), bodyLength < 0);
    }

    private static final byte[] HTTP_1_1 = " HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HTTP_1_0 = " HTTP/1.0\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int HTTP_VERSION_LENGTH = HTTP_1_1.length - 2;

    /** One header line; characters past Latin-1 become "?", as Netty's header encoder writes them. */
    private static void header(ByteBuf buf, CharSequence name, CharSequence value) {
        ByteBufUtil.writeAscii(buf, name);
        buf.writeByte(':').writeByte(' ');
        ByteBufUtil.writeAscii(buf, value);
        buf.writeBytes(CRLF);
    }

    @Override
    public boolean keepsConnections() {
        return true;
    }

    @Override
    public boolean streamsChunkedBody() {
        return conf.httpVersion == 11;
    }

    /** A body part as it is; the writer frames it as a chunk when the head said chunked. */
    @Override
    public Object encodeBodyPart(ByteBuf part) {
        return part;
    }

    @Override
    public Object encodeRequestEnd() {
        return REQUEST_END;
    }

    /**
     * nginx's choice of URI: without a URI part in proxy_pass, the client's
     * request target as it came (unless a rewrite or redirect changed the URI:
     * then the escaped $uri and $args); with one, the location's prefix of
     * $uri replaced by that URI.
     */
    @Override
    public String requestTarget(HttpExchange x) {
        ProxyPass pass = conf.pass.of(x);
        if (conf.pass.hasVariables() && pass.uri() != null) {
            return pass.uri(); // a URI rendered from variables goes as it is, args and all
        }
        if (pass.uri() == null && !x.isInternal() && x.requestUri().startsWith("/")) {
            return x.requestUri();
        }
        String uri = x.uri();
        String prefix = "";
        if (pass.uri() != null) {
            prefix = pass.uri();
            String name = x.location().name();
            if (uri.startsWith(name)) {
                uri = uri.substring(name.length());
            }
        }
        StringBuilder sb = new StringBuilder(prefix.length() + uri.length() + 16).append(prefix);
        escape(uri, sb);
        if (x.args() != null) {
            sb.append('?').append(x.args());
        }
        return sb.toString();
    }

    /** nginx's ngx_escape_uri(NGX_ESCAPE_URI): space, "#", "%", "?", controls and non-ASCII as %XX. */
    private static void escape(String uri, StringBuilder out) {
        for (byte b : uri.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c <= 0x20 || c >= 0x7f || c == '#' || c == '%' || c == '?') {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            } else {
                out.append((char) c);
            }
        }
    }

    /**
     * proxy_redirect, on Location and on the URL of Refresh ("5; url=..."): the first
     * rule whose text starts the URL replaces that start. Only a rewritten Location
     * is made absolute by the header filter, as nginx does.
     */
    @Override
    public void rewriteResponseHeaders(HttpExchange x, HttpHeaders headers) {
        List<ProxyConf.Redirect> rules = conf.redirectRules();
        if (rules.isEmpty()) {
            return;
        }
        String location = headers.get("Location");
        if (location != null) {
            String rewritten = rewrite(x, rules, location);
            if (rewritten != null) {
                headers.set("Location", rewritten);
                x.setLocationAsIs(false);
            }
        }
        String refresh = headers.get("Refresh");
        if (refresh != null) {
            int url = refresh.toLowerCase(Locale.ROOT).indexOf("url=");
            if (url >= 0) {
                String rewritten = rewrite(x, rules, refresh.substring(url + 4));
                if (rewritten != null) {
                    headers.set("Refresh", refresh.substring(0, url + 4) + rewritten);
                }
            }
        }
    }

    private String rewrite(HttpExchange x, List<ProxyConf.Redirect> rules, String url) {
        for (ProxyConf.Redirect r : rules) {
            String from;
            String to;
            if (r == ProxyConf.Redirect.DEFAULT) {
                if (conf.pass.hasVariables()) {
                    continue; // nginx has no default rule for a proxy_pass with variables
                }
                // nginx's default: a proxy_pass URL with a URI part becomes the location's name;
                // one without becomes "/" (its root, whatever the location).
                boolean hasUri = conf.pass.uri() != null;
                from = hasUri ? conf.pass.url() : conf.pass.url() + "/";
                to = hasUri ? x.location().name() : "/";
            } else {
                from = r.from().render(x);
                to = r.to().render(x);
            }
            if (!from.isEmpty() && url.startsWith(from)) {
                return to + url.substring(from.length());
            }
        }
        return null;
    }
}
