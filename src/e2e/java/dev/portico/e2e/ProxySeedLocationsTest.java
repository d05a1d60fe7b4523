package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.e2e.upstream.FlaskApp;
import dev.portico.e2e.upstream.Json;
import dev.portico.proxy.RawClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The deployment guides' proxy locations, as written (examples/seeds/flask-gunicorn-basic.conf,
 * the proxy location of flask-gunicorn-tls.conf without its TLS server, and
 * flask-uwsgi-docker.conf's upstream), each in a server of its own in front of the real
 * Gunicorn running examples/flaskapp: over TCP, over a unix socket named in proxy_pass, and over
 * a unix socket of an upstream block. Every check asserts what the application received (its
 * /echo answer) and what the client got.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxySeedLocationsTest {

    /** flask-gunicorn-basic.conf's location, its proxy_pass target left open. */
    private static final String BASIC = """
                location / {
                    proxy_pass %s;
                    proxy_set_header Host $host;
                    proxy_set_header X-Real-IP $remote_addr;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_set_header X-Forwarded-Proto $scheme;
                }
            """;

    /** flask-gunicorn-tls.conf's "Proxy to Gunicorn" location. */
    private static final String TLS = """
                location / {
                    proxy_pass %s;
                    proxy_set_header Host $host;
                    proxy_set_header X-Real-IP $remote_addr;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_set_header X-Forwarded-Proto $scheme;
                    proxy_read_timeout 90;
                    proxy_connect_timeout 10;
                    client_max_body_size 10M;
                }
            """;

    /** flask-uwsgi-docker.conf's server body: a 10M limit and proxy_redirect off. */
    private static final String DOCKER = """
                client_max_body_size 10M;

                location / {
                    proxy_pass %s;
                    proxy_set_header Host $host;
                    proxy_set_header X-Real-IP $remote_addr;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_set_header X-Forwarded-Proto $scheme;
                    proxy_redirect off;
                }
            """;

    private static final long ONE_MB = 1L << 20;

    /**
     * One seed location on one transport: its own server on {@code port}. {@code target} is
     * proxy_pass's URL; {@code bodyLimit} the client_max_body_size in force (nginx's 1m default
     * where the seed sets none); {@code redirectDefault} whether proxy_redirect is nginx's default.
     */
    record Site(String name, String location, String target, long bodyLimit, boolean redirectDefault, int port) {
        @Override
        public String toString() {
            return name;
        }
    }

    private GunicornBehindPortico proxy;
    private List<Site> sites;

    @BeforeAll
    void start() {
        proxy = GunicornBehindPortico.start(4);
        String tcp = "http://127.0.0.1:" + proxy.app().port();
        String unix = "http://unix:" + proxy.app().socketPath();
        TestPrefix prefix = proxy.prefix();
        sites = List.of(
                new Site("basic over TCP", BASIC, tcp, ONE_MB, true, prefix.port()),
                new Site("basic over unix", BASIC, unix, ONE_MB, true, TestPrefix.freePort()),
                new Site("basic over an upstream's unix socket", BASIC, "http://flask_unix", ONE_MB, true,
                        TestPrefix.freePort()),
                new Site("tls seed over TCP", TLS, tcp, 10 * ONE_MB, true, TestPrefix.freePort()),
                new Site("tls seed over unix", TLS, unix, 10 * ONE_MB, true, TestPrefix.freePort()),
                new Site("tls seed over an upstream's unix socket", TLS, "http://flask_unix", 10 * ONE_MB, true,
                        TestPrefix.freePort()),
                new Site("docker seed over an upstream's TCP", DOCKER, "http://flask", 10 * ONE_MB, false,
                        TestPrefix.freePort()),
                new Site("docker seed over an upstream's unix socket", DOCKER, "http://flask_unix", 10 * ONE_MB,
                        false, TestPrefix.freePort()));
        StringBuilder servers = new StringBuilder();
        for (Site s : sites) {
            servers.append("    server {\n        listen 127.0.0.1:").append(s.port()).append(";\n")
                    .append("        server_name example.com;\n\n")
                    .append(s.location().formatted(s.target())).append("    }\n\n");
        }
        proxy.serve("""
                daemon off;
                error_log logs/error.log info;
                events {
                }
                http {
                    upstream flask {
                        server 127.0.0.1:%%APP%% fail_timeout=0;
                    }
                    upstream flask_unix {
                        server unix:%%SOCK%% fail_timeout=0;
                    }

                """ + servers + "}\n");
    }

    @AfterAll
    void stop() {
        proxy.close();
    }

    Stream<Site> sites() {
        return sites.stream();
    }

    private static RawClient.Response exchange(Site site, String request) throws Exception {
        try (RawClient c = new RawClient(site.port())) {
            c.send(request);
            return c.read(request.startsWith("HEAD"));
        }
    }

    private static FlaskApp.Echo echo(RawClient.Response r) {
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return FlaskApp.Echo.parse(r.text());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sites")
    void theAppSeesTheSeedsHeadersAndTheRequestAsSent(Site site) throws Exception {
        RawClient.Response r = exchange(site, "GET /echo/seed?x=1&q=a%20b%2Fc HTTP/1.1\r\n"
                + "Host: Example.COM:8080\r\nX-Forwarded-For: 1.2.3.4\r\nConnection: close\r\n\r\n");
        FlaskApp.Echo echo = echo(r);
        assertThat(echo.method()).isEqualTo("GET");
        assertThat(echo.uri()).isEqualTo("/echo/seed?x=1&q=a%20b%2Fc");
        assertThat(echo.protocol()).isEqualTo("HTTP/1.0");
        // $host: the Host header's name, lower case, without its port.
        assertThat(echo.header("Host")).isEqualTo("example.com");
        assertThat(echo.header("X-Real-IP")).isEqualTo("127.0.0.1");
        assertThat(echo.header("X-Forwarded-For")).isEqualTo("1.2.3.4, 127.0.0.1");
        assertThat(echo.header("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(echo.header("Connection")).isEqualTo("close");
        // proxy_set_header's lines first, then the client's other headers, as nginx sends them.
        assertThat(echo.headerNames())
                .containsExactly("host", "x-real-ip", "x-forwarded-for", "x-forwarded-proto", "connection");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sites")
    void hopByHopRequestHeadersStayWithTheProxy(Site site) throws Exception {
        try (RawClient c = new RawClient(site.port())) {
            c.send("GET /echo/hop HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive, X-Hop\r\n"
                    + "Keep-Alive: timeout=5\r\nTE: trailers\r\nUpgrade: websocket\r\n"
                    + "Proxy-Connection: keep-alive\r\nX-Hop: 1\r\nX-Custom: kept\r\n\r\n");
            RawClient.Response r = c.read(false);
            FlaskApp.Echo echo = echo(r);
            // nginx replaces Connection and drops Keep-Alive, TE and Upgrade (an Upgrade without
            // "proxy_set_header Upgrade" is not passed); every other header goes on, including
            // Proxy-Connection and the headers Connection names.
            assertThat(echo.header("Connection")).isEqualTo("close");
            assertThat(echo.headerNames()).doesNotContain("keep-alive", "te", "upgrade");
            assertThat(echo.header("Proxy-Connection")).isEqualTo("keep-alive");
            assertThat(echo.header("X-Hop")).isEqualTo("1");
            assertThat(echo.header("X-Custom")).isEqualTo("kept");
            // The client's connection is its own: kept alive, whatever the upstream's was.
            assertThat(r.header("Connection")).isEqualTo("keep-alive");
            c.send("GET /echo/again HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
            assertThat(echo(c.read(false)).uri()).isEqualTo("/echo/again");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sites")
    void postBodiesArriveWhole(Site site) throws Exception {
        byte[] form = "name=portico&x=1%202&y=%C3%BC".getBytes(StandardCharsets.US_ASCII);
        FlaskApp.Echo formEcho = echo(exchange(site, "POST /echo/form HTTP/1.1\r\nHost: example.com\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + form.length
                + "\r\nConnection: close\r\n\r\n" + new String(form, StandardCharsets.US_ASCII)));
        assertPosted(formEcho, "application/x-www-form-urlencoded", form);

        byte[] json = "{\"a\": [1, 2], \"b\": \"\u00fc\"}".getBytes(StandardCharsets.UTF_8);
        try (RawClient c = new RawClient(site.port())) {
            c.send("POST /echo/json HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + json.length + "\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n");
            assertThat(c.read(true).status()).isEqualTo(100);
            c.send(json);
            FlaskApp.Echo jsonEcho = echo(c.read(false));
            assertPosted(jsonEcho, "application/json", json);
            // nginx answers Expect itself and does not pass it on.
            assertThat(jsonEcho.headerNames()).doesNotContain("expect");
        }

        byte[] chunked = "{\"chunked\": true, \"parts\": 3}".getBytes(StandardCharsets.UTF_8);
        try (RawClient c = new RawClient(site.port())) {
            c.send("POST /echo/chunked HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
            int[] cuts = {0, 5, 17, chunked.length};
            for (int i = 0; i < 3; i++) {
                c.send(Integer.toHexString(cuts[i + 1] - cuts[i]) + "\r\n");
                c.send(java.util.Arrays.copyOfRange(chunked, cuts[i], cuts[i + 1]));
                c.send("\r\n");
            }
            c.send("0\r\n\r\n");
            FlaskApp.Echo chunkedEcho = echo(c.read(false));
            // An HTTP/1.0 upstream gets the whole body with its length.
            assertPosted(chunkedEcho, "application/json", chunked);
            assertThat(chunkedEcho.headerNames()).doesNotContain("transfer-encoding");
        }
    }

    private static void assertPosted(FlaskApp.Echo echo, String contentType, byte[] body) throws Exception {
        assertThat(echo.method()).isEqualTo("POST");
        assertThat(echo.header("Content-Type")).isEqualTo(contentType);
        assertThat(echo.header("Content-Length")).isEqualTo(Integer.toString(body.length));
        assertThat(echo.bodyLength()).isEqualTo(body.length);
        assertThat(echo.bodySha256())
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sites")
    void clientMaxBodySizeOfTheSeedHolds(Site site) throws Exception {
        byte[] body = new byte[(int) site.bodyLimit()];
        new Random(9).nextBytes(body);
        try (RawClient c = new RawClient(site.port())) {
            c.send("POST /upload HTTP/1.1\r\nHost: example.com\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n");
            c.send(body);
            RawClient.Response r = c.read(false);
            assertThat(r.status()).as(r.text()).isEqualTo(200);
            assertThat(Json.object(r.text())).containsEntry("length", (long) body.length).containsEntry("sha256",
                    HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
        }
        // One byte more is refused from the header, before any of it is read.
        RawClient.Response tooLarge = exchange(site, "POST /upload HTTP/1.1\r\nHost: example.com\r\n"
                + "Content-Length: " + (body.length + 1) + "\r\n\r\n");
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.text()).contains("413 Request Entity Too Large");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sites")
    void theAppsResponseHeadersReachTheClientUnderPorticosOwn(Site site) throws Exception {
        RawClient.Response r = exchange(site, "GET /status/302?location=http://example.org/next HTTP/1.1\r\n"
                + "Host: example.com\r\n\r\n");
        assertThat(r.status()).isEqualTo(302);
        assertThat(r.all("Set-Cookie")).containsExactly("a=1; Path=/", "b=2");
        assertThat(r.all("Cache-Control")).containsExactly("max-age=60");
        assertThat(r.all("Location")).containsExactly("http://example.org/next");
        assertThat(r.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
        // Gunicorn's Server, Date and "Connection: close" stay behind; Portico writes its own.
        assertThat(r.all("Server")).hasSize(1);
        assertThat(r.header("Server")).startsWith("portico/");
        assertThat(r.all("Date")).hasSize(1);
        assertThat(r.all("Connection")).containsExactly("keep-alive");
        assertThat(r.header("Content-Length")).isEqualTo("11");
        assertThat(r.text()).isEqualTo("status 302\n");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sites")
    void proxyRedirectOfTheSeed(Site site) throws Exception {
        // A Location on proxy_pass's own URL: nginx's default rule maps the URL's root to "/",
        // and the result is made absolute; the docker seed turns the rule off.
        String upstreamUrl = site.target() + "/echo/elsewhere";
        RawClient.Response r = exchange(site, "GET /status/301?location=" + upstreamUrl + " HTTP/1.1\r\n"
                + "Host: example.com\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(301);
        assertThat(r.header("Location")).isEqualTo(site.redirectDefault()
                ? "http://example.com:" + site.port() + "/echo/elsewhere" : upstreamUrl);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sites")
    void headAndBodilessStatusesSendNoBody(Site site) throws Exception {
        try (RawClient c = new RawClient(site.port())) {
            c.send("HEAD /big?mb=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
            RawClient.Response head = c.read(true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo(Long.toString(ONE_MB));
            for (int code : new int[] {204, 304}) {
                c.send("GET /status/" + code + " HTTP/1.1\r\nHost: example.com\r\n\r\n");
                RawClient.Response r = c.read(false);
                assertThat(r.status()).isEqualTo(code);
                assertThat(r.header("Content-Length")).isNull();
                assertThat(r.header("Transfer-Encoding")).isNull();
                assertThat(r.all("Set-Cookie")).containsExactly("a=1; Path=/", "b=2");
            }
            // Had any body byte followed, this response would not parse from its first byte.
            c.send("GET /echo/last HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
            assertThat(echo(c.read(false)).uri()).isEqualTo("/echo/last");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sites")
    void responseFramingFollowsTheClientsConnection(Site site) throws Exception {
        try (RawClient c = new RawClient(site.port())) {
            // Gunicorn ends an unsized body by closing; a keep-alive client gets it chunked.
            c.send("GET /slow?chunks=3&delay=0 HTTP/1.1\r\nHost: example.com\r\n\r\n");
            RawClient.Response slow = c.read(false);
            assertThat(slow.header("Transfer-Encoding")).isEqualTo("chunked");
            assertThat(slow.header("Content-Length")).isNull();
            assertThat(slow.text()).isEqualTo("chunk 0\nchunk 1\nchunk 2\n");
            c.send("GET /big?mb=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
            RawClient.Response big = c.read(false);
            assertThat(big.header("Content-Length")).isEqualTo(Long.toString(ONE_MB));
            assertThat(big.header("Transfer-Encoding")).isNull();
            assertThat(big.sha256()).isEqualTo(FlaskApp.bigSha256(ONE_MB));
        }
        // An HTTP/1.0 client that does not keep the connection gets the body until close.
        RawClient.Response old = exchange(site, "GET /slow?chunks=2&delay=0 HTTP/1.0\r\nHost: example.com\r\n\r\n");
        assertThat(old.header("Transfer-Encoding")).isNull();
        assertThat(old.text()).isEqualTo("chunk 0\nchunk 1\n");
    }
}
