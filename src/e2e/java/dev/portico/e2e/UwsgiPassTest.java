package dev.portico.e2e;

import static dev.portico.e2e.ProxyPassEndToEndTest.HUNDRED_MB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.e2e.upstream.FlaskApp;
import dev.portico.e2e.upstream.Json;
import dev.portico.e2e.upstream.Uwsgi;
import dev.portico.proxy.RawClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The deployment guide's Flask-under-uWSGI set-up behind bin/portico: Debian's real uWSGI runs
 * examples/flaskapp with the guide's uwsgi.ini (master, processes, threads, a unix socket with
 * chmod-socket, vacuum, harakiri, buffer-size), and Portico serves the guide's {@code location /}
 * (include uwsgi_params; uwsgi_pass flask_app; the three timeouts; uwsgi_param headers) on the
 * unix socket (server unix.test) and on a TCP socket (server tcp.test). What the application
 * sees, 100 MB each way, streamed answers, and each failure with its status and error-log line.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UwsgiPassTest {

    /** The guide's location / block, for the upstream named NAME. */
    private static final String SEED_LOCATION = """
                    location / {
                        include uwsgi_params;
                        uwsgi_pass NAME;

                        # Timeouts
                        uwsgi_connect_timeout 30;
                        uwsgi_read_timeout 60;
                        uwsgi_send_timeout 60;

                        # Headers
                        uwsgi_param Host $host;
                        uwsgi_param X-Real-IP $remote_addr;
                        uwsgi_param X-Forwarded-For $proxy_add_x_forwarded_for;
                        uwsgi_param X-Forwarded-Proto $scheme;
                    }
            """;

    /** Locations whose first path segment is dropped before the application routes the request. */
    private static final String CONFIG = """
            daemon off;
            error_log logs/error.log info;
            events {
            }
            http {
                # The guide allows 10M; the uploads here are 100 MB.
                client_max_body_size 200m;

                upstream flask_app {
                    server unix:%%SOCK%% fail_timeout=0;
                }
                upstream flask_tcp {
                    server 127.0.0.1:%%TCP%%;
                    keepalive 8;
                }

                server {
                    listen 127.0.0.1:%%PORT%%;
                    server_name unix.test;
            UNIX_SEED
                    location /read-timeout/ {
                        rewrite ^/[^/]+(/.*)$ $1 break;
                        include uwsgi_params;
                        uwsgi_pass flask_app;
                        uwsgi_read_timeout 1s;
                    }
                    location /dechunked/ {
                        rewrite ^/[^/]+(/.*)$ $1 break;
                        include uwsgi_params;
                        uwsgi_pass flask_app;
                        # Hides the client's Transfer-Encoding: the body arrives whole, with CONTENT_LENGTH.
                        uwsgi_param HTTP_TRANSFER_ENCODING "";
                    }
                    location /too-big/ {
                        rewrite ^/[^/]+(/.*)$ $1 break;
                        include uwsgi_params;
                        uwsgi_pass flask_app;
                        uwsgi_param BIG $http_x_big$http_x_big$http_x_big$http_x_big$http_x_big$http_x_big;
                    }
                    location /harakiri/ {
                        rewrite ^/[^/]+(/.*)$ $1 break;
                        include uwsgi_params;
                        uwsgi_pass unix:%%HARAKIRI%%;
                    }
                    location /down/ {
                        include uwsgi_params;
                        uwsgi_pass unix:%%PREFIX%%/down.sock;
                    }
                    location /refused/ {
                        include uwsgi_params;
                        uwsgi_pass 127.0.0.1:%%DEAD%%;
                    }
                }

                server {
                    listen 127.0.0.1:%%PORT%%;
                    server_name tcp.test;
            TCP_SEED
                    location /literal/ {
                        rewrite ^/[^/]+(/.*)$ $1 break;
                        include uwsgi_params;
                        uwsgi_pass uwsgi://127.0.0.1:%%TCP%%;
                    }
                }
            }
            """;

    private TestPrefix prefix;
    /** The guide's uWSGI on a unix socket: 4 processes of 2 threads, harakiri 60. */
    private Uwsgi unixApp;
    private Uwsgi tcpApp;
    /** One worker with harakiri 2: a request running longer gets its worker killed. */
    private Uwsgi shortLived;
    private int deadPort;
    private PorticoProcess server;

    @BeforeAll
    void start() throws IOException {
        prefix = TestPrefix.create();
        Files.copy(Portico.home().resolve("conf/uwsgi_params"), prefix.path("conf/uwsgi_params"));
        unixApp = Uwsgi.start(prefix.path("app"), prefix.path("app/app.sock").toString(), 4, 2,
                Duration.ofSeconds(60));
        tcpApp = Uwsgi.start(prefix.path("tcp"), "127.0.0.1:" + TestPrefix.freePort(), 2, 2, Duration.ofSeconds(60));
        shortLived = Uwsgi.start(prefix.path("harakiri"), prefix.path("harakiri/app.sock").toString(), 1, 1,
                Duration.ofSeconds(2));
        deadPort = TestPrefix.freePort();
        prefix.config(CONFIG.replace("UNIX_SEED", SEED_LOCATION.replace("NAME", "flask_app"))
                .replace("TCP_SEED", SEED_LOCATION.replace("NAME", "flask_tcp"))
                .replace("%%SOCK%%", unixApp.socketPath().toString())
                .replace("%%TCP%%", Integer.toString(tcpApp.port()))
                .replace("%%HARAKIRI%%", shortLived.socketPath().toString())
                .replace("%%DEAD%%", Integer.toString(deadPort)));
        server = PorticoProcess.start(prefix);
    }

    @AfterAll
    void stop() {
        PorticoProcess.stop(server, prefix, unixApp, tcpApp, shortLived);
    }

    private RawClient.Response get(String host, String target, String... headers) throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            c.send("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n" + String.join("", headers)
                    + "Connection: close\r\n\r\n");
            return c.read(false);
        }
    }

    private RawClient.Response post(String host, String target, String type, byte[] body) throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            c.send("POST " + target + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: " + type
                    + "\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n");
            c.send(body);
            return c.read(false);
        }
    }

    private static FlaskApp.Echo echo(RawClient.Response r) {
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return FlaskApp.Echo.parse(r.text());
    }

    /** The error-log line nginx writes for a failed GET of {@code target} on unix.test. */
    private void assertLogged(String level, String message, String target, String upstream) {
        ProxyFailuresTest.assertLogged(server, "unix.test", level, message, target, upstream);
    }

    private static void assertBuiltInPage(RawClient.Response r, int status, String title) {
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.text()).contains("<title>" + status + " " + title + "</title>");
    }

    // ---- what the application sees ----

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"unix.test", "tcp.test"})
    void cgiVariablesAndHeadersAsTheApplicationSeesThem(String host) throws Exception {
        String extra = "&environ=Host&environ=X-Real-IP&environ=X-Forwarded-For&environ=X-Forwarded-Proto";
        FlaskApp.Echo e = echo(get(host, "/echo/a%20b?q=x%2Fy&q=2" + extra,
                "X-Custom: one\r\n", "X-Forwarded-For: 203.0.113.9\r\n", "Cookie: a=1\r\n", "Cookie: b=2\r\n"));
        assertThat(e.method()).isEqualTo("GET");
        assertThat(e.environ("REQUEST_METHOD")).isEqualTo("GET");
        assertThat(e.environ("REQUEST_URI")).isEqualTo("/echo/a%20b?q=x%2Fy&q=2" + extra);
        assertThat(e.environ("PATH_INFO")).isEqualTo("/echo/a b");
        assertThat(e.environ("QUERY_STRING")).isEqualTo("q=x%2Fy&q=2" + extra);
        assertThat(e.environ("SERVER_NAME")).isEqualTo(host);
        assertThat(e.environ("SERVER_PORT")).isEqualTo(Integer.toString(server.port()));
        assertThat(e.environ("SERVER_PROTOCOL")).isEqualTo("HTTP/1.1");
        assertThat(e.environ("REQUEST_SCHEME")).isEqualTo("http");
        assertThat(e.environ("REMOTE_ADDR")).isEqualTo("127.0.0.1");
        assertThat(e.environ("REMOTE_PORT")).matches("\\d+");
        assertThat(e.environ("DOCUMENT_ROOT")).isEqualTo(prefix.path("html").toString());
        assertThat(e.environ("HTTPS")).as("if_not_empty: absent on plain HTTP").isNull();
        assertThat(e.environ("CONTENT_LENGTH")).isEmpty();
        // The guide's uwsgi_param lines set CGI variables of those names, not request headers.
        assertThat(e.environ("Host")).isEqualTo(host);
        assertThat(e.environ("X-Real-IP")).isEqualTo("127.0.0.1");
        assertThat(e.environ("X-Forwarded-For")).isEqualTo("203.0.113.9, 127.0.0.1");
        assertThat(e.environ("X-Forwarded-Proto")).isEqualTo("http");
        // Request headers arrive as HTTP_* variables, one per name.
        assertThat(e.header("Host")).isEqualTo(host);
        assertThat(e.header("X-Custom")).isEqualTo("one");
        assertThat(e.header("X-Forwarded-For")).isEqualTo("203.0.113.9");
        assertThat(e.header("Cookie")).isEqualTo("a=1; b=2");
        assertThat(Json.object(get(host, "/echo?q=%C3%A9&q=2&empty=").text()).get("args"))
                .isEqualTo(Map.of("q", java.util.List.of("é", "2"), "empty", java.util.List.of("")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"unix.test, application/x-www-form-urlencoded, name=Ada+L&lang=fr",
                "tcp.test, application/x-www-form-urlencoded, name=Ada+L&lang=fr",
                "unix.test, application/json, '{\"name\": \"Ada\", \"n\": [1, 2]}'",
                "tcp.test, application/json, '{\"name\": \"Ada\", \"n\": [1, 2]}'"})
    void postedFormsAndJsonReachTheApplication(String host, String type, String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FlaskApp.Echo e = echo(post(host, "/echo", type, bytes));
        assertThat(e.method()).isEqualTo("POST");
        assertThat(e.environ("CONTENT_TYPE")).isEqualTo(type);
        assertThat(e.environ("CONTENT_LENGTH")).isEqualTo(Integer.toString(bytes.length));
        assertThat(e.bodyLength()).isEqualTo(bytes.length);
        assertThat(e.bodySha256()).isEqualTo(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(bytes)));
    }

    @ParameterizedTest(name = "{0}{1} chunked={2}")
    @CsvSource({"unix.test, /upload, false", "tcp.test, /upload, false", "tcp.test, /literal/upload, false",
                "unix.test, /dechunked/upload, true"})
    void hundredMegabyteUploadReachesTheApplicationIntact(String host, String target, boolean chunked)
            throws Exception {
        try (RawClient c = new RawClient(server.port())) {
            c.send("POST " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + HUNDRED_MB + "\r\n")
                    + "\r\n");
            String digest = ProxyPassEndToEndTest.sendBody(c, chunked);
            RawClient.Response r = c.read(false);
            assertThat(r.status()).as(r.text()).isEqualTo(200);
            assertThat(Json.object(r.text())).containsEntry("length", HUNDRED_MB).containsEntry("sha256", digest);
        }
    }

    @Test
    void aChunkedBodyIsSpooledAndSentWithItsLength() throws Exception {
        try (RawClient c = new RawClient(server.port())) {
            c.send("POST /dechunked/echo HTTP/1.1\r\nHost: unix.test\r\nTransfer-Encoding: chunked\r\n"
                    + "Content-Type: text/plain\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
            FlaskApp.Echo e = echo(c.read(false));
            assertThat(e.environ("CONTENT_LENGTH")).isEqualTo("11");
            assertThat(e.bodyLength()).isEqualTo(11);
            assertThat(e.header("Transfer-Encoding")).isNull();
        }
        // The guide's location passes every request header, as nginx does: the application sees
        // CONTENT_LENGTH and also the client's Transfer-Encoding, and Werkzeug then reads no body.
        try (RawClient c = new RawClient(server.port())) {
            c.send("POST /echo HTTP/1.1\r\nHost: unix.test\r\nTransfer-Encoding: chunked\r\n"
                    + "Content-Type: text/plain\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
            FlaskApp.Echo e = echo(c.read(false));
            assertThat(e.environ("CONTENT_LENGTH")).isEqualTo("5");
            assertThat(e.header("Transfer-Encoding")).isEqualTo("chunked");
            assertThat(e.bodyLength()).isZero();
        }
    }

    // ---- answers ----

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"unix.test, /big?mb=100", "unix.test, /big?mb=100&chunked=1",
                "tcp.test, /big?mb=100", "tcp.test, /big?mb=100&chunked=1"})
    void hundredMegabyteAnswerReachesTheClientIntact(String host, String target) throws Exception {
        // uWSGI ends an unsized answer by closing; an HTTP/1.1 client gets it chunked.
        ProxyPassEndToEndTest.assertHundredMegabytesOfBig(get(host, target), target.contains("chunked"));
    }

    @Test
    void aSlowAnswerIsStreamedAsTheApplicationWritesIt() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            long start = System.nanoTime();
            out.write("GET /slow?chunks=3&delay=1 HTTP/1.1\r\nHost: unix.test\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            StringBuilder text = new StringBuilder();
            byte[] buf = new byte[8192];
            long firstChunk = -1;
            for (int n; (n = in.read(buf)) > 0; ) {
                text.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                if (firstChunk < 0 && text.indexOf("chunk 0\n") >= 0) {
                    firstChunk = System.nanoTime();
                }
            }
            long end = System.nanoTime();
            RawResponse r = RawConnection.parseAll(text.toString()).get(0);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Transfer-Encoding")).isEqualTo("chunked");
            assertThat(r.body()).isEqualTo("chunk 0\nchunk 1\nchunk 2\n");
            // Two one-second pauses follow the first chunk: it reached the client long before the end.
            assertThat(Duration.ofNanos(end - firstChunk)).isGreaterThan(Duration.ofMillis(1500));
            assertThat(Duration.ofNanos(end - start)).isGreaterThan(Duration.ofMillis(1900));
        }
        // An HTTP/1.0 client gets no chunked coding: the end of the answer is the close.
        RawConnection.Result r = RawConnection.exchange(server.port(),
                "GET /slow?chunks=2&delay=0.1 HTTP/1.0\r\nHost: unix.test\r\n\r\n");
        assertThat(r.text()).doesNotContain("Transfer-Encoding").endsWith("\r\n\r\nchunk 0\nchunk 1\n");
    }

    @Test
    void theApplicationsStatusAndHeadersPass() throws Exception {
        RawClient.Response r = get("tcp.test", "/headers?Server=flask-app&X-Pad=1&X-Accel-Buffering=no");
        assertThat(r.status()).isEqualTo(200);
        // nginx's uwsgi module hides only X-Accel-*: the application's Server and X-Pad pass.
        assertThat(r.all("Server")).containsExactly("flask-app");
        assertThat(r.header("X-Pad")).isEqualTo("1");
        assertThat(r.header("X-Accel-Buffering")).isNull();
        RawClient.Response notFound = get("unix.test", "/status/404");
        assertThat(notFound.status()).isEqualTo(404);
        assertThat(notFound.all("Set-Cookie")).containsExactly("a=1; Path=/", "b=2");
        assertThat(notFound.text()).isEqualTo("status 404\n");
    }

    // ---- failures ----

    @Test
    void harakiriKillingASlowRequestIs502() throws Exception {
        long start = System.nanoTime();
        assertBuiltInPage(get("unix.test", "/harakiri/sleep?s=30"), 502, "Bad Gateway");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
        assertLogged("error", "upstream prematurely closed connection while reading response header from upstream",
                "/harakiri/sleep?s=30", "uwsgi://unix:" + shortLived.socketPath() + ":");
        assertThat(shortLived.log()).contains("HARAKIRI");
    }

    @Test
    void readTimeoutIs504() throws Exception {
        assertBuiltInPage(get("unix.test", "/read-timeout/sleep?s=3"), 504, "Gateway Time-out");
        assertLogged("error", "upstream timed out (110: Connection timed out) while reading response header from"
                + " upstream", "/read-timeout/sleep?s=3", "uwsgi://unix:" + unixApp.socketPath() + ":");
    }

    @Test
    void uwsgiNotRunningIs502() throws Exception {
        // A stopped uWSGI with vacuum leaves no socket file; a TCP port nobody listens on refuses.
        assertBuiltInPage(get("unix.test", "/down/echo"), 502, "Bad Gateway");
        String sock = prefix.path("down.sock").toString();
        assertLogged("crit", "connect() to unix:" + sock + " failed (2: No such file or directory) while connecting"
                + " to upstream", "/down/echo", "uwsgi://unix:" + sock + ":");
        assertBuiltInPage(get("unix.test", "/refused/echo"), 502, "Bad Gateway");
        assertLogged("error", "connect() failed (111: Connection refused) while connecting to upstream",
                "/refused/echo", "uwsgi://127.0.0.1:" + deadPort);
    }

    @Test
    void aRequestTooBigForAPacketIs500AndNeverSent() throws Exception {
        String big = "b".repeat(7000);
        RawClient.Response r = get("unix.test", "/too-big/echo", "X-Big: " + big + "\r\n", "X-Big: " + big + "\r\n");
        assertBuiltInPage(r, 500, "Internal Server Error");
        String log = server.awaitErrorLog("uwsgi request is too big");
        assertThat(log).containsPattern(Pattern.compile("(?m)^\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d \\[alert\\]"
                + " \\d+#\\d+: \\*\\d+ uwsgi request is too big: \\d{5,}, client: 127.0.0.1, server: unix.test,"
                + " request: \"GET /too-big/echo HTTP/1.1\", host: \"unix.test\"$"));
        assertThat(unixApp.log()).doesNotContain("/too-big/");
        // One header less fits: the location works.
        assertThat(get("unix.test", "/too-big/echo", "X-Big: " + big + "\r\n").status()).isEqualTo(200);
    }

    /**
     * The guide's troubleshooting case: a socket the server's user may not open. Tests run as
     * root, which any socket mode lets in, so this Portico runs as nobody (the user directive);
     * uWSGI (as root) makes its socket root's with mode 660 (chmod-socket). The same socket
     * opened up to 666 then answers, so the 502 was the permission.
     */
    @Test
    void aSocketWithWrongPermissionsIs502NamingThePathAndTheError() throws Exception {
        try (TestPrefix other = TestPrefix.create()) {
            Files.setPosixFilePermissions(other.dir(), PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(other.path("logs"), PosixFilePermissions.fromString("rwxrwxrwx"));
            Files.copy(Portico.home().resolve("conf/uwsgi_params"), other.path("conf/uwsgi_params"));
            Path appDir = Files.createDirectories(other.path("app"));
            Files.setPosixFilePermissions(appDir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Uwsgi app = Uwsgi.start(appDir, appDir.resolve("app.sock").toString(), 1, 1, Duration.ofSeconds(60));
            PorticoProcess nobody = null;
            try {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(app.socketPath())))
                        .isEqualTo("rw-rw----");
                other.config("""
                        daemon off;
                        user nobody nogroup;
                        error_log logs/error.log info;
                        events {
                        }
                        http {
                            upstream flask_app {
                                server unix:%%SOCK%% fail_timeout=0;
                            }
                            server {
                                listen 127.0.0.1:%%PORT%%;
                                server_name perm.test;
                        SEED
                            }
                        }
                        """.replace("SEED", SEED_LOCATION.replace("NAME", "flask_app"))
                        .replace("%%SOCK%%", app.socketPath().toString()));
                nobody = PorticoProcess.start(other);
                assertThat(ProcessHandle.of(nobody.pid()).flatMap(h -> h.info().user())).hasValue("nobody");
                RawClient.Response r;
                try (RawClient c = new RawClient(other.port())) {
                    c.send("GET /echo HTTP/1.1\r\nHost: perm.test\r\nConnection: close\r\n\r\n");
                    r = c.read(false);
                }
                assertBuiltInPage(r, 502, "Bad Gateway");
                String text = "connect() to unix:" + app.socketPath() + " failed (13: Permission denied) while"
                        + " connecting to upstream, client: 127.0.0.1, server: perm.test, request: \"GET /echo"
                        + " HTTP/1.1\", upstream: \"uwsgi://unix:" + app.socketPath() + ":\", host: \"perm.test\"";
                assertThat(nobody.awaitErrorLog(text)).containsPattern(Pattern.compile(
                        "(?m)^\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d \\[crit\\] \\d+#\\d+: \\*\\d+ "
                                + Pattern.quote(text) + "$"));

                Files.setPosixFilePermissions(app.socketPath(), PosixFilePermissions.fromString("rw-rw-rw-"));
                try (RawClient c = new RawClient(other.port())) {
                    c.send("GET /echo HTTP/1.1\r\nHost: perm.test\r\nConnection: close\r\n\r\n");
                    assertThat(c.read(false).status()).isEqualTo(200);
                }
            } finally {
                PorticoProcess.stop(nobody, null, app);
            }
        }
    }
}
