package dev.portico.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portico.e2e.upstream.FlaskApp;
import dev.portico.e2e.upstream.Gunicorn;
import dev.portico.e2e.upstream.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * proxy_pass in front of the real Gunicorn running examples/flaskapp: what the
 * application received and what the client got, on TCP and on a unix socket,
 * including failures.
 */
class ProxyPassTest {

    @TempDir
    static Path dir;

    static Gunicorn app;
    static int appPort;
    static RunningServer server;
    static int port;
    static int deadPort;
    static Path errorLog;
    /** A plain socket standing in for an upstream whose side of the connection the test watches. */
    static ServerSocket watched;

    @BeforeAll
    static void start() throws Exception {
        Path appDir = Files.createDirectories(dir.resolve("app"));
        appPort = freePort();
        app = Gunicorn.start(appDir, List.of("127.0.0.1:" + appPort, "unix:" + appDir.resolve("app.sock")), 4,
                "sync", Duration.ofSeconds(60));
        port = freePort();
        deadPort = freePort(); // nothing listens there
        watched = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
        errorLog = dir.resolve("error.log");
        Files.createDirectories(dir.resolve("html"));
        Files.writeString(dir.resolve("html/50x.html"), "custom 50x page\n");
        Files.writeString(dir.resolve("html/custom404.html"), "custom 404 page\n");
        String up = "127.0.0.1:" + appPort;
        String conf = """
                events {}
                http {
                    error_log ERRLOG info;
                    access_log off;
                    client_max_body_size 0;
                    server {
                        listen 127.0.0.1:PORT;
                        server_name localhost;
                        proxy_set_header X-From-Server inherited;

                        location / {
                            proxy_pass http://UP;
                            proxy_set_header Host $host;
                            proxy_set_header X-Real-IP $remote_addr;
                            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                            proxy_set_header X-Forwarded-Proto $scheme;
                        }
                        location /app/ {
                            proxy_pass http://UP/echo/;
                        }
                        location /unix/ {
                            proxy_pass http://unix:SOCK:/echo/;
                        }
                        location /redir/ {
                            proxy_pass http://UP/;
                        }
                        location /refused/ {
                            proxy_pass http://127.0.0.1:DEAD;
                        }
                        location /upload-elsewhere/ {
                            proxy_pass http://127.0.0.1:DEAD;
                            error_page 502 = @upload;
                        }
                        location @upload {
                            rewrite ^ /upload break;
                            proxy_pass http://UP;
                        }
                        location /refused-page/ {
                            proxy_pass http://127.0.0.1:DEAD;
                            error_page 502 504 /50x.html;
                        }
                        location /slow/ {
                            proxy_pass http://UP/;
                            proxy_read_timeout 1s;
                        }
                        location /intercept/ {
                            proxy_pass http://UP/;
                            proxy_intercept_errors on;
                            error_page 404 /custom404.html;
                        }
                        location /nobody/ {
                            proxy_pass http://UP/echo/;
                            proxy_pass_request_body off;
                            proxy_pass_request_headers off;
                            proxy_set_header Connection "";
                        }
                        location /hide/ {
                            proxy_pass http://UP/;
                            proxy_hide_header X-App;
                        }
                        location /vars/ {
                            proxy_pass http://UP/;
                            add_header X-Up-Addr $upstream_addr;
                            add_header X-Up-Status $upstream_status;
                            add_header X-Up-App $upstream_http_x_app;
                            add_header X-Up-Connect $upstream_connect_time;
                            add_header X-Proxy-Host $proxy_host;
                            add_header X-Proxy-Port $proxy_port;
                        }
                        location /rw/ {
                            rewrite ^/rw/(.*)$ /echo/rewritten/$1 break;
                            proxy_pass http://UP;
                        }
                        location /v11/ {
                            proxy_pass http://UP/;
                            proxy_http_version 1.1;
                            proxy_request_buffering off;
                        }
                        location /passhdr/ {
                            proxy_pass http://UP/;
                            proxy_pass_header Server;
                            proxy_redirect http://UP/ http://$host/mapped/;
                        }
                        location /watched/ {
                            proxy_pass http://127.0.0.1:WATCHED;
                        }
                        location = /50x.html { root HTML; }
                        location = /custom404.html { root HTML; }
                    }
                }
                """.replace("ERRLOG", errorLog.toString()).replace("PORT", Integer.toString(port))
                .replace("UP", up).replace("DEAD", Integer.toString(deadPort))
                .replace("WATCHED", Integer.toString(watched.getLocalPort()))
                .replace("SOCK", app.socketPath().toString()).replace("HTML", dir.resolve("html").toString());
        server = RunningServer.start(dir, conf);
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        if (app != null) {
            app.close();
        }
        if (watched != null) {
            watched.close();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** What the application saw of the request, from its /echo answer. */
    static FlaskApp.Echo echo(RawClient.Response r) {
        assertEquals(200, r.status(), r.text());
        return FlaskApp.Echo.parse(r.text());
    }

    static RawClient.Response get(String target, String extraHeaders) throws IOException {
        try (RawClient c = new RawClient(port)) {
            c.send("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extraHeaders + "Connection: close\r\n\r\n");
            return c.read(false);
        }
    }

    /** The error log's text once it holds {@code expected} (the log is written by its own thread). */
    static String logContaining(String expected) throws Exception {
        String text = "";
        for (int i = 0; i < 50; i++) {
            text = Files.exists(errorLog) ? Files.readString(errorLog) : "";
            if (text.contains(expected)) {
                return text;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("error log lacks [" + expected + "]:\n" + text);
    }

    @Test
    void seedLocationBlockSendsConfiguredHeadersAndHidesHopHeaders() throws Exception {
        RawClient.Response r = get("/echo/x?a=1", "X-Forwarded-For: 10.0.0.1\r\nTE: trailers\r\n"
                + "Keep-Alive: timeout=5\r\nX-Custom: kept\r\n");
        FlaskApp.Echo echo = echo(r);
        assertEquals("GET", echo.method());
        assertEquals("/echo/x?a=1", echo.uri());
        assertEquals("HTTP/1.0", echo.protocol());
        assertEquals("localhost", echo.header("Host"));
        assertEquals("127.0.0.1", echo.header("X-Real-IP"));
        assertEquals("10.0.0.1, 127.0.0.1", echo.header("X-Forwarded-For"));
        assertEquals("http", echo.header("X-Forwarded-Proto"));
        assertEquals("close", echo.header("Connection"));
        assertEquals("kept", echo.header("X-Custom"));
        assertFalse(echo.headerNames().contains("te"), echo.headerNames().toString());
        assertFalse(echo.headerNames().contains("keep-alive"), echo.headerNames().toString());
        assertEquals("127.0.0.1", echo.remoteAddr());
        // A level with its own proxy_set_header inherits none from above.
        assertFalse(echo.headerNames().contains("x-from-server"), echo.headerNames().toString());
        // Portico's own Server and Date, once each; Gunicorn's are hidden as nginx hides them.
        assertEquals(1, r.all("Server").size());
        assertTrue(r.header("Server").startsWith("portico"), r.header("Server"));
        assertEquals(1, r.all("Date").size());
        assertEquals("application/json", r.header("Content-Type"));
        assertEquals(Integer.toString(r.body().length), r.header("Content-Length"));
    }

    @Test
    void uriPartReplacesTheLocationPrefixAndDefaultsApply() throws Exception {
        FlaskApp.Echo echo = echo(get("/app/a%20b/c?x=1", ""));
        assertEquals("/echo/a%20b/c?x=1", echo.uri());
        // nginx's defaults: Host $proxy_host, Connection close.
        assertEquals("127.0.0.1:" + appPort, echo.header("Host"));
        assertEquals("close", echo.header("Connection"));
        assertEquals("inherited", echo.header("X-From-Server"));
    }

    @Test
    void rewrittenUriIsSentEscapedWithItsArguments() throws Exception {
        assertEquals("/echo/rewritten/a%20b?k=v", echo(get("/rw/a%20b?k=v", "")).uri());
    }

    @Test
    void unixSocketUpstream() throws Exception {
        FlaskApp.Echo echo = echo(get("/unix/z?q=2", ""));
        assertEquals("/echo/z?q=2", echo.uri());
        // Host is $proxy_host, "localhost" for a unix socket as in nginx.
        assertEquals("localhost", echo.header("Host"));
    }

    @Test
    void passRequestBodyAndHeadersOffAndEmptyHeaderValue() throws Exception {
        try (RawClient c = new RawClient(port)) {
            c.send("POST /nobody/p HTTP/1.1\r\nHost: localhost\r\nX-Custom: dropped\r\nContent-Length: 5\r\n"
                    + "Connection: close\r\n\r\nhello");
            FlaskApp.Echo echo = echo(c.read(false));
            assertEquals("POST", echo.method());
            assertEquals(0, echo.bodyLength());
            assertFalse(echo.headerNames().contains("x-custom"), echo.headerNames().toString());
            assertFalse(echo.headerNames().contains("connection"), echo.headerNames().toString());
        }
    }

    @Test
    void twentyMegabyteUploadWithContentLength() throws Exception {
        byte[] body = new byte[20 << 20];
        new java.util.Random(7).nextBytes(body);
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        try (RawClient c = new RawClient(port)) {
            c.send("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n");
            c.send(body);
            Map<String, Object> upload = uploaded(c.read(false));
            assertEquals(expected, upload.get("sha256"));
            assertEquals((long) body.length, upload.get("length"));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 300_000})
    void aBodyReadForOneUpstreamGoesToTheNextAfterAnErrorPageRedirect(int size) throws Exception {
        // Read in full for the refused upstream (in memory, or past client_body_buffer_size in a
        // temporary file), the body is sent again by the named location's upstream, as nginx does.
        byte[] body = new byte[size];
        new java.util.Random(size).nextBytes(body);
        try (RawClient c = new RawClient(port)) {
            c.send("POST /upload-elsewhere/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n");
            c.send(body);
            Map<String, Object> upload = uploaded(c.read(false));
            assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)),
                    upload.get("sha256"));
            assertEquals((long) size, upload.get("length"));
        }
    }

    @Test
    void chunkedUploadWithExpectContinue() throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (RawClient c = new RawClient(port)) {
            c.send("POST /upload HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
                    + "Expect: 100-continue\r\nConnection: close\r\n\r\n");
            RawClient.Response cont = c.read(true);
            assertEquals(100, cont.status());
            java.util.Random random = new java.util.Random(11);
            for (int i = 0; i < 48; i++) {
                byte[] part = new byte[65536];
                random.nextBytes(part);
                sha.update(part);
                c.send(Integer.toHexString(part.length) + "\r\n");
                c.send(part);
                c.send("\r\n");
            }
            c.send("0\r\n\r\n");
            assertEquals(HexFormat.of().formatHex(sha.digest()), uploaded(c.read(false)).get("sha256"));
        }
    }

    /** The application's /upload answer: length and sha256 of the body it read. */
    static Map<String, Object> uploaded(RawClient.Response r) {
        assertEquals(200, r.status(), r.text());
        return Json.object(r.text());
    }

    /** The digest of the application's /big bytes, {@code mb} MiB of them. */
    static String patternDigest(int mb) {
        return FlaskApp.bigSha256((long) mb << 20);
    }

    @Test
    void twentyMegabyteDownloadWithContentLength() throws Exception {
        RawClient.Response r = get("/big?mb=20", "");
        assertEquals(200, r.status());
        assertEquals(Long.toString(20L << 20), r.header("Content-Length"));
        assertNull(r.header("Transfer-Encoding"));
        assertEquals(20L << 20, r.length());
        assertEquals(patternDigest(20), r.sha256());
    }

    @Test
    void closeDelimitedUpstreamBodyIsChunkedToTheClientOnAKeptAliveConnection() throws Exception {
        try (RawClient c = new RawClient(port)) {
            c.send("GET /big?mb=5&chunked=1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
            RawClient.Response r = c.read(false);
            assertEquals(200, r.status());
            assertEquals("chunked", r.header("Transfer-Encoding"));
            assertEquals(patternDigest(5), r.sha256());
            assertEquals("keep-alive", r.header("Connection"));
            c.send("GET /echo/second HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            assertEquals("/echo/second", echo(c.read(false)).uri());
        }
    }

    @Test
    void slowClientStillGetsEverything() throws Exception {
        // The client reads slowly; the proxy must stop reading the upstream, not buffer 20 MiB.
        try (RawClient c = new RawClient(port)) {
            c.send("GET /big?mb=8 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            // This pause is the slow client itself (it starts reading 1.5 s late), not a wait for
            // the server: the test is that everything still arrives, intact, afterwards.
            java.util.concurrent.TimeUnit.MILLISECONDS.sleep(1500);
            RawClient.Response r = c.read(false);
            assertEquals(8L << 20, r.length());
            assertEquals(patternDigest(8), r.sha256());
        }
    }

    @Test
    void clientThatDoesNotReadHoldsTheUpstreamBack() throws Exception {
        // The server runs in this JVM: while the client reads nothing, the proxy must stop
        // reading the upstream, so Netty's buffers stay far below the 256 MiB response.
        try (RawClient c = new RawClient(port)) {
            c.send("GET /big?mb=256 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            io.netty.buffer.ByteBufAllocatorMetric metric =
                    ((io.netty.buffer.ByteBufAllocatorMetricProvider) io.netty.buffer.ByteBufAllocator.DEFAULT).metric();
            // For 2 s of the client reading nothing, Netty's buffers stay far below the response size.
            org.awaitility.Awaitility.await().during(java.time.Duration.ofSeconds(2))
                    .atMost(java.time.Duration.ofSeconds(4))
                    .until(() -> metric.usedDirectMemory() + metric.usedHeapMemory() < 64L << 20);
            byte[] head = new byte[16];
            assertTrue(c.input().read(head) > 0);
        }
    }

    @Test
    void headGetsTheLengthWithoutABody() throws Exception {
        try (RawClient c = new RawClient(port)) {
            c.send("HEAD /big?mb=1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
            RawClient.Response r = c.read(true);
            assertEquals(200, r.status());
            assertEquals(Long.toString(1L << 20), r.header("Content-Length"));
            // The connection stays usable: no body bytes were left on it.
            c.send("GET /echo/after-head HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            assertEquals("/echo/after-head", echo(c.read(false)).uri());
        }
    }

    @Test
    void noContentAndNotModifiedHaveNoBody() throws Exception {
        for (String code : new String[] {"204", "304"}) {
            try (RawClient c = new RawClient(port)) {
                c.send("GET /status/" + code + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
                RawClient.Response r = c.read(false);
                assertEquals(Integer.parseInt(code), r.status());
                assertNull(r.header("Transfer-Encoding"));
                assertNull(r.header("Content-Length"));
                // No body bytes: the next response on the connection parses from its first byte.
                c.send("GET /echo/next HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
                assertEquals("/echo/next", echo(c.read(false)).uri());
            }
        }
    }

    @Test
    void responseHeadersPassedAndHidden() throws Exception {
        RawClient.Response r = get("/status/201", "");
        assertEquals(201, r.status());
        assertEquals(List.of("a=1; Path=/", "b=2"), r.all("Set-Cookie"));
        assertEquals("max-age=60", r.header("Cache-Control"));
        assertEquals("status 201\n", r.text());
        RawClient.Response own = get("/headers?X-App=status&X-Accel-Buffering=no", "");
        assertEquals("status", own.header("X-App"));
        assertNull(own.header("X-Accel-Buffering"));
        RawClient.Response hidden = get("/hide/headers?X-App=status&X-Other=kept", "");
        assertNull(hidden.header("X-App"));
        assertEquals("kept", hidden.header("X-Other"));
    }

    @Test
    void proxyRedirectDefaultRewritesLocation() throws Exception {
        RawClient.Response r = get("/redir/status/302?location=http://127.0.0.1:" + appPort
                + "/elsewhere/page", "");
        assertEquals(302, r.status());
        assertEquals("http://localhost:" + port + "/redir/elsewhere/page", r.header("Location"));
        RawClient.Response other = get("/redir/status/302?location=http://example.org/x", "");
        assertEquals("http://example.org/x", other.header("Location"));
    }

    @Test
    void aRelativeLocationThatNoRuleRewritesStaysRelative() throws Exception {
        // nginx makes a Location absolute only when proxy_redirect rewrote it.
        RawClient.Response r = get("/redir/status/302?location=relative", "");
        assertEquals(302, r.status());
        assertEquals("/echo/redirected", r.header("Location"));
        RawClient.Response rewritten = get("/redir/status/302?location=http://127.0.0.1:" + appPort + "/x", "");
        assertEquals("http://localhost:" + port + "/redir/x", rewritten.header("Location"));
    }

    @Test
    void proxyRedirectDefaultRewritesRefresh() throws Exception {
        RawClient.Response r = get("/redir/headers?Refresh=5%3B%20url%3Dhttp://127.0.0.1:" + appPort + "/next", "");
        assertEquals("5; url=/redir/next", r.header("Refresh"));
    }

    @Test
    void explicitProxyRedirectWithVariablesAndPassedServerHeader() throws Exception {
        RawClient.Response r = get("/passhdr/status/301?location=http://127.0.0.1:" + appPort + "/a/b", "");
        assertEquals(301, r.status());
        assertEquals("http://localhost/mapped/a/b", r.header("Location"));
        // proxy_pass_header Server: Gunicorn's Server replaces Portico's, once.
        assertEquals(1, r.all("Server").size());
        assertTrue(r.header("Server").startsWith("gunicorn"), r.header("Server"));
    }

    @Test
    void refusedConnectionIs502WithNginxLogLine() throws Exception {
        RawClient.Response r = get("/refused/x?y=1", "");
        assertEquals(502, r.status());
        assertTrue(r.text().contains("502 Bad Gateway"), r.text());
        logContaining("connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1,"
                + " server: localhost, request: \"GET /refused/x?y=1 HTTP/1.1\", upstream: \"http://127.0.0.1:"
                + deadPort + "/refused/x?y=1\", host: \"localhost\"");
    }

    @Test
    void bodyOfARequestThatFailsIsDrainedAndTheConnectionKeptAlive() throws Exception {
        try (RawClient c = new RawClient(port)) {
            byte[] body = new byte[3 << 20];
            c.send("POST /refused/with-body HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + body.length
                    + "\r\n\r\n");
            c.send(body);
            RawClient.Response r = c.read(false);
            assertEquals(502, r.status());
            assertEquals("keep-alive", r.header("Connection"));
            c.send("GET /echo/next HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            assertEquals("/echo/next", echo(c.read(false)).uri());
        }
    }

    @Test
    void http11UpstreamGetsAChunkedBodyAsItArrivesAndAnswersChunked() throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (RawClient c = new RawClient(port)) {
            c.send("POST /v11/echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
            java.util.Random random = new java.util.Random(5);
            for (int i = 0; i < 32; i++) {
                byte[] part = new byte[100_000];
                random.nextBytes(part);
                sha.update(part);
                c.send(Integer.toHexString(part.length) + "\r\n");
                c.send(part);
                c.send("\r\n");
            }
            c.send("0\r\n\r\n");
            FlaskApp.Echo echo = echo(c.read(false));
            assertEquals("HTTP/1.1", echo.protocol());
            assertEquals("chunked", echo.header("Transfer-Encoding"));
            assertNull(echo.header("Content-Length"));
            assertEquals(32 * 100_000, echo.bodyLength());
            assertEquals(HexFormat.of().formatHex(sha.digest()), echo.bodySha256());
            c.send("GET /v11/big?mb=3&chunked=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            RawClient.Response stream = c.read(false);
            assertEquals("chunked", stream.header("Transfer-Encoding"));
            assertEquals(patternDigest(3), stream.sha256());
        }
    }

    @Test
    void errorPageServesACustom502Page() throws Exception {
        RawClient.Response r = get("/refused-page/x", "");
        assertEquals(502, r.status());
        assertEquals("custom 50x page\n", r.text());
    }

    @Test
    void readTimeoutIs504WithNginxLogLine() throws Exception {
        long start = System.nanoTime();
        RawClient.Response r = get("/slow/sleep?s=3", "");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(504, r.status());
        assertTrue(millis >= 900 && millis < 2800, "answered after " + millis + " ms");
        logContaining("upstream timed out (110: Connection timed out) while reading response header from upstream,"
                + " client: 127.0.0.1, server: localhost, request: \"GET /slow/sleep?s=3 HTTP/1.1\", upstream: \"http://127.0.0.1:"
                + appPort + "/sleep?s=3\"");
    }

    @Test
    void prematureCloseIs502WithNginxLogLine() throws Exception {
        RawClient.Response r = get("/close", "");
        assertEquals(502, r.status());
        logContaining("upstream prematurely closed connection while reading response header from upstream,"
                + " client: 127.0.0.1, server: localhost, request: \"GET /close HTTP/1.1\"");
    }

    @Test
    void interceptErrorsAppliesErrorPageOnlyWhereOneIsDefined() throws Exception {
        RawClient.Response r = get("/intercept/status/404", "");
        assertEquals(404, r.status());
        assertEquals("custom 404 page\n", r.text());
        RawClient.Response passed = get("/intercept/status/500", "");
        assertEquals(500, passed.status());
        assertEquals("status 500\n", passed.text());
    }

    @Test
    void upstreamAndProxyVariables() throws Exception {
        RawClient.Response r = get("/vars/headers?X-App=status", "");
        assertEquals(200, r.status());
        assertEquals("127.0.0.1:" + appPort, r.header("X-Up-Addr"));
        assertEquals("200", r.header("X-Up-Status"));
        assertEquals("status", r.header("X-Up-App"));
        assertTrue(r.header("X-Up-Connect").matches("\\d+\\.\\d{3}"), r.header("X-Up-Connect"));
        assertEquals("127.0.0.1:" + appPort, r.header("X-Proxy-Host"));
        assertEquals(Integer.toString(appPort), r.header("X-Proxy-Port"));
    }

    @Test
    void slowUpstreamHoldsTheClientsUploadBack() throws Exception {
        // The application sleeps before it reads anything: with proxy_request_buffering off the
        // proxy must stop reading the client rather than queue the body, so the client's writes block.
        long total = 256L << 20;
        java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
        try (RawClient c = new RawClient(port)) {
            c.send("POST /v11/sleep?s=3 HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + total
                    + "\r\nConnection: close\r\n\r\n");
            Thread writer = new Thread(() -> {
                byte[] block = new byte[65536];
                try {
                    while (written.get() < total) {
                        c.send(block);
                        written.addAndGet(block.length);
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            writer.setDaemon(true);
            writer.start();
            // For 1.5 s of the upstream reading nothing, the server takes far less than the upload.
            org.awaitility.Awaitility.await().during(java.time.Duration.ofMillis(1500))
                    .atMost(java.time.Duration.ofSeconds(3)).until(() -> written.get() < 64L << 20);
        }
        assertEquals("/echo/after-upload", echo(get("/echo/after-upload", "")).uri());
    }

    /** Accepts the proxied connection of the watched upstream and reads the request head. */
    static java.net.Socket acceptWatched() throws IOException {
        watched.setSoTimeout(5000);
        java.net.Socket upstream = watched.accept();
        upstream.setSoTimeout(5000);
        java.io.InputStream in = upstream.getInputStream();
        byte[] buf = new byte[4096];
        StringBuilder head = new StringBuilder();
        while (!head.toString().contains("\r\n\r\n")) {
            int n = in.read(buf);
            if (n < 0) {
                throw new IOException("proxy closed before a full request head: " + head);
            }
            head.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        }
        return upstream;
    }

    @Test
    void invalidResponseHeaderIs502WithLogLine() throws Exception {
        try (RawClient c = new RawClient(port)) {
            c.send("GET /watched/bad HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            try (java.net.Socket upstream = acceptWatched()) {
                upstream.getOutputStream().write("HTTP/1.1 200 OK\r\nX\u0001Bad: 1\r\nContent-Length: 0\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                assertEquals(502, c.read(false).status());
            }
        }
        logContaining("upstream sent invalid header: \"X\\x01...\" while reading response header from upstream,"
                + " client: 127.0.0.1, server: localhost, request: \"GET /watched/bad HTTP/1.1\", upstream:"
                + " \"http://127.0.0.1:" + watched.getLocalPort() + "/watched/bad\"");
    }

    @Test
    void headerBeyondProxyBufferSizeIs502WithLogLine() throws Exception {
        try (RawClient c = new RawClient(port)) {
            c.send("GET /watched/big-head HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            try (java.net.Socket upstream = acceptWatched()) {
                upstream.getOutputStream().write(("HTTP/1.1 200 OK\r\nX-Big: " + "z".repeat(8192)
                        + "\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                assertEquals(502, c.read(false).status());
            }
        }
        logContaining("upstream sent too big header while reading response header from upstream, client: 127.0.0.1,"
                + " server: localhost, request: \"GET /watched/big-head HTTP/1.1\"");
    }

    @Test
    void upstreamClosingMidBodyCutsTheClientsResponseShort() throws Exception {
        try (RawClient c = new RawClient(port)) {
            c.send("GET /watched/short HTTP/1.1\r\nHost: localhost\r\n\r\n");
            try (java.net.Socket upstream = acceptWatched()) {
                upstream.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
                        + "y".repeat(300)).getBytes(StandardCharsets.ISO_8859_1));
            }
            IOException cut = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> c.read(false));
            assertTrue(cut.getMessage().contains("700 bytes missing"), cut.getMessage());
        }
        logContaining("upstream prematurely closed connection while reading upstream, client: 127.0.0.1");
    }

    @Test
    void requestsSentWhileOneIsProxiedWaitTheirTurnAndAreEachChecked() throws Exception {
        // The client connection is read while a request is with the upstream; what comes then is
        // the next request's and is decoded only after the response, its head checked on its own.
        try (RawClient c = new RawClient(port)) {
            c.send("GET /watched/first HTTP/1.1\r\nHost: localhost\r\n\r\n");
            try (java.net.Socket upstream = acceptWatched()) {
                c.send("GET /echo/second HTTP/1.1\r\nHost: localhost\r\n\r\n");
                Thread.sleep(200); // it reaches the proxy while the first request waits for its answer
                answerWatched(upstream, "first\n");
                assertEquals("first\n", c.read(false).text());
                assertEquals("/echo/second", echo(c.read(false)).uri());
            }
            c.send("GET /watched/third HTTP/1.1\r\nHost: localhost\r\n\r\n");
            try (java.net.Socket upstream = acceptWatched()) {
                c.send("GET /echo/fourth HTTP/1.1\r\nHost: localhost\r\nX-Folded: a\r\n b\r\n\r\n");
                Thread.sleep(200);
                answerWatched(upstream, "third\n");
                assertEquals("third\n", c.read(false).text());
                assertEquals(400, c.read(false).status());
            }
        }
        logContaining("client sent invalid header line (obsolete line folding) while reading client request headers");
    }

    @Test
    void aRequestWhoseHeadCameWhileAnotherWasProxiedReadsTheRestOfItsBody() throws Exception {
        try (RawClient c = new RawClient(port)) {
            c.send("GET /watched/first HTTP/1.1\r\nHost: localhost\r\n\r\n");
            try (java.net.Socket upstream = acceptWatched()) {
                c.send("POST /echo/post HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\n12345");
                Thread.sleep(200); // the head and half the body wait while the first request is answered
                answerWatched(upstream, "first\n");
                assertEquals("first\n", c.read(false).text());
            }
            c.send("67890");
            FlaskApp.Echo echo = echo(c.read(false));
            assertEquals("/echo/post", echo.uri());
            assertEquals(10, echo.bodyLength());
        }
    }

    private static void answerWatched(java.net.Socket upstream, String body) throws IOException {
        upstream.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void clientThatGoesAwayClosesTheUpstreamConnection() throws Exception {
        // A stand-in upstream that answers with a head and part of a long body, then waits:
        // when the client leaves, the proxy must close its upstream connection.
        try (RawClient c = new RawClient(port)) {
            c.send("GET /watched/x HTTP/1.1\r\nHost: localhost\r\n\r\n");
            watched.setSoTimeout(5000);
            try (java.net.Socket upstream = watched.accept()) {
                upstream.setSoTimeout(5000);
                java.io.InputStream in = upstream.getInputStream();
                byte[] buf = new byte[4096];
                StringBuilder head = new StringBuilder();
                while (!head.toString().contains("\r\n\r\n")) {
                    int n = in.read(buf);
                    head.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
                upstream.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n"
                        + "x".repeat(1000)).getBytes(StandardCharsets.ISO_8859_1));
                assertEquals(200, c.read(true).status());
                c.close();
                long start = System.nanoTime();
                assertEquals(-1, in.read(buf), "the proxy should have closed the upstream connection");
                assertTrue(System.nanoTime() - start < 4_000_000_000L);
            }
        }
        assertEquals("/echo/after", echo(get("/echo/after", "")).uri());
    }
}
