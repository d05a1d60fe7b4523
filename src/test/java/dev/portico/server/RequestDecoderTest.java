package dev.portico.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.ReferenceCountUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestDecoderTest {

    private static RequestDecoder feed(String... parts) {
        RequestDecoder inspector = new RequestDecoder(new HttpDecoderConfig(), null);
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
}
