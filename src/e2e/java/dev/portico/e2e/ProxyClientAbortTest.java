package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portico.e2e.upstream.FlaskApp;
import dev.portico.proxy.RawClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client that goes away ends its upstream request: Gunicorn with a single sync worker streams
 * a 10 s /slow response; the client reads its start and closes. Portico must close the upstream
 * connection, so the worker's next write fails and it is free for the next request long before
 * the abandoned response would have ended.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyClientAbortTest {

    private static final String CONFIG = """
            daemon off;
            error_log logs/error.log info;
            events {
            }
            http {
                server {
                    listen 127.0.0.1:%%PORT%%;
                    server_name localhost;

                    location / {
                        proxy_pass http://127.0.0.1:%%APP%%;
                    }
                    location /unix/ {
                        proxy_pass http://unix:%%SOCK%%:/;
                    }
                }
            }
            """;

    /** 100 chunks 0.1 s apart: the worker is busy for 10 s unless its client goes away. */
    private static final String SLOW = "slow?chunks=100&delay=0.1";
    private static final Duration SLOW_DURATION = Duration.ofSeconds(10);

    private GunicornBehindPortico proxy;

    @BeforeAll
    void start() {
        proxy = GunicornBehindPortico.start(1).serve(CONFIG);
    }

    @AfterAll
    void stop() {
        proxy.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/", "/unix/"})
    void abortedStreamFreesTheOnlyWorker(String location) throws Exception {
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.server().port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(("GET " + location + SLOW + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            // The stream has begun: the head and the first chunk are here.
            String received = "";
            InputStream in = client.getInputStream();
            byte[] buf = new byte[4096];
            while (!received.contains("chunk 0")) {
                int n = in.read(buf);
                assertThat(n).as("response so far: " + received).isPositive();
                received += new String(buf, 0, n, StandardCharsets.ISO_8859_1);
            }
            assertThat(received).startsWith("HTTP/1.1 200 ");
        }
        // The client is gone. The next request needs the same single worker.
        CompletableFuture<RawClient.Response> next = CompletableFuture.supplyAsync(() -> {
            try {
                return proxy.get("localhost", location + "echo/next");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        await().atMost(SLOW_DURATION.dividedBy(2)).until(next::isDone);
        RawClient.Response r = next.join();
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(FlaskApp.Echo.parse(r.text()).uri()).isEqualTo("/echo/next");
    }
}
