package dev.portico.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

class RequestChecksTest {

    private static HttpRequest request(String method, String uri, String... headers) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), uri);
        for (int i = 0; i < headers.length; i += 2) {
            r.headers().add(headers[i], headers[i + 1]);
        }
        return r;
    }

    @Test
    void acceptsAnOrdinaryRequest() {
        assertThat(RequestChecks.check(request("GET", "/", "Host", "a"))).isNull();
        assertThat(RequestChecks.check(request("POST", "/", "Host", "a", "Transfer-Encoding", "chunked"))).isNull();
        assertThat(RequestChecks.check(request("GET", "http://a/x", "Host", "a"))).isNull();
    }

    @Test
    void refusesCodingsOtherThanChunkedAlone() {
        assertThat(RequestChecks.check(request("POST", "/", "Host", "a", "Transfer-Encoding", "gzip, chunked")))
                .extracting(RequestChecks.Problem::status).isEqualTo(400);
        assertThat(RequestChecks.check(request("POST", "/", "Host", "a", "Transfer-Encoding", "chunked",
                "Transfer-Encoding", "chunked"))).isNotNull();
    }

    @Test
    void refusesDuplicateHostLowercaseMethodAndBadTarget() {
        assertThat(RequestChecks.check(request("GET", "/", "Host", "a", "Host", "b")).status()).isEqualTo(400);
        assertThat(RequestChecks.check(request("get", "/", "Host", "a")).status()).isEqualTo(400);
        assertThat(RequestChecks.check(request("GET", "x", "Host", "a")).status()).isEqualTo(400);
    }

    @Test
    void dropsHeaderNamesNginxIgnores() {
        HttpRequest r = request("GET", "/", "Host", "a", "X_Under", "1", "X-Ok", "2");
        assertThat(RequestChecks.check(r)).isNull();
        assertThat(r.headers().contains("X_Under")).isFalse();
        assertThat(r.headers().get("X-Ok")).isEqualTo("2");
    }

    @Test
    void refusesHttpVersionsAbove1() {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.valueOf("HTTP/2.0"), HttpMethod.GET, "/");
        assertThat(RequestChecks.check(r).status()).isEqualTo(505);
    }
}
