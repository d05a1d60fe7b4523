package dev.portico.proxy.http;

import dev.portico.http.HeaderNames;
import dev.portico.http.HttpExchange;
import dev.portico.proxy.UpstreamProtocol;
import dev.portico.proxy.UpstreamResponseDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
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
        pipeline.addLast("encoder", new RequestEncoder(this, decoder));
    }

    @Override
    public boolean reinitChannel(ChannelPipeline pipeline) {
        return pipeline.get("encoder") instanceof RequestEncoder encoder && encoder.protocol == this
                && encoder.decoder.reset();
    }

    /** The request encoder, which tells the response decoder of each request (a HEAD's response has no body). */
    private static final class RequestEncoder extends HttpRequestEncoder {
        final HttpProxyProtocol protocol;
        final UpstreamResponseDecoder decoder;

        RequestEncoder(HttpProxyProtocol protocol, UpstreamResponseDecoder decoder) {
            this.protocol = protocol;
            this.decoder = decoder;
        }

        @Override
        protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws Exception {
            if (msg instanceof HttpRequest request) {
                decoder.requestSent(HttpMethod.HEAD.equals(request.method()));
            }
            super.encode(ctx, msg, out);
        }
    }

    @Override
    public void upgraded(ChannelPipeline pipeline) {
        pipeline.remove("encoder");
        pipeline.remove("decoder");
    }

    @Override
    public Object encodeRequestHead(HttpExchange x, long bodyLength) {
        HttpHeaders h = new DefaultHttpHeaders(false);
        for (ProxyConf.HeaderSetting s : conf.effectiveHeaders) {
            String value = s.value().get(x);
            value = value == null ? "" : value;
            if (!value.isEmpty()) {
                h.add(s.name(), value);
            }
        }
        if (bodyLength > 0) {
            h.set("Content-Length", Long.toString(bodyLength));
        } else if (bodyLength < 0) {
            h.set("Transfer-Encoding", "chunked");
        }
        if (conf.upstream.passRequestHeaders()) {
            for (var it = x.requestHeaders().iteratorCharSequence(); it.hasNext(); ) {
                Map.Entry<CharSequence, CharSequence> e = it.next();
                CharSequence name = e.getKey();
                if (!OWN_HEADERS.contains(name) && !conf.setHeaderNames.contains(name)) {
                    h.add(name, e.getValue());
                }
            }
        }
        HttpVersion version = conf.httpVersion == 11 ? HttpVersion.HTTP_1_1 : HttpVersion.HTTP_1_0;
        return new DefaultHttpRequest(version, HttpMethod.valueOf(x.method()), requestTarget(x), h);
    }

    @Override
    public boolean keepsConnections() {
        return true;
    }

    @Override
    public boolean streamsChunkedBody() {
        return conf.httpVersion == 11;
    }

    @Override
    public Object encodeBodyPart(ByteBuf part) {
        return new DefaultHttpContent(part);
    }

    @Override
    public Object encodeRequestEnd() {
        return LastHttpContent.EMPTY_LAST_CONTENT;
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
