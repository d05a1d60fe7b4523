package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.e2e.upstream.FlaskApp;
import dev.portico.e2e.upstream.Gunicorn;
import dev.portico.e2e.upstream.Json;
import dev.portico.e2e.upstream.RawUpstream;
import dev.portico.proxy.RawClient;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * bin/portico in front of the real Gunicorn running examples/flaskapp: the request URI the
 * application gets (the client's as sent, or the location's prefix replaced by proxy_pass's
 * URI part), proxy_redirect's default, the upstream's hop-by-hop response headers, and 100 MB
 * bodies streamed both ways, on TCP and on a unix socket.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyPassEndToEndTest {

    private static final String CONFIG = """
            daemon off;
            error_log logs/error.log info;
            events {
            }
            http {
                client_max_body_size 0;

                upstream flask_unix {
                    server unix:%%SOCK%%;
                }

                server {
                    listen 127.0.0.1:%%PORT%%;
                    server_name example.com;

                    location / {
                        proxy_pass http://127.0.0.1:%%APP%%;
                        proxy_set_header Host $host;
                        proxy_set_header X-Real-IP $remote_addr;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        proxy_set_header X-Forwarded-Proto $scheme;
                    }
                    location /unix/ {
                        proxy_pass http://unix:%%SOCK%%:/;
                        proxy_set_header Host $host;
                        proxy_set_header X-Real-IP $remote_addr;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        proxy_set_header X-Forwarded-Proto $scheme;
                    }
                    location /app/ {
                        proxy_pass http://127.0.0.1:%%APP%%/echo/;
                    }
                    location /unix-app/ {
                        proxy_pass http://unix:%%SOCK%%:/echo/;
                    }
                    location /upstream-app/ {
                        proxy_pass http://flask_unix/echo/;
                    }
                    location /status/ {
                        proxy_pass http://127.0.0.1:%%APP%%;
                    }
                    location /hop/ {
                        proxy_pass http://127.0.0.1:%%HOP%%;
                    }
                }
            }
            """;

    static final long HUNDRED_MB = 100L << 20;

    private GunicornBehindPortico proxy;
    private Gunicorn app;
    /** An upstream answering with hop-by-hop headers of its own, which Gunicorn never sends. */
    private RawUpstream hop;
    private PorticoProcess server;

    @BeforeAll
    void start() {
        proxy = GunicornBehindPortico.start(4);
        app = proxy.app();
        hop = RawUpstream.answering("HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Hop\r\nKeep-Alive: timeout=5\r\n"
                + "X-Hop: 1\r\nTransfer-Encoding: chunked\r\nServer: raw\r\nDate: Mon, 01 Jan 2001 00:00:00 GMT\r\n"
                + "\r\n5\r\nhello\r\n0\r\n\r\n");
        server = proxy.serve(CONFIG.replace("%%HOP%%", Integer.toString(hop.port()))).server();
    }

    @AfterAll
    void stop() {
        try {
            proxy.close();
        } finally {
            hop.close();
        }
    }

    private RawClient.Response get(String target) throws IOException {
        return proxy.get("example.com", target);
    }

    private FlaskApp.Echo echo(String target) throws Exception {
        RawClient.Response r = get(target);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return FlaskApp.Echo.parse(r.text());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/app/", "/unix-app/", "/upstream-app/"})
    void uriPartReplacesTheLocationPrefixOfTheNormalizedUri(String location) throws Exception {
        // $uri is decoded and normalized, its prefix replaced, then escaped again; the arguments
        // go as they came.
        assertThat(echo(location + "a%20b/c%3F/../d%E2%82%AC+x?x=1&y=%2F&z=%E2%82%AC+1").uri())
                .isEqualTo("/echo/a%20b/d%E2%82%AC+x?x=1&y=%2F&z=%E2%82%AC+1");
        assertThat(echo(location + "x/../y").uri()).isEqualTo("/echo/y");
        FlaskApp.Echo plain = echo(location + "p");
        assertThat(plain.uri()).isEqualTo("/echo/p");
        assertThat(plain.protocol()).isEqualTo("HTTP/1.0");
    }

    @Test
    void withoutAUriPartTheClientsRequestTargetGoesAsSent() throws Exception {
        // Nothing decoded, normalized or re-escaped: the target as the client wrote it.
        String target = "/echo/a%20b/%2e%2e/c%3F?q=%41%2B+x&r=a%20b";
        FlaskApp.Echo echo = echo(target);
        assertThat(echo.uri()).isEqualTo(target);
        assertThat(echo.header("Host")).isEqualTo("example.com");
    }

    @Test
    void defaultProxyRedirectMapsTheUpstreamRootWhenProxyPassHasNoUri() throws Exception {
        // location /status/ { proxy_pass http://127.0.0.1:APP; }: nginx's default rule is
        // "http://127.0.0.1:APP/" → "/", then "/..." is made absolute with the Host and port.
        RawClient.Response r = get("/status/302?location=http://127.0.0.1:" + app.port() + "/echo/x");
        assertThat(r.status()).isEqualTo(302);
        assertThat(r.header("Location")).isEqualTo("http://example.com:" + server.port() + "/echo/x");
        RawClient.Response elsewhere = get("/status/302?location=http://127.0.0.2:" + app.port() + "/echo/x");
        assertThat(elsewhere.header("Location")).isEqualTo("http://127.0.0.2:" + app.port() + "/echo/x");
    }

    @Test
    void theClientGetsTheUpstreamsReasonPhrase() {
        // nginx passes the upstream's status line: Flask writes "302 FOUND", not "302 Moved Temporarily".
        RawConnection.Result r = RawConnection.exchange(server.port(),
                "GET /status/302 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
        assertThat(r.response().statusLine()).isEqualTo("HTTP/1.1 302 FOUND");
    }

    @Test
    void upstreamsHopByHopResponseHeadersStayBehind() throws Exception {
        try (RawClient c = new RawClient(server.port())) {
            c.send("GET /hop/x HTTP/1.1\r\nHost: example.com\r\n\r\n");
            RawClient.Response r = c.read(false);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("hello");
            // Connection, Keep-Alive and Transfer-Encoding are the client connection's own; as in
            // nginx, a header that the upstream's Connection names still passes.
            assertThat(r.all("Connection")).containsExactly("keep-alive");
            assertThat(r.all("Keep-Alive")).isEmpty();
            assertThat(r.all("Transfer-Encoding")).containsExactly("chunked");
            assertThat(r.header("X-Hop")).isEqualTo("1");
            assertThat(r.all("Server")).hasSize(1).allMatch(s -> s.startsWith("portico/"));
            assertThat(r.all("Date")).hasSize(1).noneMatch(d -> d.contains("2001"));
            c.send("GET /status/204 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
            assertThat(c.read(false).status()).isEqualTo(204);
        }
        assertThat(hop.requestHeads()).hasSize(1);
        assertThat(hop.requestHeads().get(0)).startsWith("GET /hop/x HTTP/1.0\r\nHost: 127.0.0.1:" + hop.port()
                + "\r\nConnection: close\r\n");
    }

    /** A 100 MB request body from a seeded generator, sent as it is made; returns its SHA-256. */
    static String sendBody(RawClient c, boolean chunked) throws Exception {
        return sendBody(c, chunked, HUNDRED_MB);
    }

    /** {@code size} bytes (whole MiBs) of request body from a seeded generator, sent as made; their SHA-256. */
    static String sendBody(RawClient c, boolean chunked, long size) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Random random = new Random(100);
        byte[] piece = new byte[1 << 20];
        for (long sent = 0; sent < size; sent += piece.length) {
            random.nextBytes(piece);
            sha.update(piece);
            if (chunked) {
                c.send(Integer.toHexString(piece.length) + "\r\n");
            }
            c.send(piece);
            if (chunked) {
                c.send("\r\n");
            }
        }
        if (chunked) {
            c.send("0\r\n\r\n");
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    @ParameterizedTest(name = "{0} chunked={1}")
    @CsvSource({"/, false", "/, true", "/unix/, false", "/unix/, true"})
    void hundredMegabyteUploadReachesTheAppIntact(String location, boolean chunked) throws Exception {
        try (RawClient c = new RawClient(server.port())) {
            c.send("POST " + location + "upload HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + HUNDRED_MB + "\r\n")
                    + "\r\n");
            String digest = sendBody(c, chunked);
            RawClient.Response r = c.read(false);
            assertThat(r.status()).as(r.text()).isEqualTo(200);
            Map<String, Object> upload = Json.object(r.text());
            assertThat(upload).containsEntry("length", HUNDRED_MB).containsEntry("sha256", digest);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/big?mb=100", "/big?mb=100&chunked=1", "/unix/big?mb=100", "/unix/big?mb=100&chunked=1"})
    void hundredMegabyteDownloadReachesTheClientIntact(String target) throws Exception {
        // The HTTP/1.0 upstream ends an unsized body by closing; the client gets it chunked.
        assertHundredMegabytesOfBig(get(target), target.contains("chunked"));
    }

    /** /big?mb=100's answer, complete: chunked when {@code unsized}, else with its Content-Length. */
    static void assertHundredMegabytesOfBig(RawClient.Response r, boolean unsized) {
        assertThat(r.status()).isEqualTo(200);
        if (unsized) {
            assertThat(r.header("Transfer-Encoding")).isEqualTo("chunked");
            assertThat(r.header("Content-Length")).isNull();
        } else {
            assertThat(r.header("Content-Length")).isEqualTo(Long.toString(HUNDRED_MB));
            assertThat(r.header("Transfer-Encoding")).isNull();
        }
        assertThat(r.length()).isEqualTo(HUNDRED_MB);
        assertThat(r.sha256()).isEqualTo(FlaskApp.bigSha256(HUNDRED_MB));
    }
}
