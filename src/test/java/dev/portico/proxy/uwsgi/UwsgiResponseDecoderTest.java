package dev.portico.proxy.uwsgi;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** uWSGI's answers through the decoder UwsgiProtocol installs, on an EmbeddedChannel. */
@ExtendWith(LeakWatch.class)
class UwsgiResponseDecoderTest {

    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void everyBufferReleased() {
        assertThat(alloc.unreleased()).isEmpty();
    }

    /** What came out of the decoder: the heads, the body bytes, whether a LastHttpContent ended it. */
    private record Decoded(List<HttpResponse> heads, byte[] body, int lastContents, List<byte[]> raw) {
        HttpResponse head() {
            assertThat(heads).hasSize(1);
            return heads.get(0);
        }

        String bodyText() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    private EmbeddedChannel channel(int bufferSize) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAllocator(alloc);
        new UwsgiProtocol(new UwsgiSettings(List.of(), 0, 0, true, bufferSize)).initChannel(ch.pipeline());
        return ch;
    }

    /** Feeds {@code response} in reads of {@code step} bytes, then closes the connection when asked. */
    private Decoded decode(int bufferSize, String response, int step, boolean close) {
        EmbeddedChannel ch = channel(bufferSize);
        byte[] bytes = response.getBytes(StandardCharsets.ISO_8859_1);
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += step) {
            ByteBuf piece = alloc.buffer().writeBytes(bytes, i, Math.min(step, bytes.length - i));
            ch.writeInbound(piece);
            drain(ch, out);
        }
        if (close) {
            ch.finish();
            drain(ch, out);
        }
        List<HttpResponse> heads = new ArrayList<>();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        List<byte[]> raw = new ArrayList<>();
        int lasts = 0;
        try {
            for (Object msg : out) {
                if (msg instanceof HttpResponse head) {
                    heads.add(head);
                    if (head.decoderResult().isFailure()) {
                        continue; // a refused head: Netty's invalid message is a full response, no body of its own
                    }
                }
                if (msg instanceof HttpContent content) {
                    assertThat(content.decoderResult().isSuccess()).as("content decoded").isTrue();
                    body.writeBytes(ByteBufUtil.getBytes(content.content()));
                    if (content instanceof LastHttpContent) {
                        lasts++;
                    }
                }
                if (msg instanceof ByteBuf b) {
                    raw.add(ByteBufUtil.getBytes(b));
                }
            }
        } finally {
            out.forEach(ReferenceCountUtil::release);
            if (!close) {
                ch.finishAndReleaseAll();
            }
        }
        return new Decoded(heads, body.toByteArray(), lasts, raw);
    }

    private static void drain(EmbeddedChannel ch, List<Object> out) {
        for (Object msg; (msg = ch.readInbound()) != null; ) {
            out.add(msg);
        }
    }

    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
            + "X-Two: a\r\nX-Two: b\r\n\r\nhello";

    @Test
    void aHeadWithContentLength() {
        Decoded d = decode(4096, OK, Integer.MAX_VALUE, false);
        assertThat(d.head().decoderResult().isSuccess()).isTrue();
        assertThat(d.head().status().code()).isEqualTo(200);
        assertThat(d.head().headers().getAll("X-Two")).containsExactly("a", "b");
        assertThat(d.head().headers().get("Content-Type")).isEqualTo("text/plain");
        assertThat(d.bodyText()).isEqualTo("hello");
        assertThat(d.lastContents()).as("the body ends at its length, before any close").isEqualTo(1);
    }

    @Test
    void theSameAnswerReadOneByteAtATime() {
        Decoded d = decode(4096, OK, 1, false);
        assertThat(d.head().status().code()).isEqualTo(200);
        assertThat(d.head().headers().getAll("X-Two")).containsExactly("a", "b");
        assertThat(d.bodyText()).isEqualTo("hello");
        assertThat(d.lastContents()).isEqualTo(1);
    }

    @Test
    void aBodyUntilCloseEndsWithLastContentNotAnError() {
        String response = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n"
                + "x".repeat(100_000);
        Decoded open = decode(4096, response, 7000, false);
        assertThat(open.body()).hasSize(100_000);
        assertThat(open.lastContents()).as("no end while the connection is open").isZero();

        Decoded closed = decode(4096, response, 7000, true);
        assertThat(closed.head().status().code()).isEqualTo(200);
        assertThat(closed.body()).hasSize(100_000);
        assertThat(closed.lastContents()).isEqualTo(1);
    }

    @Test
    void anEmptyBodyUntilClose() {
        Decoded d = decode(4096, "HTTP/1.1 200 OK\r\n\r\n", Integer.MAX_VALUE, true);
        assertThat(d.head().status().code()).isEqualTo(200);
        assertThat(d.body()).isEmpty();
        assertThat(d.lastContents()).isEqualTo(1);
    }

    @Test
    void aChunkedBodyIsDecoded() {
        Decoded d = decode(4096, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", 3, false);
        assertThat(d.bodyText()).isEqualTo("abcde");
        assertThat(d.lastContents()).isEqualTo(1);
    }

    @Test
    void aBodyCutShortOfItsLengthHasNoEnd() {
        // The engine sees the close itself: "upstream prematurely closed connection while reading upstream".
        Decoded d = decode(4096, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", Integer.MAX_VALUE, true);
        assertThat(d.bodyText()).isEqualTo("abc");
        assertThat(d.lastContents()).isZero();
    }

    @Test
    void bytesAfterTheResponseAreDropped() {
        Decoded d = decode(4096, OK + "HTTP/1.1 500 Oops\r\n\r\n", Integer.MAX_VALUE, true);
        assertThat(d.head().status().code()).isEqualTo(200);
        assertThat(d.bodyText()).isEqualTo("hello");
        assertThat(d.lastContents()).isEqualTo(1);
    }

    @Test
    void bareLineFeedsEndLinesAsNginxAllows() {
        Decoded d = decode(4096, "HTTP/1.1 201 Created\nLocation: /x\n\nbody", Integer.MAX_VALUE, true);
        assertThat(d.head().status().code()).isEqualTo(201);
        assertThat(d.head().headers().get("Location")).isEqualTo("/x");
        assertThat(d.bodyText()).isEqualTo("body");
    }

    @Test
    void badStatusLinesFail() {
        for (String bad : List.of("HTTP/1.1 abc OK\r\n\r\n", "HTTP/9 200 OK\r\n\r\n", "HTTP/1.1\r\n\r\n",
                "HTTP/1.1 20200 OK\r\n\r\n", "HTTP/1.1 +200 OK\r\n\r\n", "HTTP/1.1 099 Low\r\n\r\n",
                "HTTP/1.1 200 OK\r\nBad@Name: x\r\n\r\n", "HTTP/1.1 200 OK\r\n: empty\r\n\r\n")) {
            Decoded d = decode(4096, bad + "more bytes", Integer.MAX_VALUE, true);
            assertThat(d.head().decoderResult().isFailure()).as(bad).isTrue();
            assertThat(d.body()).as("nothing after a failed head: " + bad).isEmpty();
            assertThat(d.lastContents()).isZero();
        }
    }

    @Test
    void aHeadLargerThanTheBufferSizeFails() {
        String head = "HTTP/1.1 200 OK\r\nX: " + "v".repeat(40) + "\r\n\r\n"; // 17 + 45 + 2 = 64 bytes
        assertThat(head).hasSize(64);
        Decoded fits = decode(64, head + "body", 5, true);
        assertThat(fits.head().decoderResult().isSuccess()).isTrue();
        assertThat(fits.bodyText()).isEqualTo("body");

        Decoded tooBig = decode(63, head + "body", 5, true);
        assertThat(tooBig.head().decoderResult().cause()).isInstanceOf(TooLongHttpHeaderException.class);
        assertThat(tooBig.body()).isEmpty();
    }

    @Test
    void aHeadThatNeverEndsFailsOnceTheBufferIsFull() {
        EmbeddedChannel ch = channel(100);
        ch.writeInbound(alloc.buffer().writeBytes(("HTTP/1.1 200 OK\r\nX: " + "y".repeat(70)).getBytes()));
        assertThat((Object) ch.readInbound()).as("still within the limit: waiting").isNull();
        ch.writeInbound(alloc.buffer().writeBytes("y".repeat(20).getBytes()));
        HttpResponse failed = ch.readInbound();
        assertThat(failed.decoderResult().cause()).isInstanceOf(TooLongHttpHeaderException.class)
                .hasMessageContaining("upstream sent too big header");
        ReferenceCountUtil.release(failed);
        ch.writeInbound(alloc.buffer().writeBytes("\r\n\r\nbody".getBytes()));
        assertThat((Object) ch.readInbound()).as("the rest is dropped").isNull();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aHeadCutShortByTheCloseGivesNothing() {
        Decoded d = decode(4096, "HTTP/1.1 200 OK\r\nContent-", Integer.MAX_VALUE, true);
        assertThat(d.heads()).isEmpty();
        assertThat(d.lastContents()).isZero();
    }

    @Test
    void cgiHeadsTakeTheirStatusFromTheStatusHeader() {
        Decoded notFound = decode(4096, "Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nnope",
                Integer.MAX_VALUE, true);
        assertThat(notFound.head().status().code()).isEqualTo(404);
        assertThat(notFound.head().status().reasonPhrase()).isEqualTo("Not Found");
        assertThat(notFound.head().headers().get("Status")).as("passed on, as nginx's uwsgi does").isEqualTo(
                "404 Not Found");
        assertThat(notFound.bodyText()).isEqualTo("nope");
        assertThat(notFound.lastContents()).isEqualTo(1);

        Decoded redirect = decode(4096, "Location: /there\r\n\r\n", 2, true);
        assertThat(redirect.head().status().code()).isEqualTo(302);

        Decoded plain = decode(4096, "Content-Type: text/html\r\n\r\n<p>", 1, true);
        assertThat(plain.head().status().code()).isEqualTo(200);
        assertThat(plain.bodyText()).isEqualTo("<p>");

        Decoded codeOnly = decode(4096, "Status: 503\r\n\r\n", Integer.MAX_VALUE, true);
        assertThat(codeOnly.head().status().code()).isEqualTo(503);
        assertThat(codeOnly.head().status().reasonPhrase()).isEqualTo("Service Unavailable");
    }

    @Test
    void aCgiStatusNotStartingWithThreeDigitsFails() {
        for (String value : List.of("abc", "20", "2x0 OK", "099")) {
            Decoded d = decode(4096, "Status: " + value + "\r\nContent-Length: 2\r\n\r\nok", Integer.MAX_VALUE,
                    true);
            assertThat(d.head().decoderResult().cause()).isInstanceOf(UwsgiResponseDecoder.InvalidStatusException.class)
                    .hasMessage("upstream sent invalid status \"" + value + "\"");
            assertThat(d.body()).isEmpty();
            assertThat(d.lastContents()).isZero();
        }
    }

    @Test
    void anInformationalHeadIsFollowedByTheRealOneWithinTheLimitAgain() {
        Decoded d = decode(64, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 4,
                false);
        assertThat(d.heads()).extracting(h -> h.status().code()).containsExactly(100, 200);
        assertThat(d.bodyText()).isEqualTo("ok");

        String secondTooBig = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX: " + "v".repeat(60) + "\r\n\r\n";
        Decoded big = decode(64, secondTooBig, 64, true);
        assertThat(big.heads()).hasSize(2);
        assertThat(big.heads().get(1).decoderResult().cause()).isInstanceOf(TooLongHttpHeaderException.class);
    }

    @Test
    void afterA101BytesPassThrough() {
        Decoded d = decode(4096, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\u0081\u0002hi", 3, true);
        assertThat(d.head().status().code()).isEqualTo(101);
        assertThat(d.raw().stream().map(b -> new String(b, StandardCharsets.ISO_8859_1)).reduce("", String::concat))
                .isEqualTo("\u0081\u0002hi");
    }
}
