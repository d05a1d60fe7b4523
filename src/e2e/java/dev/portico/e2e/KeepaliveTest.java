package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Persistent connections: HTTP/1.0 and 1.1 rules, keepalive_requests, keepalive_timeout, pipelining. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeepaliveTest {

    private static final String CONFIG = """
            daemon off;
            error_log logs/error.log info;
            events {
            }
            http {
                keepalive_timeout 60s;
                server {
                    listen 127.0.0.1:%%PORT%%;
                    # The Location tells which request a response answers.
                    error_page 404 http://127.0.0.1$uri;
                }
                server {
                    listen 127.0.0.1:%%PORT2%%;
                    keepalive_requests 2;
                }
                server {
                    listen 127.0.0.1:%%PORT3%%;
                    keepalive_timeout 1s;
                }
            }
            """;

    private TestPrefix prefix;
    private PorticoProcess server;

    @BeforeAll
    void start() {
        prefix = TestPrefix.withConfig(CONFIG);
        server = PorticoProcess.start(prefix);
    }

    @AfterAll
    void stop() {
        PorticoProcess.stop(server, prefix);
    }

    @Test
    void http11TwoRequestsOnOneConnection() {
        try (RawConnection c = RawConnection.open(server.port())) {
            c.send("GET /one HTTP/1.1\r\nHost: localhost\r\n\r\n");
            RawResponse first = c.readResponse();
            assertThat(first.status()).isEqualTo(302);
            assertThat(first.header("Location")).isEqualTo("http://127.0.0.1/one");
            assertThat(first.header("Connection")).isEqualTo("keep-alive");

            c.send("GET /two HTTP/1.1\r\nHost: localhost\r\n\r\n");
            RawResponse second = c.readResponse();
            assertThat(second.header("Location")).isEqualTo("http://127.0.0.1/two");
            assertThat(second.header("Connection")).isEqualTo("keep-alive");
            assertThat(c.awaitClosed(Duration.ofMillis(300))).as("still open").isFalse();
        }
    }

    @Test
    void http10WithoutKeepAliveCloses() {
        RawConnection.Result r = RawConnection.exchange(server.port(), "GET /ten HTTP/1.0\r\n\r\n");
        assertThat(r.response().status()).isEqualTo(302);
        assertThat(r.response().header("Connection")).isEqualTo("close");
        assertThat(r.closed()).isTrue();
    }

    @Test
    void http10WithKeepAliveStaysOpen() {
        try (RawConnection c = RawConnection.open(server.port())) {
            c.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertThat(c.readResponse().header("Connection")).isEqualTo("keep-alive");
            c.send("GET /b HTTP/1.0\r\n\r\n");
            RawResponse second = c.readResponse();
            assertThat(second.header("Location")).isEqualTo("http://127.0.0.1/b");
            assertThat(second.header("Connection")).isEqualTo("close");
            assertThat(c.awaitClosed(Duration.ofSeconds(2))).isTrue();
        }
    }

    @Test
    void connectionCloseIsHonoured() {
        RawConnection.Result r = RawConnection.exchange(server.port(),
                "GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                        + "GET /never HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(r.responses()).hasSize(1);
        assertThat(r.response().header("Connection")).isEqualTo("close");
        assertThat(r.closed()).isTrue();
    }

    @Test
    void keepaliveRequestsClosesAfterTheLastOne() {
        try (RawConnection c = RawConnection.open(server.port(2))) {
            c.send("GET /missing HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(c.readResponse().header("Connection")).isEqualTo("keep-alive");
            c.send("GET /missing HTTP/1.1\r\nHost: localhost\r\n\r\n");
            RawResponse second = c.readResponse();
            assertThat(second.status()).isEqualTo(404);
            assertThat(second.header("Connection")).isEqualTo("close");
            assertThat(c.awaitClosed(Duration.ofSeconds(2))).isTrue();
        }
    }

    @Test
    void keepaliveTimeoutClosesAnIdleConnection() {
        try (RawConnection c = RawConnection.open(server.port(3))) {
            c.send("GET /missing HTTP/1.1\r\nHost: localhost\r\n\r\n");
            RawResponse r = c.readResponse();
            assertThat(r.header("Connection")).isEqualTo("keep-alive");
            long start = System.nanoTime();
            assertThat(c.awaitClosed(Duration.ofSeconds(5))).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isBetween(Duration.ofMillis(700), Duration.ofMillis(2500));
        }
    }

    @Test
    void pipelinedRequestsAnsweredInOrder() {
        try (RawConnection c = RawConnection.open(server.port())) {
            c.send("GET /p1 HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    + "HEAD /p2 HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    + "GET /p3 HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(c.readResponse().header("Location")).isEqualTo("http://127.0.0.1/p1");
            assertThat(c.readHeadResponse().header("Location")).isEqualTo("http://127.0.0.1/p2");
            assertThat(c.readResponse().header("Location")).isEqualTo("http://127.0.0.1/p3");
            assertThat(c.awaitClosed(Duration.ofMillis(300))).isFalse();
        }
    }

    @Test
    void headHasNoBody() {
        try (RawConnection c = RawConnection.open(server.port(2))) {
            c.send("HEAD /missing HTTP/1.1\r\nHost: localhost\r\n\r\n");
            RawResponse head = c.readHeadResponse();
            assertThat(head.status()).isEqualTo(404);
            assertThat(head.header("Content-Length")).isEqualTo("154");
            // The next response starts right after the head: there were no body bytes.
            c.send("GET /missing HTTP/1.1\r\nHost: localhost\r\n\r\n");
            RawResponse get = c.readResponse();
            assertThat(get.statusLine()).isEqualTo("HTTP/1.1 404 Not Found");
            assertThat(get.body()).hasSize(154).contains("<title>404 Not Found</title>");
        }
    }

    @Test
    void expectContinueWithASmallBody() {
        try (RawConnection c = RawConnection.open(server.port(2))) {
            long start = System.nanoTime();
            c.send("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            RawResponse r = c.readResponse();
            if (r.status() == 100) {
                c.send("hello");
                r = c.readResponse();
            }
            // Nothing here reads bodies: the final answer comes without waiting for it.
            assertThat(r.status()).isEqualTo(404);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        }
        CommandResult curl = Curl.run("-o", "/dev/null", "-w", "%{http_code} %{time_total}",
                "-H", "Expect: 100-continue", "--data", "hello", "http://127.0.0.1:" + server.port(3) + "/missing");
        assertThat(curl.exitCode()).as(curl.toString()).isZero();
        String[] out = curl.stdout().split(" ");
        assertThat(out[0]).isEqualTo("404");
        // curl waits up to 1 s for "100 Continue"; the final response must come sooner.
        assertThat(Double.parseDouble(out[1])).isLessThan(0.9);
    }
}
