package dev.portico.proxy.uwsgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portico.http.HttpConnection;
import dev.portico.http.HttpExchange;
import dev.portico.http.Template;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The protocol object the engine drives: what it writes on an upstream connection. */
@ExtendWith(LeakWatch.class)
class UwsgiProtocolTest {

    private final TrackingAllocator alloc = new TrackingAllocator();
    private final EmbeddedChannel client = new EmbeddedChannel();
    private final EmbeddedChannel upstream = new EmbeddedChannel();

    @AfterEach
    void close() {
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
        assertThat(alloc.unreleased()).isEmpty();
    }

    private HttpExchange exchange(String method, String uri, String... headerPairs) {
        client.config().setAllocator(alloc);
        DefaultHttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), uri);
        for (int i = 0; i < headerPairs.length; i += 2) {
            request.headers().add(headerPairs[i], headerPairs[i + 1]);
        }
        return new HttpExchange(new HttpConnection(client, null), request, null);
    }

    private static UwsgiProtocol protocol(int modifier1, UwsgiParam... params) {
        return new UwsgiProtocol(new UwsgiSettings(List.of(params), modifier1, 0, true, 4096));
    }

    @Test
    void whatTheEngineAsksOfIt() {
        UwsgiProtocol p = protocol(0);
        HttpExchange x = exchange("GET", "/a?b");
        assertThat(p.scheme(false)).isEqualTo("uwsgi");
        assertThat(p.scheme(true)).as("suwsgi:// over TLS").isEqualTo("suwsgi");
        assertThat(p.requestTarget(x)).as("nginx's log shows uwsgi://host:port with no URI").isEmpty();
        assertThat(p.streamsChunkedBody()).as("CONTENT_LENGTH must be known").isFalse();
        assertThat(p.keepsConnections()).as("nginx's uwsgi: one connection per request").isFalse();
        p.initChannel(upstream.pipeline());
        assertThat(upstream.pipeline().get(UwsgiResponseDecoder.class)).isNotNull();
        UwsgiRequestPacket get = (UwsgiRequestPacket) p.encodeRequestHead(x, 0);
        UwsgiRequestPacket head = (UwsgiRequestPacket) p.encodeRequestHead(exchange("HEAD", "/"), 0);
        assertThat(get.head()).isFalse();
        assertThat(head.head()).as("the decoder must not wait for the body of a HEAD").isTrue();
        get.release();
        head.release();
    }

    @Test
    void thePacketThenTheBodyGoOutAsBytes() {
        UwsgiProtocol p = protocol(0, new UwsgiParam("REQUEST_METHOD", Template.literal("POST"), false),
                new UwsgiParam("CONTENT_LENGTH", Template.literal("11"), false));
        HttpExchange x = exchange("POST", "/upload", "Content-Length", "11", "X-Test", "yes");
        p.initChannel(upstream.pipeline());
        upstream.writeOutbound(p.encodeRequestHead(x, 11));
        ByteBuf part1 = alloc.buffer().writeBytes("hello ".getBytes(StandardCharsets.US_ASCII));
        ByteBuf part2 = alloc.buffer().writeBytes("world".getBytes(StandardCharsets.US_ASCII));
        upstream.writeOutbound(p.encodeBodyPart(part1), p.encodeBodyPart(part2), p.encodeRequestEnd());

        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (ByteBuf b; (b = upstream.readOutbound()) != null; ) {
            wire.writeBytes(ByteBufUtil.getBytes(b));
            b.release();
        }
        byte[] bytes = wire.toByteArray();
        int size = (bytes[1] & 0xff) | (bytes[2] & 0xff) << 8;
        byte[] packet = java.util.Arrays.copyOf(bytes, 4 + size);
        UwsgiPacket parsed = UwsgiPacket.parse(packet);
        assertThat(parsed.variables().stream().map(UwsgiPacket.Variable::toString)).containsExactly(
                "REQUEST_METHOD=POST", "CONTENT_LENGTH=11", "HTTP_CONTENT_LENGTH=11", "HTTP_X_TEST=yes");
        assertThat(new String(bytes, 4 + size, bytes.length - 4 - size, StandardCharsets.US_ASCII))
                .isEqualTo("hello world");
    }

    @Test
    void aRequestTooBigForAPacketIsRefused() {
        UwsgiProtocol p = protocol(0, new UwsgiParam("X", Template.literal("v"), false));
        HttpExchange x = exchange("GET", "/", "X-Huge", "h".repeat(70_000));
        assertThatThrownBy(() -> p.encodeRequestHead(x, 0))
                .isInstanceOf(UwsgiRequestTooBigException.class)
                .hasMessage("uwsgi request is too big: " + (2 + 1 + 2 + 1 + 2 + 11 + 2 + 70_000));
        assertThat(alloc.allocations()).isZero();
    }
}
