package dev.portico.proxy.uwsgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portico.http.Template;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The request packet, byte for byte, against nginx's ngx_http_uwsgi_create_request. */
@ExtendWith(LeakWatch.class)
class UwsgiRequestEncoderTest {

    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void everyPacketReleased() {
        assertThat(alloc.unreleased()).isEmpty();
    }

    private static UwsgiParam param(String name, String value) {
        return new UwsgiParam(name, Template.literal(value), false);
    }

    private static UwsgiParam ifNotEmpty(String name, String value) {
        return new UwsgiParam(name, Template.literal(value), true);
    }

    private static UwsgiSettings settings(boolean passHeaders, UwsgiParam... params) {
        return new UwsgiSettings(List.of(params), 0, 0, passHeaders, 4096);
    }

    /** Encodes with each param's literal value, as UwsgiProtocol renders them. */
    private byte[] encode(UwsgiSettings settings, HttpHeaders headers) {
        String[] values = settings.params().stream().map(p -> p.value().source()).toArray(String[]::new);
        return encode(settings, values, headers);
    }

    private byte[] encode(UwsgiSettings settings, String[] values, HttpHeaders headers) {
        ByteBuf packet = new UwsgiRequestEncoder(settings).encode(alloc, values, headers);
        try {
            return ByteBufUtil.getBytes(packet);
        } finally {
            packet.release();
        }
    }

    private static HttpHeaders headers(String... nameValues) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (int i = 0; i < nameValues.length; i += 2) {
            h.add(nameValues[i], nameValues[i + 1]);
        }
        return h;
    }

    /** A pair as the protocol writes it: 16-bit little-endian length, bytes, twice. */
    private static void pair(ByteArrayOutputStream out, String key, String value) {
        for (String s : new String[] {key, value}) {
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            out.write(b.length & 0xff);
            out.write(b.length >> 8);
            out.write(b, 0, b.length);
        }
    }

    @Test
    void knownRequestByteForByte() {
        UwsgiSettings s = settings(true, param("QUERY_STRING", "a=1"), param("REQUEST_METHOD", "GET"));
        byte[] packet = encode(s, headers("Host", "example.com", "X-Foo", "bar"));

        ByteArrayOutputStream vars = new ByteArrayOutputStream();
        pair(vars, "QUERY_STRING", "a=1");
        pair(vars, "REQUEST_METHOD", "GET");
        pair(vars, "HTTP_HOST", "example.com");
        pair(vars, "HTTP_X_FOO", "bar");
        // 19 + 21 + 24 + 17 bytes of variables
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(new byte[] {0, 81, 0, 0});
        expected.writeBytes(vars.toByteArray());
        assertThat(packet).containsExactly(expected.toByteArray());
    }

    @Test
    void modifiersAndALittleEndianSizeAbove255() {
        UwsgiSettings s = new UwsgiSettings(List.of(param("X", "v".repeat(300))), 5, 9, true, 4096);
        byte[] packet = encode(s, headers());
        // 2 + 1 + 2 + 300 = 305 = 0x0131
        assertThat(packet).startsWith(5, 0x31, 0x01, 9);
        assertThat(packet).hasSize(4 + 305);
        UwsgiPacket p = UwsgiPacket.parse(packet);
        assertThat(p.modifier1()).isEqualTo(5);
        assertThat(p.modifier2()).isEqualTo(9);
        assertThat(p.value("X")).isEqualTo("v".repeat(300));
    }

    @Test
    void requestHeadersBecomeHttpVariablesInTheOrderReceived() {
        byte[] packet = encode(settings(true, param("REQUEST_METHOD", "GET")), headers(
                "x-Mixed-case-Name", "1", "User-Agent", "curl/8", "X-1.2", "dots", "Accept", "*/*"));
        assertThat(UwsgiPacket.parse(packet).variables().stream().map(UwsgiPacket.Variable::toString))
                .containsExactly("REQUEST_METHOD=GET", "HTTP_X_MIXED_CASE_NAME=1", "HTTP_USER_AGENT=curl/8",
                        "HTTP_X_1.2=dots", "HTTP_ACCEPT=*/*");
    }

    @Test
    void headersOfOneNameGoAsOneVariableCookiesJoinedBySemicolons() {
        byte[] packet = encode(settings(true), headers("Accept", "text/html", "X-Seq", "1", "accept", "*/*",
                "Cookie", "a=1", "COOKIE", "b=2", "X-Seq", "2"));
        assertThat(UwsgiPacket.parse(packet).variables().stream().map(UwsgiPacket.Variable::toString))
                .containsExactly("HTTP_ACCEPT=text/html, */*", "HTTP_X_SEQ=1, 2", "HTTP_COOKIE=a=1; b=2");
    }

    @Test
    void ifNotEmptyLeavesOutAnEmptyValueOnly() {
        UwsgiSettings s = settings(false, ifNotEmpty("HTTPS", ""), param("CONTENT_TYPE", ""),
                ifNotEmpty("REQUEST_SCHEME", "https"), param("CONTENT_LENGTH", ""));
        UwsgiPacket p = UwsgiPacket.parse(encode(s, new String[] {"", "", "https", null}, headers()));
        assertThat(p.names()).containsExactly("CONTENT_TYPE", "REQUEST_SCHEME", "CONTENT_LENGTH");
        assertThat(p.value("CONTENT_TYPE")).isEmpty();
        assertThat(p.value("CONTENT_LENGTH")).as("a variable not found renders empty").isEmpty();
    }

    @Test
    void anHttpParamHidesTheHeaderOfThatName() {
        UwsgiSettings s = settings(true, param("HTTP_HOST", "set.example"), param("HTTP_X_GONE", ""),
                ifNotEmpty("HTTP_X_EMPTY", "$x"), param("http_x_lower", "v"), param("HTTP_X-DASH", "d"));
        String[] values = {"set.example", "", "", "v", "d"};
        UwsgiPacket p = UwsgiPacket.parse(encode(s, values, headers("Host", "client.example", "X-Gone", "1",
                "X_Gone", "2", "X-Empty", "3", "X-Lower", "4", "X-Dash", "5")));
        assertThat(p.variables().stream().map(UwsgiPacket.Variable::toString)).containsExactly(
                // the param's own value, not the client's Host
                "HTTP_HOST=set.example",
                // HTTP_X_GONE "" is never sent; HTTP_X_EMPTY rendered empty with if_not_empty is not
                // sent either, yet both still hide the headers (X-Gone and X_Gone alike)
                "http_x_lower=v", "HTTP_X-DASH=d",
                // "HTTP_" is case-sensitive in the param, and a "-" in it does not match a header's
                "HTTP_X_LOWER=4", "HTTP_X_DASH=5");
    }

    @Test
    void requestHeadersOffSendsTheParamsOnly() {
        UwsgiPacket p = UwsgiPacket.parse(encode(settings(false, param("A", "1")), headers("Host", "h", "X", "y")));
        assertThat(p.names()).containsExactly("A");
    }

    @Test
    void paramsGoInOrderAndARepeatedNameTwice() {
        UwsgiPacket p = UwsgiPacket.parse(encode(settings(false, param("B", "1"), param("A", "2"), param("B", "3")),
                headers()));
        assertThat(p.variables().stream().map(UwsgiPacket.Variable::toString)).containsExactly("B=1", "A=2", "B=3");
    }

    @Test
    void renderedValuesAreUtf8AndHeadersGoAsTheirBytes() {
        // Netty holds a received header one char per byte: "\u00c3\u00a9" is the UTF-8 of "é" as received.
        UwsgiPacket p = UwsgiPacket.parse(encode(settings(true, param("PATH_INFO", "/caf\u00e9")),
                new String[] {"/caf\u00e9"}, headers("X-Name", "caf\u00c3\u00a9", "X-Latin", "\u00e9")));
        assertThat(p.variables().get(0).value()).containsExactly('/', 'c', 'a', 'f', 0xc3, 0xa9);
        assertThat(p.variables().get(1).utf8()).isEqualTo("caf\u00e9");
        assertThat(p.variables().get(2).value()).containsExactly(0xe9);
    }

    @Test
    void variablesOf65535BytesFitAndOneMoreIsRefused() {
        // One pair: 2 + 1 + 2 + n bytes.
        UwsgiSettings s = settings(false, param("V", ""));
        byte[] largest = encode(s, new String[] {"x".repeat(65535 - 5)}, headers());
        assertThat(largest).hasSize(4 + 65535).startsWith(0, 0xff, 0xff, 0);
        assertThat(UwsgiPacket.parse(largest).value("V")).hasSize(65530);

        int before = alloc.allocations();
        assertThatThrownBy(() -> encode(s, new String[] {"x".repeat(65535 - 4)}, headers()))
                .isInstanceOf(UwsgiRequestTooBigException.class)
                .hasMessage("uwsgi request is too big: 65536");
        assertThat(alloc.allocations()).as("nothing is built for a refused request").isEqualTo(before);
    }

    @Test
    void headersCountTowardTheLimitToo() {
        UwsgiSettings s = settings(true, param("V", "x".repeat(60_000)));
        // 2+1+2+60000 = 60005; the header adds 2+5+6+2+5530 = 5545: 65550 in all.
        HttpHeaders big = headers("X-Long", "y".repeat(5530));
        assertThatThrownBy(() -> encode(s, big))
                .isInstanceOf(UwsgiRequestTooBigException.class)
                .hasMessage("uwsgi request is too big: 65550")
                .satisfies(e -> assertThat(((UwsgiRequestTooBigException) e).length()).isEqualTo(65550));
        UwsgiSettings noHeaders = settings(false, param("V", "x".repeat(60_000)));
        assertThat(UwsgiPacket.parse(encode(noHeaders, big)).names()).containsExactly("V");
    }

    @Test
    void theParamsFileOfNginxAsShipped() throws Exception {
        // conf/uwsgi_params, each name with a value of its own, HTTPS empty (if_not_empty).
        List<UwsgiParam> params = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("conf/uwsgi_params"))) {
            String[] words = line.trim().replace(";", "").split("\\s+");
            if (words.length >= 3 && words[0].equals("uwsgi_param")) {
                boolean skipEmpty = words.length == 4 && words[3].equals("if_not_empty");
                params.add(new UwsgiParam(words[1], Template.literal(words[2]), skipEmpty));
                values.add(words[1].equals("HTTPS") ? "" : words[1].toLowerCase());
            }
        }
        UwsgiSettings s = new UwsgiSettings(params, 0, 0, true, 4096);
        UwsgiPacket p = UwsgiPacket.parse(encode(s, values.toArray(String[]::new), headers("Host", "h")));
        assertThat(p.names()).containsExactly("QUERY_STRING", "REQUEST_METHOD", "CONTENT_TYPE", "CONTENT_LENGTH",
                "REQUEST_URI", "PATH_INFO", "DOCUMENT_ROOT", "SERVER_PROTOCOL", "REQUEST_SCHEME", "REMOTE_ADDR",
                "REMOTE_PORT", "SERVER_PORT", "SERVER_NAME", "HTTP_HOST");
        assertThat(p.value("REQUEST_URI")).isEqualTo("request_uri");
    }
}
