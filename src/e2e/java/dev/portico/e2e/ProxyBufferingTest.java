package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portico.e2e.upstream.Gunicorn;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * proxy_buffering in front of Gunicorn with one sync worker: buffered (the
 * default), a client that reads slowly does not hold the worker, because the
 * response goes into memory and a temporary file; unbuffered, the same client
 * holds it and a second request waits. On TCP and on a unix socket.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyBufferingTest {

    private static final String CONFIG = """
            daemon off;
            error_log logs/error.log warn;
            events {
            }
            http {
                proxy_temp_path temp/proxy;
                server {
                    listen 127.0.0.1:%%PORT%%;

                    location /tcp/ {
                        proxy_pass http://127.0.0.1:%%APP%%/;
                    }
                    location /unix/ {
                        proxy_pass http://unix:%%SOCK%%:/;
                    }
                    location /tcp-unbuffered/ {
                        proxy_pass http://127.0.0.1:%%APP%%/;
                        proxy_buffering off;
                    }
                    location /unix-unbuffered/ {
                        proxy_pass http://unix:%%SOCK%%:/;
                        proxy_buffering off;
                    }
                }
            }
            """;

    /** Larger than every socket buffer between Gunicorn and the client put together. */
    private static final int MB = 64;

    private TestPrefix prefix;
    private Gunicorn tcpApp;
    private Gunicorn unixApp;
    private PorticoProcess server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    void start() throws IOException {
        prefix = TestPrefix.create();
        // One sync worker each: a request in progress holds the whole application.
        tcpApp = Gunicorn.start(Files.createDirectories(prefix.path("tcp-app")),
                "127.0.0.1:" + TestPrefix.freePort(), 1, "sync", Duration.ofSeconds(120));
        unixApp = Gunicorn.start(Files.createDirectories(prefix.path("unix-app")),
                "unix:" + prefix.path("app.sock"), 1, "sync", Duration.ofSeconds(120));
        prefix.config(CONFIG.replace("%%APP%%", Integer.toString(tcpApp.port()))
                .replace("%%SOCK%%", unixApp.socketPath().toString()));
        server = PorticoProcess.start(prefix);
    }

    @AfterAll
    void stop() {
        try {
            PorticoProcess.stop(server, prefix);
        } finally {
            if (tcpApp != null) {
                tcpApp.close();
            }
            if (unixApp != null) {
                unixApp.close();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "unix"})
    void aSlowClientDoesNotHoldTheOnlyWorkerWhenBuffered(String via) throws Exception {
        try (SlowClient slow = SlowClient.get(server.port(), "/" + via + "/big?mb=" + MB)) {
            assertThat(slow.head).startsWith("HTTP/1.1 200").contains("Content-Length: " + (MB << 20));

            // The worker is free as soon as Portico has the whole response: another request gets through.
            HttpResponse<String> other = http.send(HttpRequest.newBuilder(
                    URI.create(server.url("/" + via + "/echo?second"))).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(other.statusCode()).isEqualTo(200);
            assertThat(other.body()).contains("second");
            server.awaitErrorLog("an upstream response is buffered to a temporary file");

            // The slow client still gets every byte, from memory and the temporary file, in order.
            assertThat(slow.readBody(MB << 20)).isEqualTo(patternSha256(MB << 20));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "unix"})
    void aSlowClientHoldsTheOnlyWorkerWhenUnbuffered(String via) throws Exception {
        try (SlowClient slow = SlowClient.get(server.port(), "/" + via + "-unbuffered/big?mb=" + MB)) {
            assertThat(slow.head).startsWith("HTTP/1.1 200");

            CompletableFuture<HttpResponse<String>> other = http.sendAsync(HttpRequest.newBuilder(
                    URI.create(server.url("/" + via + "-unbuffered/echo?second"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            // With proxy_buffering off the worker writes only as fast as the client reads.
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> !other.isDone());

            assertThat(slow.readBody(MB << 20)).isEqualTo(patternSha256(MB << 20));
            assertThat(other.get().statusCode()).isEqualTo(200);
            assertThat(other.get().body()).contains("second");
        }
    }

    /** A client that reads the head of a response and then nothing until asked. */
    private static final class SlowClient implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        final String head;

        private SlowClient(Socket socket, String head) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.head = head;
        }

        static SlowClient get(int port, String path) throws IOException {
            Socket s = new Socket();
            s.setReceiveBufferSize(64 * 1024);
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    throw new IOException("closed before the head ended: " + head);
                }
                head.append((char) c);
            }
            return new SlowClient(s, head.toString());
        }

        /** Reads {@code length} bytes of body and returns their SHA-256. */
        String readBody(int length) throws Exception {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            while (total < length) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, length - total));
                if (n < 0) {
                    throw new IOException("closed after " + total + " of " + length + " bytes");
                }
                digest.update(buf, 0, n);
                total += n;
            }
            return HexFormat.of().formatHex(digest.digest());
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** The SHA-256 of the app's /big body: byte k is k % 251. */
    private static String patternSha256(int length) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] period = new byte[251];
        for (int i = 0; i < period.length; i++) {
            period[i] = (byte) i;
        }
        for (int at = 0; at < length; at += period.length) {
            digest.update(period, 0, Math.min(period.length, length - at));
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
