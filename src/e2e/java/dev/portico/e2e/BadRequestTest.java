package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Malformed and over-limit requests on raw sockets. A parallel keep-alive connection is
 * checked after every test: bad clients must not disturb it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadRequestTest {

    private static final String CONFIG = """
            daemon off;
            error_log logs/error.log info;
            events {
            }
            http {
                client_max_body_size 10;
                client_header_timeout 1s;
                large_client_header_buffers 4 1k;
                keepalive_timeout 300s;
                server {
                    listen 127.0.0.1:%%PORT%%;
                    server_name localhost;
                }
            }
            """;

    private TestPrefix prefix;
    private PorticoProcess server;
    private RawConnection bystander;

    @BeforeAll
    void start() {
        prefix = TestPrefix.withConfig(CONFIG);
        server = PorticoProcess.start(prefix);
        bystander = RawConnection.open(server.port());
        assertBystanderServed();
    }

    @AfterAll
    void stop() {
        try {
            if (bystander != null) {
                bystander.close();
            }
            if (server != null) {
                server.close();
            }
        } finally {
            prefix.close();
        }
    }

    @AfterEach
    void assertBystanderServed() {
        bystander.send("GET /bystander HTTP/1.1\r\nHost: localhost\r\n\r\n");
        RawResponse r = bystander.readResponse();
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.header("Connection")).isEqualTo("keep-alive");
    }

    private RawConnection.Result send(String request) {
        return RawConnection.exchange(server.port(), request);
    }

    private static void assertRejected(RawConnection.Result r, int status, String title) {
        RawResponse response = r.response();
        assertThat(response.status()).as(r.text()).isEqualTo(status);
        assertThat(response.header("Connection")).isEqualTo("close");
        assertThat(response.header("Server")).startsWith("portico");
        assertThat(response.body()).contains("<title>" + title + "</title>");
        assertThat(r.closed()).as("closed after the response").isTrue();
        assertThat(r.responses()).hasSize(1);
    }

    @Test
    void malformedRequestLine() {
        assertRejected(send("GARBAGE\r\n\r\n"), 400, "400 Bad Request");
        assertRejected(send("G@T / HTTP/1.1\r\nHost: localhost\r\n\r\n"), 400, "400 Bad Request");
        assertRejected(send("GET noslash HTTP/1.1\r\nHost: localhost\r\n\r\n"), 400, "400 Bad Request");
    }

    @Test
    void requestLineLongerThanLargeHeaderBuffer() {
        String uri = "/" + "a".repeat(2000);
        assertRejected(send("GET " + uri + " HTTP/1.1\r\nHost: localhost\r\n\r\n"), 414, "414 Request-URI Too Large");
        server.awaitErrorLog("client sent too long URI while reading client request line");
    }

    @Test
    void headerLineLargerThanLargeHeaderBuffer() {
        RawConnection.Result r = send("GET /missing HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "b".repeat(5000) + "\r\n\r\n");
        // nginx's 494, sent as 400 with its own page.
        assertRejected(r, 400, "400 Request Header Or Cookie Too Large");
        assertThat(r.response().body()).contains("<center>Request Header Or Cookie Too Large</center>");
        // As nginx: the line's bytes in the large buffer it filled (1k here), quoted, then "...".
        server.awaitErrorLog("client sent too long header line: \"X-Big: " + "b".repeat(1024 - 7)
                + "...\" while reading client request headers");
    }

    @Test
    void contentLengthWithTransferEncoding() {
        assertRejected(send("POST /missing HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400, "400 Bad Request");
    }

    @Test
    void twoDifferentContentLengths() {
        assertRejected(send("POST /missing HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
                + "Content-Length: 6\r\n\r\nhello!"), 400, "400 Bad Request");
    }

    @Test
    void transferEncodingOtherThanChunked() {
        // nginx (1.21.1+) answers 501 "client sent unknown Transfer-Encoding"; Portico answers 400.
        RawConnection.Result r = send("POST /missing HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\nabc");
        assertThat(r.response().status()).isIn(400, 501);
        assertThat(r.closed()).isTrue();
    }

    @Test
    void transferEncodingInHttp10() {
        assertRejected(send("POST /missing HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400,
                "400 Bad Request");
    }

    @Test
    void httpVersion2InRequestLine() {
        assertRejected(send("GET /missing HTTP/2.0\r\nHost: localhost\r\n\r\n"), 505, "505 HTTP Version Not Supported");
        server.awaitErrorLog("client sent unsupported HTTP version while reading client request line");
    }

    @Test
    void duplicateHostAndInvalidHost() {
        assertRejected(send("GET /missing HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400, "400 Bad Request");
        assertRejected(send("GET /missing HTTP/1.1\r\nHost: a/b\r\n\r\n"), 400, "400 Bad Request");
        assertRejected(send("GET /missing HTTP/1.1\r\n\r\n"), 400, "400 Bad Request");
    }

    @Test
    void invalidChunkSize() {
        // The request (and its broken body) is followed by a pipelined request that must not be served.
        RawConnection.Result r = send("POST /missing HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "zz\r\nabc\r\n0\r\n\r\n"
                + "GET /next HTTP/1.1\r\nHost: localhost\r\n\r\n");
        // No handler in this configuration reads the body, so the 404 may go out before the
        // chunk is parsed (nginx does the same and then discards the body); a body-reading
        // handler answers 400. Either way the connection is closed and nothing else is served.
        assertThat(r.response().status()).isIn(400, 404);
        assertThat(r.responses()).hasSize(1);
        assertThat(r.closed()).isTrue();
    }

    @Test
    void bodyLargerThanClientMaxBodySize() {
        RawConnection.Result r = send("POST /missing HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n"
                + "x".repeat(100));
        assertRejected(r, 413, "413 Request Entity Too Large");
        assertThat(r.response().body()).contains("<center><h1>413 Request Entity Too Large</h1></center>");
        server.awaitErrorLog("client intended to send too large body: 100 bytes");
    }

    @Test
    void clientHeaderTimeoutClosesAPartialRequest() {
        try (RawConnection slow = RawConnection.open(server.port())) {
            long start = System.nanoTime();
            slow.send("GET /missing HTTP/1.1\r\nHost: localhost\r\n");
            // Meanwhile other connections are served.
            RawConnection.Result other = send("GET /missing HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            assertThat(other.response().status()).isEqualTo(404);

            assertThat(slow.awaitClosed(Duration.ofSeconds(5))).as("closed by the server").isTrue();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).isBetween(Duration.ofMillis(800), Duration.ofMillis(3000));
        }
        server.awaitErrorLog("client timed out (110: Connection timed out) while reading client request headers");
    }
}
