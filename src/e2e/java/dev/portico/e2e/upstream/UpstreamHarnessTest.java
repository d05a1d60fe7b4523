package dev.portico.e2e.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portico.e2e.TestPrefix;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The back ends of the proxy tests: examples/flaskapp under Debian's Gunicorn (TCP and unix
 * socket) and uWSGI (uwsgi protocol on a unix or TCP socket, plus --http-socket), and
 * ws_echo.py, each started by the harness and stopped by close().
 */
class UpstreamHarnessTest {

    private static final int UPLOAD_BYTES = 20 * 1024 * 1024;

    @TempDir
    Path dir;

    /** Sends one request to a back end: (method, target, headers, body or null). */
    interface Client {
        UnixHttp.Response send(String method, String target, Map<String, String> headers, byte[] body);

        default UnixHttp.Response get(String target) {
            return send("GET", target, Map.of(), null);
        }
    }

    @Test
    void gunicornOverTcp() throws Exception {
        int port = TestPrefix.freePort();
        try (Gunicorn g = Gunicorn.start(dir, "127.0.0.1:" + port, 2, "sync", Duration.ofSeconds(30))) {
            exerciseApp(httpClient(port), true);
            assertThat(g.accessLog()).contains("\"GET /big?mb=5 HTTP/1.1\" 200");
            assertThat(Files.readString(dir.resolve("gunicorn.pid")).trim()).isEqualTo(String.valueOf(g.pid()));
        }
        assertThat(Files.exists(dir.resolve("gunicorn.pid"))).as("pid file removed on TERM").isFalse();
    }

    @Test
    void gunicornOverUnixSocket() throws Exception {
        Path sock = dir.resolve("gunicorn.sock");
        try (Gunicorn g = Gunicorn.start(dir, "unix:" + sock, 2, "sync", Duration.ofSeconds(30))) {
            assertThat(g.socketPath()).isEqualTo(sock);
            exerciseApp((m, t, h, b) -> UnixHttp.request(sock, m, t, h, b), true);
            Map<String, Object> echo = Json.object(UnixHttp.get(sock, "/echo").bodyText());
            assertThat(echo.get("remote_addr")).as("gunicorn has no peer address on a unix socket").isIn("", null);
            assertThat(g.errorLog()).contains("Listening at: unix:" + sock);
        }
        assertThat(Files.exists(sock)).as("gunicorn removes its socket").isFalse();
    }

    @Test
    void gunicornThatCannotBindFailsWithItsErrorLog() {
        Path sock = dir.resolve("missing-folder/gunicorn.sock");
        assertThatThrownBy(() -> Gunicorn.start(dir, "unix:" + sock, 1, "sync", Duration.ofSeconds(30)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("gunicorn exited with status")
                .hasMessageContaining("Can't connect to " + sock);
    }

    @Test
    void uwsgiOnUnixSocketAndHttpSocket() throws Exception {
        Path sock = dir.resolve("uwsgi.sock");
        int httpPort = TestPrefix.freePort();
        try (Uwsgi u = Uwsgi.start(dir, sock.toString(), 2, 2, Duration.ofSeconds(60), "127.0.0.1:" + httpPort)) {
            assertThat(Files.readAttributes(sock, java.nio.file.attribute.BasicFileAttributes.class).isOther()).as("unix socket file").isTrue();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock))).isEqualTo("rw-rw----");
            assertThat(u.log()).contains("spawned uWSGI worker 2").contains("(pid: " + u.pid() + ")");

            // The app under uWSGI, over HTTP (uWSGI does not chunk: it closes after an unsized body).
            exerciseApp(httpClient(httpPort), false);

            // And over the uwsgi protocol on the unix socket, as uwsgi_pass speaks it.
            Map<String, String> vars = UwsgiProtocol.vars("POST", "/echo/u?x=1");
            vars.put("CONTENT_LENGTH", "5");
            vars.put("CONTENT_TYPE", "text/plain");
            vars.put("HTTP_X_TEST", "yes");
            UnixHttp.Response r = UwsgiProtocol.request(sock.toString(), vars, "hello".getBytes());
            assertThat(r.status()).isEqualTo(200);
            Map<String, Object> echo = Json.object(r.bodyText());
            assertThat(echo).containsEntry("method", "POST").containsEntry("path", "/echo/u")
                    .containsEntry("uri", "/echo/u?x=1").containsEntry("body_length", 5L)
                    .containsEntry("body_sha256", sha256("hello".getBytes()));
            assertThat(env(echo)).containsEntry("REMOTE_PORT", "40000").containsEntry("SERVER_PORT", "80")
                    .containsEntry("REQUEST_SCHEME", "http");
            assertThat(headerPairs(echo)).contains(List.of("X-Test", "yes"));

            UnixHttp.Response big = UwsgiProtocol.request(sock.toString(), UwsgiProtocol.vars("GET", "/big?mb=1"), null);
            assertThat(big.header("Content-Length")).contains(String.valueOf(1 << 20));
            assertThat(sha256(big.body())).isEqualTo(FlaskApp.bigSha256(1 << 20));
        }
        assertThat(Files.exists(sock)).isFalse();
        assertThat(Files.readString(dir.resolve("uwsgi.log")))
                .as("TERM with die-on-term: a clean exit, vacuum removes the socket")
                .contains("goodbye to uWSGI").contains("VACUUM: unix socket " + sock + " removed");
    }

    @Test
    void uwsgiOnTcpKillsAStuckRequestAfterHarakiri() {
        int port = TestPrefix.freePort();
        try (Uwsgi u = Uwsgi.start(dir, "127.0.0.1:" + port, 1, 1, Duration.ofSeconds(2))) {
            UnixHttp.Response ok = UwsgiProtocol.request(u.socket(), UwsgiProtocol.vars("GET", "/sleep?s=0"), null);
            assertThat(ok.status()).isEqualTo(200);

            long start = System.nanoTime();
            assertThatThrownBy(() -> UwsgiProtocol.request(u.socket(), UwsgiProtocol.vars("GET", "/sleep?s=10"), null))
                    .hasStackTraceContaining("connection closed before a status line");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
            assertThat(u.log()).contains("HARAKIRI ON WORKER 1");
        }
    }

    @Test
    void webSocketEcho() throws Exception {
        int port = TestPrefix.freePort();
        try (WsEcho echo = WsEcho.start(dir, "127.0.0.1", port)) {
            BlockingQueue<Object> received = new LinkedBlockingQueue<>();
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(echo.uri("/ws"), new WebSocket.Listener() {
                        final StringBuilder text = new StringBuilder();
                        final java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            text.append(data);
                            if (last) {
                                received.add(text.toString());
                                text.setLength(0);
                            }
                            w.request(1);
                            return null;
                        }

                        @Override
                        public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
                            byte[] b = new byte[data.remaining()];
                            data.get(b);
                            binary.writeBytes(b);
                            if (last) {
                                received.add(binary.toByteArray());
                                binary.reset();
                            }
                            w.request(1);
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
            ws.sendText("hello, portico", true).get(10, TimeUnit.SECONDS);
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("hello, portico");
            byte[] bytes = pattern(200_000);
            ws.sendBinary(ByteBuffer.wrap(bytes), true).get(10, TimeUnit.SECONDS);
            assertThat((byte[]) received.poll(10, TimeUnit.SECONDS)).isEqualTo(bytes);
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        }
        assertThat(Files.readString(dir.resolve("ws_echo.stdout"))).contains("ws_echo: stopped");
    }

    // --- the same checks on every HTTP back end ---

    private void exerciseApp(Client c, boolean chunksUnsizedBodies) throws Exception {
        // /echo: method, path, URI, headers, CGI variables, body digest
        byte[] small = "name=portico&x=1".getBytes();
        UnixHttp.Response r = c.send("PUT", "/echo/a/b?q=1&q=2&s=%20x",
                Map.of("X-Test", "yes", "Content-Type", "application/x-www-form-urlencoded"), small);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).contains("application/json");
        Map<String, Object> echo = Json.object(r.bodyText());
        assertThat(echo).containsEntry("method", "PUT").containsEntry("path", "/echo/a/b")
                .containsEntry("uri", "/echo/a/b?q=1&q=2&s=%20x").containsEntry("query_string", "q=1&q=2&s=%20x")
                .containsEntry("body_length", (long) small.length).containsEntry("body_sha256", sha256(small));
        assertThat(echo.get("args")).isEqualTo(Map.of("q", List.of("1", "2"), "s", List.of(" x")));
        assertThat(headerPairs(echo)).contains(List.of("X-Test", "yes"));
        assertThat(env(echo)).containsEntry("PATH_INFO", "/echo/a/b").containsEntry("QUERY_STRING", "q=1&q=2&s=%20x")
                .containsEntry("CONTENT_LENGTH", String.valueOf(small.length))
                .containsEntry("CONTENT_TYPE", "application/x-www-form-urlencoded")
                .containsEntry("SERVER_PROTOCOL", "HTTP/1.1").containsEntry("wsgi.url_scheme", "http")
                .containsKeys("SERVER_NAME", "SERVER_PORT", "REMOTE_ADDR", "REMOTE_PORT", "HTTPS", "REQUEST_URI");

        // /upload: 20 MB streamed through, digest computed here
        byte[] upload = new byte[UPLOAD_BYTES];
        new Random(42).nextBytes(upload);
        Map<String, Object> up = Json.object(c.send("POST", "/upload",
                Map.of("Content-Type", "application/octet-stream"), upload).bodyText());
        assertThat(up).containsEntry("length", (long) UPLOAD_BYTES).containsEntry("sha256", sha256(upload));

        // /big: the deterministic pattern, sized and unsized
        int five = 5 * 1024 * 1024;
        UnixHttp.Response big = c.get("/big?mb=5");
        assertThat(big.status()).isEqualTo(200);
        assertThat(big.header("Content-Length")).contains(String.valueOf(five));
        assertThat(big.body().length).isEqualTo(five);
        assertThat(sha256(big.body())).isEqualTo(FlaskApp.bigSha256(five));
        UnixHttp.Response unsized = c.get("/big?mb=2&chunked=1");
        assertThat(unsized.header("Content-Length")).isEmpty();
        if (chunksUnsizedBodies) {
            assertThat(unsized.header("Transfer-Encoding")).contains("chunked");
        }
        assertThat(sha256(unsized.body())).isEqualTo(FlaskApp.bigSha256(2 * 1024 * 1024));

        // /status/302: cookies, cache control, relative and absolute Location
        UnixHttp.Response redirect = c.get("/status/302");
        assertThat(redirect.status()).isEqualTo(302);
        assertThat(redirect.headers("Set-Cookie")).containsExactly("a=1; Path=/", "b=2");
        assertThat(redirect.header("Cache-Control")).contains("max-age=60");
        assertThat(redirect.header("Location")).contains("/echo/redirected");
        UnixHttp.Response absolute = c.get("/status/301?location=absolute");
        assertThat(absolute.status()).isEqualTo(301);
        assertThat(absolute.header("Location").orElseThrow()).matches("http://[^/]+/echo/redirected");
        assertThat(c.get("/status/404").status()).isEqualTo(404);

        // /headers: arbitrary response headers from the query
        UnixHttp.Response h = c.get("/headers?X-Accel-Buffering=no&X-Accel-Redirect=/internal/f&X-Two=1&X-Two=2");
        assertThat(h.header("X-Accel-Buffering")).contains("no");
        assertThat(h.header("X-Accel-Redirect")).contains("/internal/f");
        assertThat(h.headers("X-Two")).containsExactly("1", "2");

        // /sleep and /slow take their time
        long t0 = System.nanoTime();
        assertThat(Json.object(c.get("/sleep?s=1").bodyText())).containsEntry("slept", 1.0);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        t0 = System.nanoTime();
        UnixHttp.Response slow = c.get("/slow?chunks=4&delay=0.2");
        assertThat(slow.bodyText()).isEqualTo("chunk 0\nchunk 1\nchunk 2\nchunk 3\n");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
    }

    private static Client httpClient(int port) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        return (method, target, headers, body) -> {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + target))
                    .timeout(Duration.ofSeconds(60))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            headers.forEach(b::header);
            try {
                HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
                List<Map.Entry<String, String>> hs = new ArrayList<>();
                r.headers().map().forEach((k, vs) -> vs.forEach(v -> hs.add(Map.entry(k, v))));
                return new UnixHttp.Response(r.statusCode(), "", hs, r.body());
            } catch (Exception e) {
                throw new AssertionError(method + " " + target, e);
            }
        };
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> env(Map<String, Object> echo) {
        return (Map<String, Object>) echo.get("environ");
    }

    @SuppressWarnings("unchecked")
    private static List<Object> headerPairs(Map<String, Object> echo) {
        return (List<Object>) echo.get("headers");
    }

    /** The app's /big bytes: the byte at offset k is k % 251. */
    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int k = 0; k < n; k++) {
            b[k] = (byte) (k % 251);
        }
        return b;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

}
