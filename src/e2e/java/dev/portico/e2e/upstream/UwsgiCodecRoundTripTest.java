package dev.portico.e2e.upstream;

import static dev.portico.e2e.upstream.UpstreamHarnessTest.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portico.http.Template;
import dev.portico.proxy.uwsgi.LeakWatch;
import dev.portico.proxy.uwsgi.UwsgiParam;
import dev.portico.proxy.uwsgi.UwsgiRequestEncoder;
import dev.portico.proxy.uwsgi.UwsgiRequestTooBigException;
import dev.portico.proxy.uwsgi.UwsgiSettings;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.ResourceLeakDetector;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Portico's uwsgi codec against Debian's real uWSGI running examples/flaskapp on a unix
 * socket: packets built by {@link UwsgiRequestEncoder} and answers read back through the
 * decoder that {@link dev.portico.proxy.uwsgi.UwsgiProtocol} installs, on a Netty channel.
 */
@ExtendWith(LeakWatch.class)
class UwsgiCodecRoundTripTest {

    @TempDir
    static Path dir;
    private static Uwsgi uwsgi;
    private static EventLoopGroup group;
    private static ResourceLeakDetector.Level leakLevel;

    @BeforeAll
    static void start() {
        leakLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        uwsgi = Uwsgi.start(dir, dir.resolve("app.sock").toString(), 1, 2, Duration.ofSeconds(30));
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        try {
            if (group != null) {
                group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
            }
        } finally {
            if (uwsgi != null) {
                uwsgi.close();
            }
            ResourceLeakDetector.setLevel(leakLevel);
        }
    }

    /** The decoded answer, complete: its head and its body. */
    private record Answer(HttpResponse head, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** nginx's uwsgi_params list, in order, with values for a request (HTTPS empty: if_not_empty leaves it out). */
    private static Map<String, String> cgi(String method, String uri, String contentLength) {
        int q = uri.indexOf('?');
        String[] pairs = {
            "QUERY_STRING", q < 0 ? "" : uri.substring(q + 1), "REQUEST_METHOD", method,
            "CONTENT_TYPE", contentLength.isEmpty() ? "" : "application/octet-stream", "CONTENT_LENGTH", contentLength,
            "REQUEST_URI", uri, "PATH_INFO", q < 0 ? uri : uri.substring(0, q),
            "DOCUMENT_ROOT", "/usr/share/nginx/html", "SERVER_PROTOCOL", "HTTP/1.1",
            "REQUEST_SCHEME", "http", "HTTPS", "",
            "REMOTE_ADDR", "192.0.2.7", "REMOTE_PORT", "51234", "SERVER_PORT", "8080", "SERVER_NAME", "example.test",
        };
        Map<String, String> v = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            v.put(pairs[i], pairs[i + 1]);
        }
        return v;
    }

    private static UwsgiSettings settings(Map<String, String> cgi) {
        List<UwsgiParam> params = new ArrayList<>();
        cgi.forEach((name, value) -> params.add(new UwsgiParam(name, Template.literal(value), name.equals("HTTPS"))));
        return new UwsgiSettings(params, 0, 0, true, 4096);
    }

    private static ByteBuf packet(Map<String, String> cgi, HttpHeaders headers) {
        return new UwsgiRequestEncoder(settings(cgi)).encode(ByteBufAllocator.DEFAULT,
                cgi.values().toArray(String[]::new), headers);
    }

    /** Sends the packet and body on a new connection to the app's socket; reads the answer until its end. */
    private static Answer exchange(ByteBuf packet, byte[] body) throws Exception {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        Bootstrap b = new Bootstrap().group(group).channel(NioDomainSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        new dev.portico.proxy.uwsgi.UwsgiProtocol(new UwsgiSettings(List.of(), 0, 0, true, 4096))
                                .initChannel(ch.pipeline());
                        ch.pipeline().addLast(new Collector(answer));
                    }
                });
        Channel ch;
        try {
            ch = b.connect(UnixDomainSocketAddress.of(uwsgi.socketPath())).sync().channel();
        } catch (Exception e) {
            packet.release();
            throw e;
        }
        try {
            ch.write(packet);
            ch.writeAndFlush(body == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body)).sync();
            return answer.get(30, TimeUnit.SECONDS);
        } finally {
            ch.close().sync();
        }
    }

    /** Completes the answer at its LastHttpContent only; a close before it fails the exchange. */
    private static final class Collector extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Answer> answer;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private HttpResponse head;

        Collector(CompletableFuture<Answer> answer) {
            this.answer = answer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpResponse r) {
                    if (r.decoderResult().isFailure()) {
                        answer.completeExceptionally(r.decoderResult().cause());
                        return;
                    }
                    head = r;
                    return; // a failed head is a full response too; a good one carries no body
                }
                if (msg instanceof HttpContent c) {
                    body.writeBytes(ByteBufUtil.getBytes(c.content()));
                    if (c instanceof LastHttpContent) {
                        answer.complete(new Answer(head, body.toByteArray()));
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            answer.completeExceptionally(new IOException("closed before the end of the response; head: " + head));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            answer.completeExceptionally(cause);
        }
    }

    @Test
    void theAppSeesTheCgiVariablesAndHeadersAsNginxSendsThem() throws Exception {
        HttpHeaders headers = new DefaultHttpHeaders();
        String[] received = {"Host", "example.test:8080", "X-Test", "yes", "X-Multi", "a", "Cookie", "c=1",
            "x-multi", "b", "cookie", "d=2"};
        for (int i = 0; i < received.length; i += 2) {
            headers.add(received[i], received[i + 1]);
        }
        Answer a = exchange(packet(cgi("GET", "/echo/u?x=1&y=%20z", ""), headers), null);

        assertThat(a.head().status().code()).isEqualTo(200);
        assertThat(a.head().headers().get("Content-Type")).isEqualTo("application/json");
        assertThat(a.head().headers().getInt("Content-Length")).isEqualTo(a.body().length);
        FlaskApp.Echo echo = FlaskApp.Echo.parse(a.text());
        assertThat(echo.method()).isEqualTo("GET");
        assertThat(echo.uri()).isEqualTo("/echo/u?x=1&y=%20z");
        assertThat(echo.remoteAddr()).isEqualTo("192.0.2.7");
        assertThat(echo.bodyLength()).isZero();
        assertThat(echo.environ()).containsEntry("REQUEST_METHOD", "GET").containsEntry("QUERY_STRING", "x=1&y=%20z")
                .containsEntry("PATH_INFO", "/echo/u").containsEntry("REQUEST_URI", "/echo/u?x=1&y=%20z")
                .containsEntry("SERVER_PROTOCOL", "HTTP/1.1").containsEntry("SERVER_NAME", "example.test")
                .containsEntry("SERVER_PORT", "8080").containsEntry("REMOTE_PORT", "51234")
                .containsEntry("REQUEST_SCHEME", "http").containsEntry("DOCUMENT_ROOT", "/usr/share/nginx/html")
                .containsEntry("CONTENT_LENGTH", "").containsEntry("HTTPS", null);
        assertThat(echo.headers()).contains(Map.entry("Host", "example.test:8080"), Map.entry("X-Test", "yes"),
                Map.entry("X-Multi", "a, b"), Map.entry("Cookie", "c=1; d=2"));
        assertThat(Json.object(a.text()).get("args")).isEqualTo(Map.of("x", List.of("1"), "y", List.of(" z")));
    }

    @Test
    void aUtf8PathReachesTheAppDecoded() throws Exception {
        Answer a = exchange(packet(cgi("GET", "/echo/caf\u00e9", ""), new DefaultHttpHeaders()), null);
        assertThat(Json.object(a.text())).as("Flask's request.path").containsEntry("path", "/echo/caf\u00e9");
    }

    @Test
    void aBodyFollowsThePacket() throws Exception {
        byte[] body = new byte[1 << 20];
        new Random(7).nextBytes(body);
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.add("Content-Length", String.valueOf(body.length));
        Answer a = exchange(packet(cgi("POST", "/upload", String.valueOf(body.length)), headers), body);
        assertThat(a.head().status().code()).isEqualTo(200);
        assertThat(Json.object(a.text())).containsEntry("length", (long) body.length)
                .containsEntry("sha256", sha256(body));
    }

    @Test
    void aBodyWithALengthAndOneUntilTheClose() throws Exception {
        Answer sized = exchange(packet(cgi("GET", "/big?mb=1", ""), new DefaultHttpHeaders()), null);
        assertThat(sized.head().headers().getInt("Content-Length")).isEqualTo(1 << 20);
        assertThat(sha256(sized.body())).isEqualTo(FlaskApp.bigSha256(1 << 20));

        // Without a length uWSGI closes after the body: the close must end it with a LastHttpContent.
        Answer unsized = exchange(packet(cgi("GET", "/big?mb=1&chunked=1", ""), new DefaultHttpHeaders()), null);
        assertThat(unsized.head().headers().contains("Content-Length")).isFalse();
        assertThat(unsized.head().headers().contains("Transfer-Encoding")).as("uWSGI does not chunk").isFalse();
        assertThat(sha256(unsized.body())).isEqualTo(FlaskApp.bigSha256(1 << 20));
    }

    @Test
    void anErrorStatusAndRepeatedHeaders() throws Exception {
        Answer a = exchange(packet(cgi("GET", "/status/404", ""), new DefaultHttpHeaders()), null);
        assertThat(a.head().status().code()).isEqualTo(404);
        assertThat(a.head().headers().getAll("Set-Cookie")).containsExactly("a=1; Path=/", "b=2");
        assertThat(a.text()).isEqualTo("status 404\n");
    }

    @Test
    void thePacketLimitOf65535BytesIsWhatUwsgiTakes() throws Exception {
        Map<String, String> cgi = cgi("GET", "/echo", "");
        int paramsSize = 0;
        for (Map.Entry<String, String> e : cgi.entrySet()) {
            if (!e.getKey().equals("HTTPS")) {
                paramsSize += 4 + e.getKey().length() + e.getValue().length();
            }
        }
        // HTTP_X_PAD: 2 + 10 + 2 + n bytes; fill the variables to exactly 65535 (uWSGI's buffer-size).
        int pad = 65535 - paramsSize - 14;
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.add("X-Pad", "p".repeat(pad));
        ByteBuf largest = packet(cgi, headers);
        assertThat(largest.readableBytes()).isEqualTo(4 + 65535);
        Answer a = exchange(largest, null);
        assertThat(a.head().status().code()).isEqualTo(200);
        assertThat(FlaskApp.Echo.parse(a.text()).header("X-Pad")).isEqualTo("p".repeat(pad));

        headers.set("X-Pad", "p".repeat(pad + 1));
        assertThatThrownBy(() -> packet(cgi, headers)).isInstanceOf(UwsgiRequestTooBigException.class)
                .hasMessage("uwsgi request is too big: 65536");
    }
}
