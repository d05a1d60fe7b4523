package dev.portico.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upstream keepalive (nginx's ngx_http_upstream_keepalive_module) against a
 * scripted upstream that counts its connections: reuse, the per-event-loop
 * caches, keepalive_requests, keepalive_timeout, what makes a connection not
 * reusable, and a kept connection that turns out closed when it is used again.
 */
class UpstreamKeepaliveTest {

    @TempDir
    Path dir;

    /** Answers every request with 200 and its target as the body, keeping the connection. */
    static final ScriptedUpstream.Script OK = r -> ScriptedUpstream.response(200, r.method() + " " + r.target());

    /** The keepalive location every test uses, under {@code upstream u}; {@code extra} goes inside it. */
    static String keptLocation(String extra) {
        return """
                location / {
                    proxy_pass http://u;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    add_header X-Up-Addr $upstream_addr always;
                    add_header X-Up-Status $upstream_status always;
                    EXTRA
                }
                """.replace("EXTRA", extra);
    }

    private int port;

    RunningServer server(String httpBody, int eventLoops) throws Exception {
        port = ProxyPassTest.freePort();
        return RunningServer.http(dir, port, httpBody, eventLoops);
    }

    RunningServer server(ScriptedUpstream up, String upstreamExtra, String location) throws Exception {
        return server("upstream u { server " + up.address() + "; " + upstreamExtra + " }\n"
                + "server { listen 127.0.0.1:PORT; " + location + " }", 1);
    }

    RawClient.Response request(String method, String target, String body) throws Exception {
        return RawClient.exchange(port, method, target, body);
    }

    RawClient.Response get(String target) throws Exception {
        return request("GET", target, null);
    }

    String errorLog() throws Exception {
        Path log = dir.resolve("error.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Test
    void requestsOfEveryFramingShareOneUpstreamConnection() throws Exception {
        ScriptedUpstream.Script script = r -> switch (r.target()) {
            case "/chunked" -> ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
            case "/nocontent" -> "HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
            case "/empty" -> ScriptedUpstream.response(200, "");
            // A HEAD response has the length of the GET one and no body.
            case "/h" -> "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
            default -> ScriptedUpstream.response(200, r.method() + " " + r.target());
        };
        try (ScriptedUpstream up = new ScriptedUpstream(script);
             RunningServer s = server(up, "keepalive 4;", keptLocation(""))) {
            assertEquals("GET /a", get("/a").text());
            assertEquals("hello world", get("/chunked").text());
            assertEquals(204, get("/nocontent").status());
            RawClient.Response head = request("HEAD", "/h", null);
            assertEquals(200, head.status());
            assertEquals("7", head.header("Content-Length"));
            assertEquals(0, get("/empty").body().length);
            assertEquals("POST /p", request("POST", "/p", "a body").text());
            assertEquals("GET /b", get("/b").text());
            assertEquals(1, up.accepted(), up.connectionsSummary());
            List<ScriptedUpstream.Request> seen = up.requests();
            assertEquals(7, seen.size());
            for (int i = 0; i < seen.size(); i++) {
                assertEquals(i + 1, seen.get(i).onConnection(), up.connectionsSummary());
                assertEquals(null, seen.get(i).header("Connection"), "proxy_set_header Connection \"\" sends none");
            }
            assertEquals(6, seen.get(5).bodyLength());
        }
    }

    @Test
    void aKeptConnectionServesAnotherLocationWithThatLocationsOwnLimits() throws Exception {
        // Both locations use one upstream block, so one kept connection; its response decoder must
        // be the serving location's: proxy_buffer_size 1k refuses a head the default 4k takes.
        ScriptedUpstream.Script script = r -> r.target().endsWith("/big")
                ? ScriptedUpstream.response(200, "big", "X-Big: " + "x".repeat(2000))
                : ScriptedUpstream.response(200, r.target());
        String small = """
                location /small/ {
                    proxy_pass http://u;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_buffer_size 1k;
                }
                """;
        try (ScriptedUpstream up = new ScriptedUpstream(script);
             RunningServer s = server(up, "keepalive 4;", keptLocation("") + small)) {
            assertEquals("big", get("/big").text());
            assertEquals("/small/a", get("/small/a").text());
            assertEquals(1, up.accepted(), up.connectionsSummary());
            assertEquals(502, get("/small/big").status());
            assertTrue(errorLog().contains("upstream sent too big header"), errorLog());
            assertEquals("/b", get("/b").text());
        }
    }

    @Test
    void eachEventLoopKeepsItsOwnConnections() throws Exception {
        try (ScriptedUpstream up = new ScriptedUpstream(OK);
             RunningServer s = server("upstream u { server " + up.address() + "; keepalive 4; }\n"
                     + "server { listen 127.0.0.1:PORT; " + keptLocation("") + " }", 2);
             RawClient first = new RawClient(port);
             RawClient second = new RawClient(port)) {
            // Netty hands accepted connections to its loops in turn: the two clients are on different
            // loops. Were the cache shared, the second client would take the first one's idle connection.
            for (int round = 0; round < 3; round++) {
                for (RawClient c : List.of(first, second)) {
                    c.send("GET /r" + round + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
                    assertEquals(200, c.read(false).status());
                }
            }
            assertEquals(2, up.accepted(), up.connectionsSummary());
            List<ScriptedUpstream.Request> seen = up.requests();
            // Requests alternate between the clients, and so between the two upstream connections.
            for (int i = 0; i < seen.size(); i++) {
                assertEquals(seen.get(i % 2).connection(), seen.get(i).connection(), up.connectionsSummary());
            }
            assertEquals(2, seen.stream().map(ScriptedUpstream.Request::connection).distinct().count());
        }
    }

    @Test
    void keepaliveRequestsClosesAConnectionAfterThatManyRequests() throws Exception {
        try (ScriptedUpstream up = new ScriptedUpstream(OK);
             RunningServer s = server(up, "keepalive 4; keepalive_requests 2;", keptLocation(""))) {
            for (int i = 0; i < 5; i++) {
                assertEquals(200, get("/n" + i).status());
            }
            assertEquals(3, up.accepted(), up.connectionsSummary());
            await().atMost(Duration.ofSeconds(5)).until(() -> up.closedByPeer() == 2);
            assertTrue(up.requests().stream().allMatch(r -> r.onConnection() <= 2), up.connectionsSummary());
        }
    }

    @Test
    void keepaliveTimeoutClosesAnIdleConnection() throws Exception {
        try (ScriptedUpstream up = new ScriptedUpstream(OK);
             RunningServer s = server(up, "keepalive 4; keepalive_timeout 400ms;", keptLocation(""))) {
            assertEquals(200, get("/one").status());
            long start = System.nanoTime();
            await().atMost(Duration.ofSeconds(5)).until(() -> up.closedByPeer() == 1);
            long idleMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(idleMillis >= 300, "closed after " + idleMillis + " ms of keepalive_timeout 400ms");
            RawClient.Response r = get("/two");
            assertEquals(200, r.status());
            assertEquals("200", r.header("X-Up-Status"));
            assertEquals(2, up.accepted());
        }
    }

    @Test
    void anIdleConnectionClosesWhenTheUpstreamClosesItOrSendsAnything() throws Exception {
        try (ScriptedUpstream up = new ScriptedUpstream(OK);
             RunningServer s = server(up, "keepalive 4;", keptLocation(""))) {
            assertEquals(200, get("/one").status());
            up.shutdownOutputOfOpenConnections();
            // The proxy sees the end of stream on its idle connection and closes it.
            await().atMost(Duration.ofSeconds(5)).until(() -> up.closedByPeer() == 1);
            RawClient.Response r = get("/two");
            assertEquals("200", r.header("X-Up-Status"), "a fresh connection, not a failed try");
            up.writeToOpenConnections("stray bytes");
            await().atMost(Duration.ofSeconds(5)).until(() -> up.closedByPeer() == 2);
            assertEquals("200", get("/three").header("X-Up-Status"));
            assertEquals(3, up.accepted());
        }
    }

    @Test
    void aResponseThatDoesNotAllowReuseClosesItsConnection() throws Exception {
        ScriptedUpstream.Script script = r -> switch (r.target()) {
            case "/http10" -> "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1);
            case "/close" -> ScriptedUpstream.response(200, "ok", "Connection: close");
            case "/extra" -> "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"
                    .getBytes(StandardCharsets.ISO_8859_1);
            case "/afterchunks" -> "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nEXTRA"
                    .getBytes(StandardCharsets.ISO_8859_1);
            default -> ScriptedUpstream.response(200, "ok");
        };
        try (ScriptedUpstream up = new ScriptedUpstream(script);
             RunningServer s = server(up, "keepalive 4;", keptLocation(""))) {
            // The upstream keeps each of these connections open: the proxy must be the one to close.
            for (String target : List.of("/http10", "/close", "/extra", "/afterchunks")) {
                RawClient.Response r = get(target);
                assertEquals(200, r.status(), target);
                assertEquals("ok", r.text(), target);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> up.closedByPeer() == 4);
            assertEquals(4, up.accepted(), up.connectionsSummary());
        }
    }

    @Test
    void withoutClearingTheConnectionHeaderTheUpstreamClosesEveryConnection() throws Exception {
        // As with nginx: keepalive needs proxy_http_version 1.1 and proxy_set_header Connection "".
        try (ScriptedUpstream up = new ScriptedUpstream(OK);
             RunningServer s = server(up, "keepalive 4;", "location / { proxy_pass http://u; }")) {
            for (int i = 0; i < 3; i++) {
                assertEquals(200, get("/c" + i).status());
            }
            assertEquals(3, up.accepted());
            assertTrue(up.requests().stream().allMatch(r -> "close".equals(r.header("Connection"))));
        }
    }

    @Test
    void aProxyPassWithoutAnUpstreamBlockKeepsNoConnection() throws Exception {
        try (ScriptedUpstream up = new ScriptedUpstream(OK);
             RunningServer s = server("server { listen 127.0.0.1:PORT; location / { proxy_pass http://"
                     + up.address() + "; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }", 1)) {
            for (int i = 0; i < 3; i++) {
                assertEquals(200, get("/i" + i).status());
            }
            assertEquals(3, up.accepted());
            await().atMost(Duration.ofSeconds(5)).until(() -> up.closedByPeer() == 3);
        }
    }

    /** Answers the first request of each connection; closes a connection's later requests unanswered. */
    static final ScriptedUpstream.Script STALE_AFTER_FIRST = r -> r.onConnection() == 1
            ? ScriptedUpstream.response(200, r.method() + " " + r.target() + " " + r.bodySha256()) : null;

    @Test
    void aGetOnAKeptConnectionThatTurnsOutClosedIsRetriedOnAFreshOne() throws Exception {
        try (ScriptedUpstream up = new ScriptedUpstream(STALE_AFTER_FIRST);
             RunningServer s = server(up, "keepalive 4;", keptLocation(""))) {
            assertEquals(200, get("/first").status());
            RawClient.Response r = get("/second");
            assertEquals(200, r.status());
            assertTrue(r.text().startsWith("GET /second"), r.text());
            assertEquals(up.address() + ", " + up.address(), r.header("X-Up-Addr"));
            assertEquals("502, 200", r.header("X-Up-Status"));
            assertEquals(2, up.accepted(), up.connectionsSummary());
            // The error log is written by its own thread: the line may land just after the answer.
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertTrue(errorLog().contains(
                    "upstream prematurely closed connection while reading response header from upstream, client:"
                    + " 127.0.0.1, server: , request: \"GET /second HTTP/1.1\""), errorLog()));
        }
    }

    @Test
    void aPostAlreadySentOnAKeptConnectionIsNotRetried() throws Exception {
        try (ScriptedUpstream up = new ScriptedUpstream(STALE_AFTER_FIRST);
             RunningServer s = server(up, "keepalive 4;", keptLocation(""))) {
            assertEquals(200, get("/first").status());
            RawClient.Response r = request("POST", "/form", "name=value");
            assertEquals(502, r.status());
            assertEquals("502", r.header("X-Up-Status"));
            assertEquals(1, up.accepted(), up.connectionsSummary());
            assertEquals(1, up.requests().stream().filter(q -> q.method().equals("POST")).count());
        }
    }

    @Test
    void nonIdempotentLetsThatPostGoAgainWithItsBody() throws Exception {
        try (ScriptedUpstream up = new ScriptedUpstream(STALE_AFTER_FIRST);
             RunningServer s = server(up, "keepalive 4;",
                     keptLocation("proxy_next_upstream error timeout non_idempotent;"))) {
            assertEquals(200, get("/first").status());
            RawClient.Response r = request("POST", "/form", "name=value");
            assertEquals(200, r.status());
            assertEquals("POST /form " + sha256("name=value"), r.text());
            assertEquals("502, 200", r.header("X-Up-Status"));
            List<ScriptedUpstream.Request> posts = up.requests().stream()
                    .filter(q -> q.method().equals("POST")).collect(Collectors.toList());
            assertEquals(2, posts.size());
            assertEquals(Set.of(10L), posts.stream().map(ScriptedUpstream.Request::bodyLength)
                    .collect(Collectors.toSet()));
        }
    }

    @Test
    void aFailedKeptConnectionCountsAgainstItsPeerAndAddsATry() throws Exception {
        // ngx_http_upstream_next frees the peer as failed (max_fails=1: out for fail_timeout), then
        // gives the request one try more, since a kept connection's failure says little about the peer.
        try (ScriptedUpstream a = new ScriptedUpstream(STALE_AFTER_FIRST);
             ScriptedUpstream b = new ScriptedUpstream(OK);
             RunningServer s = server("upstream u { server " + a.address() + " max_fails=1 fail_timeout=30s; server "
                     + b.address() + "; keepalive 4; }\n"
                     + "server { listen 127.0.0.1:PORT; " + keptLocation("") + " }", 1)) {
            assertEquals(a.address(), get("/r1").header("X-Up-Addr"));
            assertEquals(b.address(), get("/r2").header("X-Up-Addr"));
            RawClient.Response r3 = get("/r3");
            assertEquals(200, r3.status());
            assertEquals(a.address() + ", " + b.address(), r3.header("X-Up-Addr"));
            assertEquals("502, 200", r3.header("X-Up-Status"));
            for (int i = 0; i < 3; i++) {
                assertEquals(b.address(), get("/after" + i).header("X-Up-Addr"));
            }
            assertEquals(1, b.accepted(), "b's connection is kept through it all");
            assertTrue(errorLog().contains("upstream server temporarily disabled while reading response header"
                    + " from upstream"), errorLog());
        }
    }

    static String sha256(String s) {
        return java.util.HexFormat.of().formatHex(RawClient.sha256().digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
