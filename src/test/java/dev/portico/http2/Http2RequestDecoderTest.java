package dev.portico.http2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.log.LogLevel;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2StreamFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An HTTP/2 stream's HEADERS and DATA frames as the request pipeline reads
 * them, built as nginx's ngx_http_v2.c builds a request, and the refusals in
 * nginx's words. No sockets: frames in, HTTP objects out.
 */
class Http2RequestDecoderTest {

    /** The connection side: nginx's default limits (large_client_header_buffers 4 8k), errors recorded. */
    private static final class Recorder implements Http2RequestDecoder.Connection {
        final List<String> errors = new ArrayList<>();
        final List<String> logged = new ArrayList<>();

        @Override
        public Http2Session.Limits limits() {
            return new Http2Session.Limits(8192, 4 * 8192, false, true);
        }

        @Override
        public void connectionError(Http2Error error, String reason) {
            errors.add(error + ": " + reason);
        }

        @Override
        public void log(LogLevel level, String message) {
            logged.add(message);
        }
    }

    private final Recorder connection = new Recorder();
    /** One decoder per stream, as on a connection: a second HEADERS frame on it would be trailers. */
    private final class Stream {
        final Http2RequestDecoder decoder = new Http2RequestDecoder(connection);
        final ArrayDeque<Object> out = new ArrayDeque<>();

        /** As the stream's handler does: what the frame means, then the frame released. */
        void writeInbound(Http2StreamFrame frame) {
            List<Object> decoded = new ArrayList<>();
            decoder.decode(frame, decoded);
            io.netty.util.ReferenceCountUtil.release(frame);
            out.addAll(decoded);
        }

        @SuppressWarnings("unchecked")
        <T> T readInbound() {
            return (T) out.poll();
        }
    }

    private Stream channel = new Stream();

    private static Http2Headers get(String path) {
        return new DefaultHttp2Headers(false).method("GET").scheme("https").path(path).authority("example.test:8443");
    }

    private HttpRequest request(Http2Headers headers, boolean endStream) {
        channel = new Stream();
        channel.writeInbound(new DefaultHttp2HeadersFrame(headers, endStream));
        Object first = channel.readInbound();
        assertThat(first).isInstanceOf(HttpRequest.class);
        return (HttpRequest) first;
    }

    private String refusal(Http2Headers headers) {
        HttpRequest r = request(headers, true);
        assertThat(r.decoderResult().isFailure()).as("refused").isTrue();
        releaseAll();
        return r.decoderResult().cause().getMessage();
    }

    private void releaseAll() {
        for (Object o = channel.readInbound(); o != null; o = channel.readInbound()) {
            io.netty.util.ReferenceCountUtil.release(o);
        }
    }

    @Test
    void pseudoHeadersMakeTheRequestLineAndAuthorityTheHost() {
        HttpRequest r = request(get("/a/b?x=1").add("user-agent", "t"), true);
        assertThat(r.decoderResult().isSuccess()).isTrue();
        assertThat(r.method().name()).isEqualTo("GET");
        assertThat(r.uri()).isEqualTo("/a/b?x=1");
        assertThat(r.protocolVersion().text()).isEqualTo("HTTP/2.0");
        assertThat(r.headers().names()).containsExactly("host", "user-agent");
        assertThat(r.headers().get("host")).isEqualTo("example.test:8443");
        assertThat(r.headers().contains("transfer-encoding")).isFalse();
        assertThat((Object) channel.readInbound()).isInstanceOf(LastHttpContent.class);
    }

    @Test
    void cookieFieldsAreJoinedWithSemicolons() {
        HttpRequest r = request(get("/").add("cookie", "a=1").add("accept", "*/*").add("cookie", "b=2"), true);
        assertThat(r.headers().getAll("cookie")).containsExactly("a=1; b=2");
        releaseAll();
    }

    @Test
    void aBodyWithoutLengthIsReadAsOfUnknownLengthAndDataFramesBecomeContent() {
        HttpRequest r = request(get("/upload").method("POST"), false);
        assertThat(r.headers().get("transfer-encoding")).isEqualTo("chunked");
        channel.writeInbound(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII), false));
        channel.writeInbound(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("de", StandardCharsets.US_ASCII), true));
        HttpContent first = channel.readInbound();
        HttpContent last = channel.readInbound();
        assertThat(first).isNotInstanceOf(LastHttpContent.class);
        assertThat(first.content().toString(StandardCharsets.US_ASCII)).isEqualTo("abc");
        assertThat(last).isInstanceOf(LastHttpContent.class);
        assertThat(last.content().toString(StandardCharsets.US_ASCII)).isEqualTo("de");
        first.release();
        last.release();
    }

    @Test
    void connectionSpecificHeadersAreRefusedAsNginxDoes() {
        assertThat(refusal(get("/").add("connection", "keep-alive"))).isEqualTo("client sent \"Connection\" header");
        assertThat(refusal(get("/").add("keep-alive", "5"))).isEqualTo("client sent \"Keep-Alive\" header");
        assertThat(refusal(get("/").add("transfer-encoding", "chunked")))
                .isEqualTo("client sent \"Transfer-Encoding\" header");
        assertThat(refusal(get("/").add("upgrade", "websocket"))).isEqualTo("client sent \"Upgrade\" header");
        assertThat(refusal(get("/").add("te", "gzip"))).isEqualTo("client sent invalid \"TE\" header");
        HttpRequest trailers = request(get("/").add("te", "trailers"), true);
        assertThat(trailers.decoderResult().isSuccess()).isTrue();
        releaseAll();
    }

    @Test
    void malformedPseudoHeadersAreRefusedInNginxsWords() {
        assertThat(refusal(new DefaultHttp2Headers(false).scheme("http").path("/").authority("a")))
                .isEqualTo("client sent no :method header");
        assertThat(refusal(new DefaultHttp2Headers(false).method("GET").path("/").authority("a")))
                .isEqualTo("client sent no :scheme header");
        assertThat(refusal(new DefaultHttp2Headers(false).method("GET").scheme("http").authority("a")))
                .isEqualTo("client sent no :path header");
        assertThat(refusal(get("/").method("get"))).isEqualTo("client sent invalid method: \"get\"");
        assertThat(refusal(get("/").add(":protocol", "websocket")))
                .isEqualTo("client sent unknown pseudo-header \":protocol\"");
        assertThat(refusal(get("/").add("X-Upper", "1"))).isEqualTo("client sent invalid header name: \"X-Upper\"");
        assertThat(refusal(get("/").add("x-a", "1\r\n2")))
                .isEqualTo("client sent header \"x-a\" with invalid value: \"1\r\n2\"");
        assertThat(refusal(new DefaultHttp2Headers(false).method("GET").scheme("http").path("/")))
                .isEqualTo("client sent neither \":authority\" nor \"Host\" header");
        assertThat(refusal(get("/").add("host", "other.test")))
                .isEqualTo("client sent \":authority\" and \"Host\" headers with different values");
        assertThat(refusal(get("/").add("content-length", "5")))
                .isEqualTo("client prematurely closed stream");
    }

    @Test
    void headerNamesNginxIgnoresAreDroppedAndLogged() {
        HttpRequest r = request(get("/").add("x.dot", "1").add("x-ok", "2"), true);
        assertThat(r.decoderResult().isSuccess()).isTrue();
        assertThat(r.headers().contains("x.dot")).isFalse();
        assertThat(r.headers().get("x-ok")).isEqualTo("2");
        assertThat(connection.logged).containsExactly("client sent invalid header: \"x.dot\"");
        releaseAll();
    }

    @Test
    void headersBeyondLargeClientHeaderBuffersEndTheConnection() {
        channel.writeInbound(new DefaultHttp2HeadersFrame(get("/").add("x-big", "v".repeat(8193)), true));
        assertThat((Object) channel.readInbound()).isNull();
        Http2Headers many = get("/");
        for (int i = 0; i < 5; i++) {
            many.add("x-h" + i, "v".repeat(8000));
        }
        Stream second = new Stream();
        second.writeInbound(new DefaultHttp2HeadersFrame(many, true));
        assertThat((Object) second.readInbound()).isNull();
        assertThat(connection.errors).containsExactly(
                "ENHANCE_YOUR_CALM: client sent too large header field",
                "ENHANCE_YOUR_CALM: client sent too large header");
    }
}
