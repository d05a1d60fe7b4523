package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portico.e2e.upstream.FlaskApp;
import dev.portico.e2e.upstream.Gunicorn;
import dev.portico.e2e.upstream.Uwsgi;
import dev.portico.tls.TestCertificates;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * HTTP/2 end to end, on bin/portico: h2 by ALPN on `listen ... ssl http2`, h2c with prior
 * knowledge beside HTTP/1.1 on a cleartext `http2 on` address, static files, proxy_pass to the
 * real Gunicorn and uwsgi_pass to the real uWSGI running examples/flaskapp with large bodies both
 * ways, many streams on one connection (h2load), the stream limit, nginx's request checks, the
 * access log and $http2, a rapid-reset flood, and GOAWAY at reload and at a graceful stop.
 * Clients: curl, h2load, Java's HttpClient and a raw frame client ({@link H2Client}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Http2Test {

    private static final String CONFIG = """
            daemon off;
            error_log logs/error.log info;
            events { }
            http {
                include mime.types;
                log_format h2vars '"$request" $status $server_protocol "$http2" $connection $connection_requests';
                access_log logs/access.log;
                access_log logs/h2vars.log h2vars;
                client_max_body_size 200m;

                server {
                    listen 127.0.0.1:%%PORT%% ssl http2;
                    server_name localhost;
                    ssl_certificate certs/localhost-fullchain.pem;
                    ssl_certificate_key certs/localhost.key;
                    root www;
                    location /g/ { proxy_pass http://127.0.0.1:%%APP%%/; }
                    location /gs/ {
                        proxy_pass http://127.0.0.1:%%APP%%/;
                        proxy_request_buffering off;
                        proxy_buffering off;
                    }
                    location /u/ {
                        rewrite ^/u(/.*)$ $1 break;
                        include uwsgi_params;
                        uwsgi_pass 127.0.0.1:%%UWSGI%%;
                    }
                    location = /vars { return 200 "$http2 $server_protocol \\"$request\\" $scheme $host\\n"; }
                    location = /moved { return 302 /index.html; }
                }

                server {
                    listen 127.0.0.1:%%PORT2%%;
                    http2 on;
                    http2_chunk_size 4k;
                    root www;
                    location /g/ { proxy_pass http://127.0.0.1:%%APP%%/; }
                    location = /vars { return 200 "$http2 $server_protocol \\"$request\\" $scheme $host\\n"; }
                    location = /status { stub_status; }
                }

                server {
                    listen 127.0.0.1:%%PORT3%%;
                    root www;
                }

                server {
                    listen 127.0.0.1:%%LIMITED%% http2;
                    http2_max_concurrent_streams 5;
                    location /g/ { proxy_pass http://127.0.0.1:%%APP%%/; }
                }

                # Two servers on one TLS address with HTTP/2 settings of their own: SNI chooses.
                server {
                    listen 127.0.0.1:%%SNI%% ssl http2;
                    server_name one.test;
                    http2_max_concurrent_streams 7;
                    ssl_certificate certs/localhost-fullchain.pem;
                    ssl_certificate_key certs/localhost.key;
                    root www;
                }

                server {
                    listen 127.0.0.1:%%SNI%% ssl http2;
                    server_name two.test;
                    http2_max_concurrent_streams 9;
                    http2_body_preread_size 128k;
                    large_client_header_buffers 4 1k;
                    ssl_certificate certs/localhost-fullchain.pem;
                    ssl_certificate_key certs/localhost.key;
                    root www;
                }
            }
            """;

    private TestPrefix prefix;
    private Gunicorn app;
    private Uwsgi uwsgi;
    private PorticoProcess server;
    private TestCertificates certs;
    private String bigSha;
    private int limited;
    private int sniPort;

    @BeforeAll
    void start() throws IOException {
        prefix = TestPrefix.create();
        app = Gunicorn.start(prefix.path("app"), List.of("127.0.0.1:" + TestPrefix.freePort()), 4, "sync",
                Duration.ofSeconds(60));
        int uwsgiPort = TestPrefix.freePort();
        uwsgi = Uwsgi.start(prefix.path("uwsgi"), "127.0.0.1:" + uwsgiPort, 2, 2, Duration.ofSeconds(60));
        certs = TestCertificates.create(prefix.path("conf/certs")).chainLeaf("localhost");
        Files.copy(Portico.home().resolve("conf/uwsgi_params"), prefix.path("conf/uwsgi_params"));
        Files.copy(Portico.home().resolve("conf/mime.types"), prefix.path("conf/mime.types"));
        Files.createDirectories(prefix.path("www"));
        Files.writeString(prefix.path("www/index.html"), "hello over h2\n");
        byte[] big = new byte[24 * 1024 * 1024 + 123];
        new Random(7).nextBytes(big);
        Files.write(prefix.path("www/big.bin"), big);
        bigSha = sha256(big);
        limited = TestPrefix.freePort();
        sniPort = TestPrefix.freePort();
        prefix.config(CONFIG.replace("%%APP%%", Integer.toString(app.port()))
                .replace("%%UWSGI%%", Integer.toString(uwsgiPort)).replace("%%LIMITED%%", Integer.toString(limited))
                .replace("%%SNI%%", Integer.toString(sniPort)));
        server = PorticoProcess.start(prefix);
    }

    @AfterAll
    void stop() {
        PorticoProcess.stop(server, prefix, app, uwsgi);
    }

    private String tls(String path) {
        return "https://localhost:" + prefix.port() + path;
    }

    /** curl over h2 (ALPN) to the TLS server; the last line of stdout is "%{http_version} %{http_code}". */
    private CommandResult curlTls(String path, String... extra) {
        List<String> args = new ArrayList<>(List.of("--http2", "--cacert", certs.path("root.pem").toString(),
                "-w", "\n%{http_version} %{http_code}"));
        args.addAll(List.of(extra));
        args.add(tls(path));
        return Curl.run(args.toArray(new String[0]));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static String sha256Of(Path file) throws IOException {
        return sha256(Files.readAllBytes(file));
    }

    private HttpClient javaClient() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, certs.trustManagers(), null);
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(context)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    private URI javaUri(String path) {
        return URI.create("https://localhost:" + prefix.port() + path);
    }

    @Test
    void staticFilesOverH2ByAlpnAndOverH2cWithPriorKnowledgeBesideHttp11() throws IOException {
        CommandResult h2 = curlTls("/index.html");
        assertThat(h2.stdout()).isEqualTo("hello over h2\n\n2 200");
        CommandResult h2c = Curl.run("--http2-prior-knowledge", "-w", "\n%{http_version} %{http_code}",
                "http://127.0.0.1:" + prefix.port(2) + "/index.html");
        assertThat(h2c.stdout()).isEqualTo("hello over h2\n\n2 200");
        // The same cleartext port still speaks HTTP/1.1 (nginx 1.25's preface detection).
        CommandResult http11 = Curl.run("--http1.1", "-w", "\n%{http_version} %{http_code}",
                "http://127.0.0.1:" + prefix.port(2) + "/index.html");
        assertThat(http11.stdout()).isEqualTo("hello over h2\n\n1.1 200");
        // A large file arrives intact both ways.
        Path viaTls = prefix.path("got-tls.bin");
        Path viaH2c = prefix.path("got-h2c.bin");
        assertThat(curlTls("/big.bin", "-o", viaTls.toString()).stdout()).endsWith("2 200");
        assertThat(Curl.run("--http2-prior-knowledge", "-w", "%{http_version} %{http_code}", "-o", viaH2c.toString(),
                "http://127.0.0.1:" + prefix.port(2) + "/big.bin").stdout()).isEqualTo("2 200");
        assertThat(sha256Of(viaTls)).isEqualTo(bigSha);
        assertThat(sha256Of(viaH2c)).isEqualTo(bigSha);
    }

    @Test
    void aCleartextAddressWithoutHttp2AnswersThePrefaceAsHttp1() {
        // As nginx 1.22 on an address without http2: the preface is a malformed HTTP/1 request.
        RawConnection.Result r = RawConnection.exchange(prefix.port(3), "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        assertThat(r.response().statusLine()).startsWith("HTTP/1.1 ");
        assertThat(r.response().status()).isBetween(400, 505);
    }

    @Test
    void responseHeadsHaveNoConnectionHeadersAndRedirectsAreAbsolute() {
        CommandResult r = curlTls("/moved", "-i");
        String head = r.stdout().substring(0, r.stdout().indexOf("\r\n\r\n")).toLowerCase();
        assertThat(head).startsWith("http/2 302");
        assertThat(head).contains("\r\nlocation: https://localhost:" + prefix.port() + "/index.html");
        assertThat(head).contains("\r\nserver: portico/").contains("\r\ndate: ");
        assertThat(head).doesNotContain("connection:").doesNotContain("keep-alive").doesNotContain("transfer-encoding");
    }

    @Test
    void variablesAndTheAccessLogOfHttp2Requests() {
        assertThat(curlTls("/vars").stdout()).isEqualTo("h2 HTTP/2.0 \"GET /vars HTTP/2.0\" https localhost\n\n2 200");
        assertThat(Curl.run("--http2-prior-knowledge", "http://127.0.0.1:" + prefix.port(2) + "/vars").stdout())
                .isEqualTo("h2c HTTP/2.0 \"GET /vars HTTP/2.0\" http 127.0.0.1\n");
        assertThat(Curl.run("--http1.1", "http://127.0.0.1:" + prefix.port(2) + "/vars").stdout())
                .isEqualTo(" HTTP/1.1 \"GET /vars HTTP/1.1\" http 127.0.0.1\n");
        curlTls("/index.html", "-A", "h2-agent", "-e", "http://ref.test/");
        // nginx's combined format, as nginx writes it for h2.
        String access = PorticoProcess.awaitText(prefix::accessLog, "\"GET /index.html HTTP/2.0\" 200 14"
                + " \"http://ref.test/\" \"h2-agent\"", Duration.ofSeconds(10));
        assertThat(access).containsPattern("127\\.0\\.0\\.1 - - \\[[^]]+] \"GET /index.html HTTP/2.0\" 200 14"
                + " \"http://ref.test/\" \"h2-agent\"");
        String vars = PorticoProcess.awaitText(() -> prefix.read("logs/h2vars.log"),
                "\"GET /vars HTTP/2.0\" 200 HTTP/2.0 \"h2c\"", Duration.ofSeconds(10));
        assertThat(vars).contains("\"GET /vars HTTP/2.0\" 200 HTTP/2.0 \"h2\"")
                .contains("\"GET /vars HTTP/1.1\" 200 HTTP/1.1 \"\"");
    }

    /** A random body of {@code mb} MiB, written to a file; its SHA-256 by the file's path. */
    private Path randomFile(String name, int mb, long seed) throws IOException {
        byte[] bytes = new byte[mb * 1024 * 1024];
        new Random(seed).nextBytes(bytes);
        Path file = prefix.path(name);
        Files.write(file, bytes);
        return file;
    }

    /** POST {@code file} to {@code location}upload and GET {@code location}big over h2: both intact. */
    private void bodiesBothWays(String location, Path file, int mb) throws IOException {
        CommandResult up = curlTls(location + "upload", "--data-binary", "@" + file);
        assertThat(up.stdout()).as(location).contains("\"sha256\": \"" + sha256Of(file) + "\"").endsWith("2 200");
        Path down = prefix.path("down.bin");
        assertThat(curlTls(location + "big?mb=" + mb, "-o", down.toString()).stdout()).endsWith("2 200");
        assertThat(sha256Of(down)).as(location).isEqualTo(FlaskApp.bigSha256(mb * 1024L * 1024));
    }

    @Test
    void proxyPassStreamsLargeBodiesBothWaysOverH2() throws Exception {
        Path file = randomFile("upload.bin", 40, 11);
        bodiesBothWays("/g/", file, 40);
        bodiesBothWays("/gs/", file, 40); // proxy_request_buffering off, proxy_buffering off
        // Java's client sends a body of unknown length (no Content-Length) over h2.
        byte[] upload = Files.readAllBytes(file);
        HttpClient client = javaClient();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(javaUri("/gs/upload"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(upload)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(r.body()).contains("\"length\": " + upload.length).contains("\"sha256\": \"" + sha256(upload) + "\"");
        // Cookie fields are one Cookie header upstream, joined as nginx joins them.
        HttpResponse<String> echo = client.send(HttpRequest.newBuilder(javaUri("/g/echo"))
                .header("Cookie", "a=1").header("Cookie", "b=2").build(), HttpResponse.BodyHandlers.ofString());
        FlaskApp.Echo e = FlaskApp.Echo.parse(echo.body());
        assertThat(e.header("Cookie")).isEqualTo("a=1; b=2");
        assertThat(e.header("Host")).isEqualTo("127.0.0.1:" + app.port());
    }

    @Test
    void uwsgiPassStreamsLargeBodiesBothWaysOverH2() throws IOException {
        bodiesBothWays("/u/", randomFile("upload-u.bin", 30, 13), 30);
    }

    @Test
    void manyConcurrentStreamsOnFewConnections() {
        for (String url : List.of(tls("/index.html"),
                "http://127.0.0.1:" + prefix.port(2) + "/index.html")) {
            CommandResult r = Portico.exec(new ProcessBuilder("/usr/bin/h2load", "-n", "2000", "-c", "4", "-m", "32",
                    url), Duration.ofSeconds(60));
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.stdout()).as(url).contains("requests: 2000 total, 2000 started, 2000 done, 2000 succeeded,"
                    + " 0 failed, 0 errored, 0 timeout").contains("status codes: 2000 2xx");
        }
    }

    @Test
    void stubStatusCountsEachStreamAsARequest() {
        String url = "http://127.0.0.1:" + prefix.port(2);
        long before = statusRequests(Curl.run("--http2-prior-knowledge", url + "/status").stdout());
        CommandResult load = Portico.exec(new ProcessBuilder("/usr/bin/h2load", "-n", "20", "-c", "1", "-m", "4",
                url + "/index.html"), Duration.ofSeconds(60));
        assertThat(load.stdout()).contains("20 succeeded");
        String after = Curl.run("--http2-prior-knowledge", url + "/status").stdout();
        // The 20 streams and this request; the status request's own connection is writing.
        assertThat(statusRequests(after)).isGreaterThanOrEqualTo(before + 21);
        assertThat(after).containsPattern("Active connections: [1-9]").containsPattern("Writing: [1-9]");
    }

    private static long statusRequests(String page) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\n \\d+ \\d+ (\\d+) \\n").matcher(page);
        assertThat(m.find()).as(page).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void theStreamLimitIsAdvertisedAndAStreamPastItIsRefused() {
        try (H2Client c = new H2Client(limited)) {
            H2Client.Frame settings = c.await(f -> f.type() == H2Client.SETTINGS && (f.flags() & 1) == 0,
                    Duration.ofSeconds(10));
            assertThat(settings.settings()).containsEntry(3, 5L).containsEntry(4, 65536L);
            for (int stream = 1; stream <= 11; stream += 2) {
                c.headers(stream, H2Client.get("/g/sleep?s=1"), true);
            }
            c.flush();
            H2Client.Frame refused = c.await(f -> f.type() == H2Client.RST_STREAM, Duration.ofSeconds(10));
            assertThat(refused.streamId()).isEqualTo(11);
            assertThat(refused.errorCode()).isEqualTo(7); // REFUSED_STREAM
            AtomicInteger answered = new AtomicInteger();
            while (answered.get() < 5) {
                H2Client.Frame f = c.await(x -> x.type() == H2Client.HEADERS, Duration.ofSeconds(20));
                assertThat(f.headers().status().toString()).isEqualTo("200");
                answered.incrementAndGet();
            }
        }
        server.awaitErrorLog("concurrent streams exceeded 5");
    }

    /** The SETTINGS frame a TLS connection gets for {@code serverName} (null: no SNI), as id → value. */
    private Map<Integer, Long> settingsOverTls(String serverName) {
        try (H2Client c = H2Client.tls(sniPort, serverName, certs.trustManagers())) {
            return c.await(f -> f.type() == H2Client.SETTINGS && (f.flags() & 1) == 0, Duration.ofSeconds(10))
                    .settings();
        }
    }

    @Test
    void aTlsConnectionHasTheHttp2SettingsOfTheServerItsSniNameChose() {
        // 3: MAX_CONCURRENT_STREAMS, 4: INITIAL_WINDOW_SIZE, 6: MAX_HEADER_LIST_SIZE (twice the header limit).
        assertThat(settingsOverTls("one.test")).containsEntry(3, 7L).containsEntry(4, 65536L)
                .containsEntry(6, 2L * 4 * 8192);
        assertThat(settingsOverTls("two.test")).containsEntry(3, 9L).containsEntry(4, 131072L)
                .containsEntry(6, 2L * 4 * 1024);
        // No name, or one no server has: the address's default server (the first), as nginx.
        assertThat(settingsOverTls(null)).containsEntry(3, 7L);
        assertThat(settingsOverTls("other.test")).containsEntry(3, 7L);
    }

    @Test
    void connectionHeadersAndOversizedHeadersAreRefusedAsNginxDoes() {
        try (H2Client c = new H2Client(prefix.port(2))) {
            c.headers(1, H2Client.get("/index.html").add("connection", "keep-alive"), true).flush();
            H2Client.Frame head = c.await(f -> f.type() == H2Client.HEADERS, Duration.ofSeconds(10));
            assertThat(head.headers().status().toString()).isEqualTo("400");
            // A header field larger than a large_client_header_buffers buffer (8k) ends the connection.
            c.headers(3, H2Client.get("/index.html").add("x-big", "v".repeat(9000)), true).flush();
            H2Client.Frame goAway = c.await(f -> f.type() == H2Client.GOAWAY, Duration.ofSeconds(10));
            assertThat(goAway.errorCode()).isEqualTo(0xb); // ENHANCE_YOUR_CALM
            assertThat(c.closedByServer()).isTrue();
        }
        server.awaitErrorLog("client sent \"Connection\" header, client: 127.0.0.1");
        server.awaitErrorLog("client sent too large header field while processing HTTP/2 connection");
    }

    @Test
    void aRapidResetFloodGetsGoAwayWhileAnotherConnectionIsServed() throws Exception {
        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicInteger goodAnswers = new AtomicInteger();
        List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread good = new Thread(() -> {
            try (H2Client c = new H2Client(prefix.port(2))) {
                int stream = 1;
                while (flooding.get() || goodAnswers.get() < 20) {
                    c.headers(stream, H2Client.get("/index.html"), true).flush();
                    int id = stream;
                    H2Client.Frame f = c.await(x -> x.type() == H2Client.HEADERS && x.streamId() == id,
                            Duration.ofSeconds(10));
                    if (!"200".contentEquals(f.headers().status())) {
                        failures.add(f.toString());
                    }
                    goodAnswers.incrementAndGet();
                    stream += 2;
                }
            } catch (Throwable t) {
                failures.add(t.toString());
            }
        });
        good.start();
        try (H2Client flood = new H2Client(prefix.port(2))) {
            H2Client.Frame goAway = null;
            for (int stream = 1; stream < 2 * 1000 && goAway == null; stream += 2) {
                flood.headers(stream, H2Client.get("/index.html"), true).rst(stream, 8).flush();
                if (stream % 64 == 1) {
                    // Read what has come: the flood ends at GOAWAY.
                    goAway = pendingGoAway(flood);
                }
            }
            if (goAway == null) {
                goAway = flood.await(f -> f.type() == H2Client.GOAWAY, Duration.ofSeconds(10));
            }
            assertThat(goAway.errorCode()).isEqualTo(0xb); // ENHANCE_YOUR_CALM
            assertThat(flood.closedByServer()).isTrue();
        } finally {
            flooding.set(false);
            good.join(30_000);
        }
        assertThat(failures).isEmpty();
        assertThat(goodAnswers.get()).isGreaterThanOrEqualTo(20);
        server.awaitErrorLog("http2 flood detected");
        assertThat(Curl.run("--http2-prior-knowledge", "-w", "%{http_version} %{http_code}", "-o", "/dev/null",
                "http://127.0.0.1:" + prefix.port(2) + "/index.html").stdout()).isEqualTo("2 200");
    }

    @Test
    void emptyDataAndContinuationFloodsGetGoAway() {
        try (H2Client c = new H2Client(prefix.port(2))) {
            c.headers(1, H2Client.get("/g/upload").method("POST"), false);
            for (int i = 0; i < 4; i++) {
                c.raw(H2Client.DATA, 0, 1, new byte[0]);
            }
            H2Client.Frame goAway = c.flush().await(f -> f.type() == H2Client.GOAWAY, Duration.ofSeconds(10));
            assertThat(goAway.errorCode()).isEqualTo(0xb); // ENHANCE_YOUR_CALM
            assertThat(c.closedByServer()).isTrue();
        }
        try (H2Client c = new H2Client(prefix.port(2))) {
            // A header block dribbled out in one-byte CONTINUATION frames.
            byte[] block = c.block(1, H2Client.get("/index.html").add("x-pad", "p".repeat(200)));
            c.raw(H2Client.HEADERS, H2Client.END_STREAM, 1, new byte[] {block[0]});
            for (int i = 1; i < block.length - 1; i++) {
                c.raw(H2Client.CONTINUATION, 0, 1, new byte[] {block[i]});
            }
            c.raw(H2Client.CONTINUATION, H2Client.END_HEADERS, 1, new byte[] {block[block.length - 1]});
            H2Client.Frame goAway = c.flush().await(f -> f.type() == H2Client.GOAWAY, Duration.ofSeconds(10));
            assertThat(goAway.errorCode()).isEqualTo(0xb);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void responseBodiesGoOutInFramesOfHttp2ChunkSize() {
        try (H2Client c = new H2Client(prefix.port(2))) {
            c.headers(1, H2Client.get("/big.bin"), true).flush();
            int received = 0;
            int largest = 0;
            while (received < 65535) {
                H2Client.Frame f = c.await(x -> x.type() == H2Client.DATA, Duration.ofSeconds(10));
                received += f.payload().length;
                largest = Math.max(largest, f.payload().length);
            }
            assertThat(largest).isEqualTo(4096); // http2_chunk_size 4k
        }
    }

    /** A GOAWAY the server has already sent, without waiting for one; null if none. */
    private static H2Client.Frame pendingGoAway(H2Client c) {
        try {
            while (c.available() > 0) {
                H2Client.Frame f = c.read();
                if (f == null) {
                    return null;
                }
                if (f.type() == H2Client.GOAWAY) {
                    return f;
                }
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    @Test
    void aReloadSaysGoAwayAndTheOpenStreamIsAnswered() {
        try (H2Client c = new H2Client(prefix.port(2))) {
            // A stream that waits on Gunicorn while the configuration changes; stream 3's answer
            // shows that stream 1 has begun (streams start in order).
            c.headers(1, H2Client.get("/g/sleep?s=1"), true).headers(3, H2Client.get("/index.html"), true).flush();
            c.await(f -> f.type() == H2Client.HEADERS && f.streamId() == 3, Duration.ofSeconds(10));
            server.signal("HUP");
            H2Client.Frame goAway = c.await(f -> f.type() == H2Client.GOAWAY, Duration.ofSeconds(20));
            assertThat(goAway.errorCode()).isZero();
            assertThat(goAway.lastStreamId()).isEqualTo(3);
            H2Client.Frame answer = c.await(f -> f.type() == H2Client.HEADERS && f.streamId() == 1,
                    Duration.ofSeconds(20));
            assertThat(answer.headers().status().toString()).isEqualTo("200");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(Curl.run("--http2-prior-knowledge", "-w", "%{http_version} %{http_code}", "-o", "/dev/null",
                "http://127.0.0.1:" + prefix.port(2) + "/index.html").stdout()).isEqualTo("2 200");
    }

    @Test
    void keepaliveRequestsAndKeepaliveTimeoutEndConnectionsWithGoAway() throws IOException {
        try (TestPrefix own = TestPrefix.create()) {
            Files.createDirectories(own.path("www"));
            Files.writeString(own.path("www/index.html"), "ok\n");
            own.config("""
                    daemon off;
                    error_log logs/error.log info;
                    events { }
                    http {
                        keepalive_requests 3;
                        keepalive_timeout 1s;
                        server { listen 127.0.0.1:%%PORT%% http2; root www; }
                    }
                    """);
            PorticoProcess small = PorticoProcess.start(own);
            try {
                try (H2Client c = new H2Client(own.port())) {
                    // The third stream reaches keepalive_requests: it is answered, with a GOAWAY naming it.
                    c.headers(1, H2Client.get("/index.html"), true).headers(3, H2Client.get("/index.html"), true)
                            .headers(5, H2Client.get("/index.html"), true).flush();
                    H2Client.Frame goAway = c.await(f -> f.type() == H2Client.GOAWAY, Duration.ofSeconds(10));
                    assertThat(goAway.errorCode()).isZero();
                    assertThat(goAway.lastStreamId()).isEqualTo(5);
                    c.await(f -> f.type() == H2Client.HEADERS && f.streamId() == 5, Duration.ofSeconds(10));
                    assertThat(c.closedByServer()).isTrue();
                }
                try (H2Client c = new H2Client(own.port())) {
                    c.headers(1, H2Client.get("/index.html"), true).flush();
                    c.await(f -> f.type() == H2Client.HEADERS && f.streamId() == 1, Duration.ofSeconds(10));
                    // Idle past keepalive_timeout: GOAWAY, then the close.
                    long start = System.nanoTime();
                    H2Client.Frame goAway = c.await(f -> f.type() == H2Client.GOAWAY, Duration.ofSeconds(10));
                    assertThat(goAway.errorCode()).isZero();
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(500));
                    assertThat(c.closedByServer()).isTrue();
                }
            } finally {
                small.close();
            }
        }
    }

    @Test
    void aGracefulStopSaysGoAwayAndFinishesTheOpenStream() throws IOException {
        try (TestPrefix own = TestPrefix.create()) {
            Files.createDirectories(own.path("www"));
            byte[] file = new byte[1024 * 1024];
            new Random(3).nextBytes(file);
            Files.write(own.path("www/file.bin"), file);
            own.config("""
                    daemon off;
                    error_log logs/error.log info;
                    events { }
                    http {
                        server { listen 127.0.0.1:%%PORT%% http2; root www; }
                    }
                    """);
            PorticoProcess quitting = PorticoProcess.start(own);
            try (H2Client c = new H2Client(own.port())) {
                // The client's window (65535) holds the response back: the stream stays open.
                c.headers(1, H2Client.get("/file.bin"), true).flush();
                java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
                while (body.size() < 65535) {
                    H2Client.Frame f = c.await(x -> x.type() == H2Client.DATA, Duration.ofSeconds(10));
                    body.write(f.payload());
                }
                quitting.signal("QUIT");
                H2Client.Frame goAway = c.await(f -> f.type() == H2Client.GOAWAY, Duration.ofSeconds(20));
                assertThat(goAway.errorCode()).isZero();
                assertThat(goAway.lastStreamId()).isEqualTo(1);
                // Opening the window lets the file finish; then the server closes and exits.
                c.windowUpdate(0, 4 * 1024 * 1024).windowUpdate(1, 4 * 1024 * 1024).flush();
                for (H2Client.Frame f = c.read(); f != null; f = c.read()) {
                    if (f.type() == H2Client.DATA && f.streamId() == 1) {
                        body.write(f.payload());
                    }
                }
                assertThat(body.size()).isEqualTo(file.length);
                assertThat(sha256(body.toByteArray())).isEqualTo(sha256(file));
            }
            assertThat(quitting.waitForExit(Duration.ofSeconds(20))).isZero();
            quitting.close();
        }
    }
}
