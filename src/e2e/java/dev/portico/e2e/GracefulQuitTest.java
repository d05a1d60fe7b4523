package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * QUIT during a slow download: the listener closes at once, the download finishes intact, then
 * the process exits 0 and removes its pid file. TERM during a slow download: a prompt exit.
 */
class GracefulQuitTest {

    private static final String CONFIG = """
            daemon off;
            error_log logs/error.log info;
            events {
            }
            http {
                sendfile on;
                server {
                    listen 127.0.0.1:%%PORT%%;
                    root html;
                }
            }
            """;

    private static final int SIZE = 64 * 1024 * 1024;
    private static final int STEP = 1024 * 1024;
    private static final long PAUSE_MS = 80;

    /** What the slow client got: body bytes (after the head), their SHA-256, the Content-Length. */
    record Download(long bytes, String sha256, long contentLength, String error) {
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    private static byte[] writeBigFile(TestPrefix prefix) throws IOException {
        byte[] data = new byte[SIZE];
        new Random(7).nextBytes(data);
        Files.write(prefix.path("html/big.bin"), data);
        return data;
    }

    /** Requests /big.bin on a raw socket and reads STEP bytes, then pauses, until the end. */
    private static CompletableFuture<Download> slowDownload(int port, CompletableFuture<Void> started) {
        return CompletableFuture.supplyAsync(() -> {
            long got = 0;
            long contentLength = -1;
            MessageDigest md;
            try {
                md = MessageDigest.getInstance("SHA-256");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            try (Socket s = new Socket()) {
                s.setReceiveBufferSize(64 * 1024);
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                s.setSoTimeout(20_000);
                s.getOutputStream().write("GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                InputStream in = s.getInputStream();
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                int c;
                while ((c = in.read()) != -1) {
                    head.write(c);
                    if (head.size() >= 4 && head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                        break;
                    }
                }
                Matcher m = Pattern.compile("(?im)^Content-Length: (\\d+)")
                        .matcher(head.toString(StandardCharsets.ISO_8859_1));
                if (!m.find()) {
                    return new Download(0, "", -1, "no Content-Length in: " + head);
                }
                contentLength = Long.parseLong(m.group(1));
                byte[] buf = new byte[64 * 1024];
                while (got < contentLength) {
                    long stepEnd = Math.min(contentLength, got + STEP);
                    while (got < stepEnd) {
                        int n = in.read(buf, 0, (int) Math.min(buf.length, stepEnd - got));
                        if (n < 0) {
                            return new Download(got, HexFormat.of().formatHex(md.digest()), contentLength, "EOF");
                        }
                        md.update(buf, 0, n);
                        got += n;
                    }
                    started.complete(null);
                    Thread.sleep(PAUSE_MS);
                }
                return new Download(got, HexFormat.of().formatHex(md.digest()), contentLength, null);
            } catch (IOException | InterruptedException e) {
                return new Download(got, HexFormat.of().formatHex(md.digest()), contentLength, e.toString());
            } finally {
                started.complete(null);
            }
        });
    }

    /** How long until a new connection to the port is refused; fails after {@code limit}. */
    private static Duration timeUntilRefused(int port, Duration limit) {
        long start = System.nanoTime();
        while (PorticoProcess.accepts(port)) {
            if (System.nanoTime() - start > limit.toNanos()) {
                throw new AssertionError("127.0.0.1:" + port + " still accepts connections after " + limit);
            }
            sleep(20);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void quitFinishesTheDownloadThenExits() throws Exception {
        try (TestPrefix prefix = TestPrefix.withConfig(CONFIG)) {
            String expectedSha = sha256(writeBigFile(prefix));
            try (PorticoProcess server = PorticoProcess.start(prefix)) {
                CompletableFuture<Void> started = new CompletableFuture<>();
                CompletableFuture<Download> download = slowDownload(server.port(), started);
                started.get(10, TimeUnit.SECONDS);
                sleep(1000);
                assertThat(download).as("the download is still running when QUIT is sent").isNotDone();

                server.signal("QUIT");
                assertThat(timeUntilRefused(server.port(), Duration.ofSeconds(3)))
                        .isLessThan(Duration.ofSeconds(1));
                assertThat(server.isAlive()).as("still serving the download").isTrue();

                Download d = download.get(60, TimeUnit.SECONDS);
                assertThat(d.error()).as("download error").isNull();
                assertThat(d.contentLength()).as(d.toString()).isEqualTo(SIZE);
                assertThat(d.bytes()).isEqualTo(SIZE);
                assertThat(d.sha256()).isEqualTo(expectedSha);

                assertThat(server.waitForExit(Duration.ofSeconds(10))).isZero();
                assertThat(prefix.pidFile()).doesNotExist();
                assertThat(server.errorLog()).contains("signal 3 (SIGQUIT) received, shutting down");
            }
        }
    }

    @Test
    void termCutsTheDownloadAndExitsPromptly() throws Exception {
        try (TestPrefix prefix = TestPrefix.withConfig(CONFIG)) {
            writeBigFile(prefix);
            try (PorticoProcess server = PorticoProcess.start(prefix)) {
                CompletableFuture<Void> started = new CompletableFuture<>();
                CompletableFuture<Download> download = slowDownload(server.port(), started);
                started.get(10, TimeUnit.SECONDS);
                sleep(500);

                long start = System.nanoTime();
                server.signal("TERM");
                server.waitForExit(Duration.ofSeconds(3));
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
                assertThat(prefix.pidFile()).doesNotExist();

                Download d = download.get(30, TimeUnit.SECONDS);
                assertThat(d.contentLength()).as(d.toString()).isEqualTo(SIZE);
                assertThat(d.bytes()).as("the download was cut").isLessThan(SIZE);
                assertThat(d.error()).isNotNull();
            }
        }
    }
}
