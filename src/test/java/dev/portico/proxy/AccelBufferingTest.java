package dev.portico.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * X-Accel-Buffering from the upstream overrides proxy_buffering for its
 * response, as nginx's proxy module allows: "no" streams at the client's pace,
 * "yes" reads ahead into buffers and a temporary file. The upstream here is a
 * plain socket, so the test sees when it has written its whole body.
 */
class AccelBufferingTest {

    /** Far more than every socket buffer between the upstream and a client that does not read. */
    private static final int BODY = 48 << 20;

    @TempDir
    Path dir;

    private ServerSocket upstream;
    private RunningServer server;
    private int port;

    @BeforeEach
    void start() throws Exception {
        upstream = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
        port = freePort();
        server = RunningServer.start(dir, """
                events {}
                http {
                    error_log ERRLOG warn;
                    access_log off;
                    proxy_temp_path TEMP;
                    server {
                        listen 127.0.0.1:PORT;
                        location /on/ {
                            proxy_pass http://127.0.0.1:UP;
                        }
                        location /off/ {
                            proxy_pass http://127.0.0.1:UP;
                            proxy_buffering off;
                        }
                    }
                }
                """.replace("ERRLOG", dir.resolve("error.log").toString())
                .replace("TEMP", dir.resolve("proxy_temp").toString())
                .replace("PORT", Integer.toString(port))
                .replace("UP", Integer.toString(upstream.getLocalPort())));
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        upstream.close();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Answers one request with a BODY-byte response carrying {@code accel}; completes once all is written. */
    private CompletableFuture<Void> answerOnce(String accel) {
        return CompletableFuture.runAsync(() -> {
            try (Socket s = upstream.accept()) {
                InputStream in = s.getInputStream();
                int matched = 0;
                while (matched < 4) { // the request head ends with CRLF CRLF
                    int c = in.read();
                    if (c < 0) {
                        throw new IOException("request head cut short");
                    }
                    matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
                }
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + BODY + "\r\nX-Accel-Buffering: " + accel
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                byte[] chunk = new byte[64 * 1024];
                for (int sent = 0; sent < BODY; sent += chunk.length) {
                    out.write(chunk);
                }
                out.flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /** Sends a GET and reads the response head; the body is left unread. */
    private Socket slowClient(String path, StringBuilder head) throws IOException {
        Socket c = new Socket();
        c.setReceiveBufferSize(64 * 1024);
        c.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        c.setSoTimeout(30_000);
        c.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = c.getInputStream();
        while (head.indexOf("\r\n\r\n") < 0) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before the head ended: " + head);
            }
            head.append((char) b);
        }
        return c;
    }

    private static long drain(Socket c) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = c.getInputStream().read(buf)) > 0; ) {
            total += n;
        }
        return total;
    }

    @Test
    void noStreamsAtTheClientsPaceDespiteProxyBufferingOn() throws Exception {
        CompletableFuture<Void> written = answerOnce("no");
        StringBuilder head = new StringBuilder();
        try (Socket client = slowClient("/on/", head)) {
            assertThat(head.toString()).startsWith("HTTP/1.1 200").doesNotContain("X-Accel-Buffering");
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> !written.isDone());
            assertThat(drain(client)).isEqualTo(BODY);
        }
        written.get();
    }

    @Test
    void yesReadsAheadDespiteProxyBufferingOff() throws Exception {
        CompletableFuture<Void> written = answerOnce("yes");
        StringBuilder head = new StringBuilder();
        try (Socket client = slowClient("/off/", head)) {
            assertThat(head.toString()).startsWith("HTTP/1.1 200").doesNotContain("X-Accel-Buffering");
            // The upstream gets rid of its whole body while the client has read none of it.
            await().atMost(Duration.ofSeconds(30)).until(written::isDone);
            assertThat(drain(client)).isEqualTo(BODY);
        }
    }
}
