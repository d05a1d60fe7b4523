package dev.portico.proxy.uwsgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.portico.http.Template;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fuzz targets of the uwsgi codec. In every test run they replay their seeds (regression
 * mode: src/test/resources/dev/portico/proxy/uwsgi/UwsgiCodecFuzzTestInputs/METHOD/);
 * {@code JAZZER_FUZZ=1} fuzzes one of them for real (README, "Tests").
 */
@ExtendWith(LeakWatch.class)
class UwsgiCodecFuzzTest {

    /**
     * Any bytes from an upstream give a response, a failure or nothing: no exception escapes,
     * the messages come in a valid order, and every buffer is released. The first input byte
     * picks uwsgi_buffer_size (16 to 1036), the second the size of each read (1 to 256); the
     * rest is what the upstream sends before it closes the connection.
     */
    @FuzzTest(maxDuration = "5m")
    void responseDecoder(byte[] input) {
        int limit = input.length > 0 ? 16 + (input[0] & 0xff) * 4 : 64;
        int step = input.length > 1 ? 1 + (input[1] & 0xff) : 1;
        int from = Math.min(2, input.length);

        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAllocator(alloc);
        new UwsgiProtocol(new UwsgiSettings(List.of(), 0, 0, true, limit)).initChannel(ch.pipeline());
        List<Object> out = new ArrayList<>();
        try {
            for (int i = from; i < input.length; i += step) {
                ch.writeInbound(alloc.buffer().writeBytes(input, i, Math.min(step, input.length - i)));
                for (Object m; (m = ch.readInbound()) != null; ) {
                    out.add(m);
                }
            }
            ch.finish();
            for (Object m; (m = ch.readInbound()) != null; ) {
                out.add(m);
            }
            checkOrder(out, input.length - from);
        } finally {
            out.forEach(ReferenceCountUtil::release);
            ch.finishAndReleaseAll();
        }
        assertThat(alloc.unreleased()).as("buffers left unreleased").isEmpty();
    }

    /** Heads (1xx ones each ended by a LastHttpContent), then one final head and its body; a failure ends all. */
    private static void checkOrder(List<Object> out, int inputLength) {
        HttpResponse head = null;
        boolean ended = false;
        long body = 0;
        for (int i = 0; i < out.size(); i++) {
            Object m = out.get(i);
            if (m instanceof HttpResponse r) {
                assertThat(head == null || ended).as("a head inside a body at %d of %s", i, out).isTrue();
                assertThat(head == null || isInformational(head)).as("a head after the final one: %s", out).isTrue();
                if (r.decoderResult().isFailure()) {
                    assertThat(i).as("nothing after a refused head: %s", out).isEqualTo(out.size() - 1);
                    return;
                }
                assertThat(r.status().code()).isBetween(0, 999);
                head = r;
                ended = false;
                body = 0;
            }
            if (m instanceof HttpContent c) {
                assertThat(head).as("content before any head: %s", out).isNotNull();
                assertThat(ended).as("content after the end: %s", out).isFalse();
                body += c.content().readableBytes();
                if (c instanceof LastHttpContent) {
                    ended = true;
                    if (c.decoderResult().isFailure()) {
                        assertThat(i).as("nothing after a broken body").isEqualTo(out.size() - 1);
                        return;
                    }
                    int code = head.status().code();
                    long length = HttpUtil.getContentLength(head, -1L);
                    if (length >= 0 && !HttpUtil.isTransferEncodingChunked(head) && !isInformational(head)
                            && code != 101 && code != 204 && code != 304) {
                        assertThat(body).as("a complete body has its Content-Length").isEqualTo(length);
                    }
                }
            }
            if (!(m instanceof HttpResponse) && !(m instanceof HttpContent)) {
                fail("unexpected message " + m);
            }
        }
        assertThat(body).isLessThanOrEqualTo(inputLength);
    }

    private static boolean isInformational(HttpResponse r) {
        int code = r.status().code();
        return code >= 100 && code < 200 && code != 101;
    }

    private static final String[] PARAM_NAMES = {"QUERY_STRING", "CONTENT_LENGTH", "HTTP_HOST", "HTTP_X_A",
        "HTTP_COOKIE", "HTTP_", "http_x_a", "HTTP_X-A", "HTTPS"};
    private static final String[] HEADER_NAMES = {"Host", "host", "X-A", "x_a", "X_A", "Cookie", "COOKIE",
        "Accept", "Content-Length"};

    /**
     * Any params, values and request headers: the packet reads back to exactly the variables
     * nginx would send (an independent model below), or, when they exceed 65535 bytes, the
     * request is refused with that size.
     */
    @FuzzTest(maxDuration = "5m")
    void requestEncoder(FuzzedDataProvider data) {
        int modifier1 = data.consumeInt(0, 255);
        int modifier2 = data.consumeInt(0, 255);
        boolean passHeaders = data.consumeBoolean();
        int paramCount = data.consumeInt(0, 6);
        List<UwsgiParam> params = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < paramCount; i++) {
            String name = data.consumeBoolean() ? data.pickValue(PARAM_NAMES) : data.consumeString(12);
            String source = data.consumeString(8);
            params.add(new UwsgiParam(name, Template.literal(source), data.consumeBoolean()));
            values.add(data.consumeBoolean() ? null : longString(data));
        }
        HttpHeaders headers = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
        int headerCount = data.consumeInt(0, 8);
        for (int i = 0; i < headerCount; i++) {
            String name = data.consumeBoolean() ? data.pickValue(HEADER_NAMES) : data.consumeString(10);
            headers.add(name, longString(data));
        }

        UwsgiSettings settings = new UwsgiSettings(params, modifier1, modifier2, passHeaders, 4096);
        List<UwsgiPacket.Variable> expected = expectedVariables(params, values, passHeaders ? headers : null);
        long size = expected.stream().mapToLong(v -> 4 + v.name().length() + v.value().length).sum();

        TrackingAllocator alloc = new TrackingAllocator();
        ByteBuf packet;
        try {
            packet = new UwsgiRequestEncoder(settings).encode(alloc, values.toArray(String[]::new), headers);
        } catch (UwsgiRequestTooBigException e) {
            assertThat(size).as("refused at %d bytes", e.length()).isGreaterThan(UwsgiRequestEncoder.MAX_VARIABLES_SIZE);
            assertThat(e.length()).isEqualTo(size);
            assertThat(alloc.allocations()).isZero();
            return;
        }
        try {
            assertThat(size).isLessThanOrEqualTo(UwsgiRequestEncoder.MAX_VARIABLES_SIZE);
            UwsgiPacket parsed = UwsgiPacket.parse(ByteBufUtil.getBytes(packet));
            assertThat(parsed.modifier1()).isEqualTo(modifier1);
            assertThat(parsed.modifier2()).isEqualTo(modifier2);
            assertThat(parsed.variables()).isEqualTo(expected);
        } finally {
            packet.release();
        }
        assertThat(alloc.unreleased()).isEmpty();
    }

    /** Mostly short strings; now and then one long enough to reach the packet limit. */
    private static String longString(FuzzedDataProvider data) {
        if (data.consumeInt(0, 15) == 0) {
            return String.valueOf((char) data.consumeInt(0, 0x7ff)).repeat(data.consumeInt(0, 70_000));
        }
        return data.consumeString(16);
    }

    /** What nginx sends, from the params and headers, written independently of the encoder. */
    private static List<UwsgiPacket.Variable> expectedVariables(List<UwsgiParam> params, List<String> values,
                                                                HttpHeaders headers) {
        List<UwsgiPacket.Variable> vars = new ArrayList<>();
        Set<String> covered = new HashSet<>();
        for (int i = 0; i < params.size(); i++) {
            UwsgiParam p = params.get(i);
            boolean httpParam = p.name().length() > 5 && p.name().startsWith("HTTP_");
            if (httpParam) {
                covered.add(lowerAscii(p.name().substring(5)));
                if (p.value().source().isEmpty()) {
                    continue;
                }
            }
            byte[] value = values.get(i) == null ? new byte[0] : values.get(i).getBytes(StandardCharsets.UTF_8);
            if (value.length == 0 && p.ifNotEmpty()) {
                continue;
            }
            vars.add(new UwsgiPacket.Variable(latin1(p.name().getBytes(StandardCharsets.UTF_8)), value));
        }
        if (headers == null) {
            return vars;
        }
        Map<String, List<Map.Entry<String, String>>> byName = new LinkedHashMap<>();
        for (Map.Entry<String, String> h : headers) {
            byName.computeIfAbsent(lowerAscii(h.getKey()), k -> new ArrayList<>()).add(h);
        }
        for (List<Map.Entry<String, String>> same : byName.values()) {
            String name = same.get(0).getKey();
            if (covered.contains(lowerAscii(name).replace('-', '_'))) {
                continue;
            }
            StringBuilder key = new StringBuilder("HTTP_");
            for (char c : name.toCharArray()) {
                key.append(c == '-' ? '_' : c >= 'a' && c <= 'z' ? (char) (c - 32) : c > 0xff ? '?' : c);
            }
            String separator = lowerAscii(name).equals("cookie") ? "; " : ", ";
            ByteArrayOutputStream value = new ByteArrayOutputStream();
            for (int k = 0; k < same.size(); k++) {
                if (k > 0) {
                    value.writeBytes(separator.getBytes(StandardCharsets.US_ASCII));
                }
                for (char c : same.get(k).getValue().toCharArray()) {
                    value.write(c > 0xff ? '?' : c);
                }
            }
            vars.add(new UwsgiPacket.Variable(key.toString(), value.toByteArray()));
        }
        return vars;
    }

    private static String lowerAscii(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            sb.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        }
        return sb.toString();
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
