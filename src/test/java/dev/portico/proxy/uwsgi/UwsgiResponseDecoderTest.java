package dev.portico.proxy.uwsgi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.proxy.UpstreamResponseDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** uWSGI's answers through the handlers UwsgiProtocol installs, on an EmbeddedChannel. */
@ExtendWith(LeakWatch.class)
class UwsgiResponseDecoderTest {

    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void everyBufferReleased() {
        assertThat(alloc.unreleased()).isEmpty();
    }

    /**
     * What came out: the heads, the body bytes, how many LastHttpContents, the failure of the
     * last one (null when it ended well), and raw bytes (after an upgrade).
     */
    private record Decoded(List<HttpResponse> heads, byte[] body, int lastContents, Throwable failedEnd,
                           List<byte[]> raw) {
        HttpResponse head() {
            assertThat(heads).hasSize(1);
            return heads.get(0);
        }

        String bodyText() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    private final UwsgiProtocol protocol = new UwsgiProtocol(new UwsgiSettings(List.of(), 0, 0, true, 4096));

    private EmbeddedChannel channel(int bufferSize) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAllocator(alloc);
        new UwsgiProtocol(new UwsgiSettings(List.of(), 0, 0, true, bufferSize)).initChannel(ch.pipeline());
        return ch;
    }

    /** Feeds {@code response} in reads of {@code step} bytes, then closes the connection when asked. */
    private Decoded decode(int bufferSize, String response, int step, boolean close) {
        return decode(channel(bufferSize), response, step, close);
    }

    private Decoded decode(EmbeddedChannel ch, String response, int step, boolean close) {
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
        Throwable failedEnd = null;
        try {
            for (Object msg : out) {
                if (msg instanceof HttpResponse head) {
                    heads.add(head);
                }
                if (msg instanceof HttpContent content) {
                    body.writeBytes(ByteBufUtil.getBytes(content.content()));
                    if (content instanceof LastHttpContent) {
                        lasts++;
                        failedEnd = content.decoderResult().cause();
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
        return new Decoded(heads, body.toByteArray(), lasts, failedEnd, raw);
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
    void aBodyCutShortOfItsLengthEndsInAFailure() {
        // The engine logs it: "upstream prematurely closed connection while reading upstream".
        Decoded d = decode(4096, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", Integer.MAX_VALUE, true);
        assertThat(d.bodyText()).isEqualTo("abc");
        assertThat(d.failedEnd()).isInstanceOf(PrematureChannelClosureException.class);
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
    void badStatusLinesFailInNginxsWords() {
        for (String bad : List.of("HTTP/1.1 abc OK", "HTTP/9 200 OK", "HTTP/1.1", "HTTP/1.1 20200 OK",
                "HTTP/1.1 +200 OK", "HTTP/x.1 200 OK")) {
            Decoded d = decode(4096, bad + "\r\nContent-Length: 4\r\n\r\nbody", Integer.MAX_VALUE, true);
            assertThat(d.head().decoderResult().cause()).as(bad).isInstanceOf(UpstreamResponseDecoder.InvalidResponse.class)
                    .hasMessage("upstream sent no valid HTTP/1.0 header");
            assertThat(d.body()).as("nothing after a refused head: " + bad).isEmpty();
            assertThat(d.lastContents()).isZero();
        }
    }

    @Test
    void badHeaderLinesFailInNginxsWords() {
        Decoded space = decode(4096, "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", Integer.MAX_VALUE, true);
        assertThat(space.head().decoderResult().cause()).hasMessage("upstream sent invalid header: \"Bad\\x20...\"");
        Decoded colon = decode(4096, "HTTP/1.1 200 OK\r\n: empty\r\n\r\n", Integer.MAX_VALUE, true);
        assertThat(colon.head().decoderResult().cause()).hasMessage("upstream sent invalid header: \"\\x3a...\"");
        Decoded both = decode(4096, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
                Integer.MAX_VALUE, true);
        assertThat(both.head().decoderResult().cause()).hasMessage(
                "upstream sent \"Content-Length\" and \"Transfer-Encoding\" headers at the same time");
    }

    @Test
    void aHeadLargerThanTheBufferSizeFails() {
        String head = "HTTP/1.1 200 OK\r\nX: " + "v".repeat(40) + "\r\n\r\n"; // 17 + 45 + 2 = 64 bytes
        assertThat(head).hasSize(64);
        Decoded fits = decode(64, head + "body", 5, true);
        assertThat(fits.head().decoderResult().isSuccess()).isTrue();
        assertThat(fits.bodyText()).isEqualTo("body");

        Decoded tooBig = decode(63, head + "body", 5, true);
        assertThat(tooBig.head().decoderResult().cause()).hasMessage("upstream sent too big header");
        assertThat(tooBig.body()).isEmpty();
    }

    @Test
    void aHeadThatNeverEndsFailsOnceTheBufferIsFull() {
        EmbeddedChannel ch = channel(100);
        ch.writeInbound(alloc.buffer().writeBytes(("HTTP/1.1 200 OK\r\nX: " + "y".repeat(70)).getBytes()));
        assertThat((Object) ch.readInbound()).as("still within the limit: waiting").isNull();
        ch.writeInbound(alloc.buffer().writeBytes("y".repeat(20).getBytes()));
        HttpResponse failed = ch.readInbound();
        assertThat(failed.decoderResult().cause()).isInstanceOf(UpstreamResponseDecoder.InvalidResponse.class)
                .hasMessage("upstream sent too big header");
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
        for (String value : List.of("abc", "20", "2x0 OK")) {
            Decoded d = decode(4096, "Status: " + value + "\r\nContent-Length: 2\r\n\r\nok", Integer.MAX_VALUE,
                    true);
            assertThat(d.head().decoderResult().cause()).isInstanceOf(UpstreamResponseDecoder.InvalidResponse.class)
                    .hasMessage("upstream sent invalid status \"" + value + "\"");
            assertThat(d.body()).isEmpty();
            assertThat(d.lastContents()).isZero();
        }
    }

    @Test
    void aCgiHeadMayUseTheWholeBufferSize() {
        String head = "Content-Type: text/plain\r\nX: " + "v".repeat(31) + "\r\n\r\n"; // 64 bytes
        assertThat(head).hasSize(64);
        assertThat(decode(64, head + "ok", 7, true).head().decoderResult().isSuccess()).isTrue();
        assertThat(decode(63, head + "ok", 7, true).head().decoderResult().cause())
                .hasMessage("upstream sent too big header");
    }

    @Test
    void theAnswerToHeadHasNoBody() {
        EmbeddedChannel ch = channel(4096);
        ch.writeOutbound(new UwsgiRequestPacket(alloc.buffer().writeBytes(new byte[] {0, 0, 0, 0}), true));
        ByteBuf sent = ch.readOutbound();
        assertThat(ByteBufUtil.getBytes(sent)).as("the packet goes as bytes").containsExactly(0, 0, 0, 0);
        sent.release();
        Decoded d = decode(ch, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", Integer.MAX_VALUE, false);
        assertThat(d.head().status().code()).isEqualTo(200);
        assertThat(d.lastContents()).as("ended at the head").isEqualTo(1);
        assertThat(d.body()).isEmpty();
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
        assertThat(big.heads().get(1).decoderResult().cause()).hasMessage("upstream sent too big header");
    }

    @Test
    void afterA101TheProtocolStepsAsideAndBytesPassThrough() {
        EmbeddedChannel ch = channel(4096);
        // As the engine does on a 101: the protocol removes its handlers, the rest comes raw.
        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpResponse head && head.status().code() == 101) {
                    protocol.upgraded(ctx.pipeline());
                }
                ctx.fireChannelRead(msg);
            }
        });
        Decoded d = decode(ch, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                + "\u0081\u0002hi", 3, true);
        assertThat(d.head().status().code()).isEqualTo(101);
        assertThat(d.body()).isEmpty();
        assertThat(d.raw().stream().map(b -> new String(b, StandardCharsets.ISO_8859_1)).reduce("", String::concat))
                .isEqualTo("\u0081\u0002hi");
        assertThat(ch.pipeline().names()).doesNotContain("decoder", "uwsgi-packet", "uwsgi-head");
    }
}
