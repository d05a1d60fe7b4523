package dev.portico.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.config.ConfigException;
import dev.portico.config.ConfigFixture;
import dev.portico.core.Snapshot;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.HttpServerConf;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import io.netty.util.ReferenceCountUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestDecoderTest {

    @TempDir
    static Path dir;

    /** A server's header buffers, as the configuration sets them; nginx's defaults (1k, 4 8k) unless told. */
    private static HttpServerConf buffers(String directives) {
        try {
            Snapshot s = ConfigFixture.load(dir, "http { server { listen 127.0.0.1:18097; " + directives + " } }\n");
            return s.http().sockets().get(0).serverNames(null).defaultServer().serverConf()
                    .get(HttpCoreModule.SERVER_CONF);
        } catch (ConfigException e) {
            throw new AssertionError(e);
        }
    }

    private static RequestDecoder feed(String... parts) {
        return feed(buffers(""), parts);
    }

    private static RequestDecoder feed(HttpServerConf buffers, String... parts) {
        RequestDecoder inspector = new RequestDecoder(buffers, null);
        EmbeddedChannel ch = new EmbeddedChannel(inspector);
        for (String part : parts) {
            ch.writeInbound(Unpooled.copiedBuffer(part, StandardCharsets.ISO_8859_1));
        }
        Object o;
        while ((o = ch.readInbound()) != null) {
            ReferenceCountUtil.release(o);
        }
        ch.finishAndReleaseAll();
        return inspector;
    }

    @Test
    void foldedHeaderLineIsSeen() {
        assertThat(feed("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n  more\r\n\r\n").obsFoldSeen()).isTrue();
        assertThat(feed("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\tmore\r\n\r\n").obsFoldSeen()).isTrue();
    }

    @Test
    void foldAcrossReadsIsSeen() {
        assertThat(feed("GET / HTTP/1.1\r\nHost: a\r", "\n", " b\r\n\r\n").obsFoldSeen()).isTrue();
    }

    @Test
    void ordinaryHeadIsClean() {
        assertThat(feed("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1  2\r\n\r\n").obsFoldSeen()).isFalse();
    }

    @Test
    void bodyBytesAfterTheHeadAreNotScanned() {
        assertThat(feed("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nab\r\n cdef").obsFoldSeen()).isFalse();
    }

    @Test
    void aHeaderLineLongerThanOneLargeBufferIsTooLong() {
        // nginx 1.22.1 answered 400 (494) to this and logged the line's first 1748 bytes.
        String line = "X-Big: " + "a".repeat(9000);
        String said = feed("GET / HTTP/1.1\r\nHost: a\r\n" + line + "\r\n\r\n").headTooLarge();
        assertThat(said).isEqualTo("client sent too long header line: \"" + line.substring(0, 1748) + "...\"");
        assertThat(feed("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "a".repeat(8000) + "\r\n\r\n")
                .headTooLarge()).isNull();
    }

    @Test
    void aHeadNeedingAFifthLargeBufferIsTooLarge() {
        // Five 7,007-byte lines: each takes a large buffer of its own (a line is never split), so
        // the fifth starts 1,185 bytes before the fourth buffer's end and finds no buffer left;
        // nginx 1.22.1 logged those 1,185 bytes. Four such lines fit.
        StringBuilder head = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
        for (char c = 'A'; c <= 'D'; c++) {
            head.append("X-").append(c).append(": ").append(String.valueOf(c).repeat(7000)).append("\r\n");
        }
        assertThat(feed(head + "\r\n").headTooLarge()).isNull();
        String fifth = "X-E: " + "e".repeat(7000);
        String said = feed(head + fifth + "\r\n\r\n").headTooLarge();
        assertThat(said).isEqualTo("client sent too long header line: \"" + fifth.substring(0, 1185) + "...\"");
    }

    @Test
    void theNextHeadStartsInFreshBuffers() {
        RequestDecoder inspector = new RequestDecoder(buffers(""), null);
        EmbeddedChannel ch = new EmbeddedChannel(inspector);
        StringBuilder head = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
        for (char c = 'A'; c <= 'D'; c++) {
            head.append("X-").append(c).append(": ").append(String.valueOf(c).repeat(7000)).append("\r\n");
        }
        ch.writeInbound(Unpooled.copiedBuffer(head + "\r\n", StandardCharsets.ISO_8859_1));
        inspector.expectHead();
        ch.writeInbound(Unpooled.copiedBuffer(head + "\r\n", StandardCharsets.ISO_8859_1));
        assertThat(inspector.headTooLarge()).isNull();
        Object o;
        while ((o = ch.readInbound()) != null) {
            ReferenceCountUtil.release(o);
        }
        ch.finishAndReleaseAll();
    }
}
