package dev.portico.http2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.http.HttpConnection;
import dev.portico.http.HttpExchange;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A response head as HTTP/2 sends it: nginx's ngx_http_v2_header_filter order, names in lower case, no HTTP/1 connection fields. */
class Http2StreamHandlerTest {

    private final HttpExchange exchange = new HttpExchange(new HttpConnection(new EmbeddedChannel(), null),
            new DefaultHttpRequest(Http2RequestDecoder.HTTP_2_0, HttpMethod.GET, "/"), null);

    private static List<String> lines(Http2Headers headers) {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            lines.add(e.getKey() + ": " + e.getValue());
        }
        return lines;
    }

    @Test
    void theHeadIsInNginxsOrderInLowerCaseWithoutConnectionFields() {
        HttpHeaders given = new DefaultHttpHeaders(false);
        given.add("X-Custom", "1");
        given.add(HttpHeaderNames.ETAG, "\"abc\"");
        given.add("Connection", "keep-alive, X-Hop");
        given.add("X-Hop", "next hop only");
        given.add("Keep-Alive", "timeout=5");
        given.add("Transfer-Encoding", "chunked");
        given.add("Host", "example.test");
        given.add("Last-Modified", "Mon, 23 Nov 2026 10:00:00 GMT");
        given.add(HttpHeaderNames.CONTENT_LENGTH, "2");
        given.add("Content-Type", "text/plain");
        given.add("Date", "Tue, 24 Nov 2026 10:00:00 GMT");
        given.add("Server", "portico");
        given.add("Set-Cookie", "a=1");
        given.add("Set-Cookie", "b=2");
        Http2Headers out = new DefaultHttp2Headers(false);
        long length = Http2StreamHandler.finalHeaders(exchange,
                new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, given), null, out);
        assertThat(lines(out)).containsExactly(":status: 200", "server: portico",
                "date: Tue, 24 Nov 2026 10:00:00 GMT", "content-type: text/plain", "content-length: 2",
                "last-modified: Mon, 23 Nov 2026 10:00:00 GMT", "x-custom: 1", "etag: \"abc\"", "set-cookie: a=1",
                "set-cookie: b=2");
        // $bytes_sent's share: the head as HTTP/1.1 text, "HTTP/1.1 200 OK\r\n" ... "\r\n".
        long text = "HTTP/1.1 200 OK\r\n".length() + 2;
        for (String line : lines(out).subList(1, lines(out).size())) {
            text += line.length() + 2;
        }
        assertThat(length).isEqualTo(text);
    }

    @Test
    void aResponseWithoutBodyHasNoContentLength() {
        HttpHeaders given = new DefaultHttpHeaders(false);
        given.add("Server", "portico");
        given.add("Date", "Tue, 24 Nov 2026 10:00:00 GMT");
        given.add("Content-Length", "10");
        Http2Headers out = new DefaultHttp2Headers(false);
        Http2StreamHandler.finalHeaders(exchange,
                new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED, given), null, out);
        assertThat(lines(out)).containsExactly(":status: 304", "server: portico",
                "date: Tue, 24 Nov 2026 10:00:00 GMT");
    }
}
