package dev.portico.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class UriPathTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "/|/",
        "/index.html|/index.html",
        "//a///b|/a/b",
        "/a/%2e%2e/b|/b",
        "/a/%2E%2E/b|/b",
        "/a%2Fb|/a/b",
        "/a%2F%2Fb|/a/b",
        "/a/b%2F..|/a/",
        "/a/./b/.|/a/b/",
        "/a/b/..|/a/",
        "/a/b/../|/a/",
        "/a/b/../../c|/c",
        "/a/.../b|/a/.../b",
        "/a/..b/c|/a/..b/c",
        "/a/b..|/a/b..",
        "/a./b|/a./b",
        "/./|/",
        "/.|/",
        "/a/%2E/b|/a/b",
        "/%25|/%",
        "/%3F|/?",
        "/%3f|/?",
        "/%23|/#",
        "/a%20b|/a b",
        "/a+b|/a+b",
        "/a?x=1|/a",
        "/a/b/..?x|/a/",
        "/a/.?x|/a/",
        "/a#frag|/a",
        "/caf%C3%A9|/café",
        "/%E6%97%A5%E6%9C%AC|/日本",
        "/日本|/日本",
    })
    void normalizes(String raw, String expected) throws Exception {
        assertThat(UriPath.normalize(raw)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/a/../../b", "/..", "/../", "/../a", "/%2e%2e", "/a/%2e%2e/%2e%2e/x", "/a/..%2F..",
        "/%00", "/a%00b",
        "/%", "/%4", "/a%2", "/%zz", "/%g0", "/%0g",
        "a/b", "", "*", "http://host/",
    })
    void rejects(String raw) {
        assertThatThrownBy(() -> UriPath.normalize(raw)).isInstanceOf(UriPath.InvalidUriException.class);
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> UriPath.normalize(null)).isInstanceOf(UriPath.InvalidUriException.class);
    }

    @Test
    void wireCharsAreBytes() throws Exception {
        // Netty hands raw UTF-8 bytes over as one char per byte.
        assertThat(UriPath.normalize("/caf\u00C3\u00A9")).isEqualTo("/café");
        assertThat(UriPath.normalizeToBytes("/\u00E9")).containsExactly('/', 0xE9);
    }

    @Test
    void keepsBytesThatAreNotUtf8() throws Exception {
        assertThat(UriPath.normalizeToBytes("/%FF%fe")).containsExactly('/', 0xFF, 0xFE);
        assertThat(UriPath.normalize("/%FF")).isEqualTo("/\uFFFD");
    }

    @Test
    void controlBytesOtherThanNulPass() throws Exception {
        assertThat(UriPath.normalizeToBytes("/a%01%7F")).containsExactly('/', 'a', 1, 0x7F);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "/a b|/a%20b",
        "/a?b#c%d|/a%3Fb%23c%25d",
        "/\"<>\\^`{}|/%22%3C%3E%5C%5E%60%7B%7D",
        "/a-b_c.~!$&()*+,;=:@[]|/a-b_c.~!$&()*+,;=:@[]",
        "/é|/%C3%A9",
        "/tab\there|/tab%09here",
    })
    void encodesForLocation(String path, String expected) {
        assertThat(UriPath.encodeForLocation(path)).isEqualTo(expected);
    }

    @Test
    void encodesPipeAndDelForLocation() {
        assertThat(UriPath.encodeForLocation("/a|b\u007F")).isEqualTo("/a%7Cb%7F");
        assertThat(UriPath.encodeForLocation("/it's")).isEqualTo("/it's");
    }

    @Test
    void encodesUriComponent() {
        assertThat(UriPath.encodeUriComponent("a b/c:d".getBytes(StandardCharsets.UTF_8)))
            .isEqualTo("a%20b%2Fc%3Ad");
        assertThat(UriPath.encodeUriComponent("Az09-._~".getBytes(StandardCharsets.UTF_8)))
            .isEqualTo("Az09-._~");
        assertThat(UriPath.encodeUriComponent("[@]'&+".getBytes(StandardCharsets.UTF_8)))
            .isEqualTo("%5B%40%5D%27%26%2B");
        assertThat(UriPath.encodeUriComponent("ü".getBytes(StandardCharsets.UTF_8))).isEqualTo("%C3%BC");
    }

    @Test
    void encodesForHtml() {
        assertThat(UriPath.encodeForHtml("<a href=\"x\">&'")).isEqualTo("&lt;a href=&quot;x&quot;&gt;&amp;'");
        assertThat(UriPath.encodeForHtml("/plain/")).isEqualTo("/plain/");
    }
}
