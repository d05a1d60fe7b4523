package dev.portico.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * proxy_next_upstream once the connection is up, as ngx_http_upstream_next
 * decides: which failures go to the next peer, which count against max_fails,
 * the limits of proxy_next_upstream_tries and _timeout, non-idempotent
 * requests, and $upstream_addr / $upstream_status listing every try.
 */
class ProxyNextUpstreamTest {

    @TempDir
    Path dir;

    private int port;

    /** Answers every request with {@code status} and a body naming the peer. */
    static ScriptedUpstream.Script answering(int status, String name) {
        return r -> ScriptedUpstream.response(status, name + " " + status);
    }

    /** {@code then}'s answer, {@code millis} after the request came. */
    static ScriptedUpstream.Script after(long millis, ScriptedUpstream.Script then) {
        return r -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return then.answer(r);
        };
    }

    /**
     * Two or more peers in {@code upstream u}, and {@code location /} passing to it with
     * {@code directives}, showing $upstream_addr and $upstream_status.
     */
    RunningServer server(String directives, ScriptedUpstream... peers) throws Exception {
        StringBuilder servers = new StringBuilder();
        for (ScriptedUpstream p : peers) {
            servers.append("server ").append(p.address()).append(" max_fails=1 fail_timeout=30s; ");
        }
        port = ProxyPassTest.freePort();
        return RunningServer.http(dir, port, "upstream u { " + servers + "}\n"
                + "server { listen 127.0.0.1:PORT; location / { proxy_pass http://u; " + directives
                + " add_header X-Up-Addr $upstream_addr always; add_header X-Up-Status $upstream_status always; } }",
                1);
    }

    /** Peer a as the test scripts it, peer b answering 200, and the server before them (in that order). */
    final class Pair implements AutoCloseable {
        final ScriptedUpstream a;
        final ScriptedUpstream b = new ScriptedUpstream(answering(200, "b"));
        final RunningServer server;

        Pair(ScriptedUpstream.Script first, String directives) throws Exception {
            a = new ScriptedUpstream(first);
            server = server(directives, a, b);
        }

        @Override
        public void close() throws Exception {
            server.close();
            a.close();
            b.close();
        }
    }

    RawClient.Response get(String target) throws Exception {
        return RawClient.exchange(port, "GET", target, null);
    }

    String errorLog() throws Exception {
        Path log = dir.resolve("error.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    static String addrs(ScriptedUpstream... peers) {
        StringBuilder sb = new StringBuilder();
        for (ScriptedUpstream p : peers) {
            sb.append(sb.length() == 0 ? "" : ", ").append(p.address());
        }
        return sb.toString();
    }

    @Test
    void http502GoesToTheNextPeerAndTheVariablesListBothTries() throws Exception {
        try (Pair p = new Pair(answering(502, "a"), "proxy_next_upstream error timeout http_502;")) {
            RawClient.Response r = get("/x");
            assertEquals(200, r.status());
            assertEquals("b 200", r.text());
            assertEquals(addrs(p.a, p.b), r.header("X-Up-Addr"));
            assertEquals("502, 200", r.header("X-Up-Status"));
        }
    }

    @Test
    void withoutHttp502TheUpstreamsOwn502ReachesTheClient() throws Exception {
        try (Pair p = new Pair(answering(502, "a"), "")) {
            RawClient.Response r = get("/x");
            assertEquals(502, r.status());
            assertEquals("a 502", r.text());
            assertEquals(p.a.address(), r.header("X-Up-Addr"));
            assertEquals(0, p.b.accepted());
        }
    }

    @Test
    void aRetried503ShowsAs502InUpstreamStatusAsNginxRecordsIt() throws Exception {
        // ngx_http_upstream_next stores its own status for the try: 502 for http_503.
        try (Pair p = new Pair(answering(503, "a"), "proxy_next_upstream http_503;")) {
            RawClient.Response r = get("/x");
            assertEquals("b 200", r.text());
            assertEquals("502, 200", r.header("X-Up-Status"));
        }
    }

    @Test
    void http404MovesOnWithoutCountingAFailureButHttp502Counts() throws Exception {
        // With max_fails=1, a peer whose 502 was retried is out for fail_timeout; one whose 404
        // was retried is not (NGX_PEER_NEXT), so round robin comes back to it.
        for (int code : new int[] {404, 502}) {
            try (Pair p = new Pair(answering(code, "a"), "proxy_next_upstream http_" + code + ";")) {
                assertEquals(addrs(p.a, p.b), get("/r1").header("X-Up-Addr"));
                assertEquals(p.b.address(), get("/r2").header("X-Up-Addr"));
                String third = get("/r3").header("X-Up-Addr");
                assertEquals(code == 404 ? addrs(p.a, p.b) : p.b.address(), third, "http_" + code);
                assertEquals(code == 502, errorLog().contains("upstream server temporarily disabled"), errorLog());
            }
            Files.deleteIfExists(dir.resolve("error.log"));
        }
    }

    @Test
    void invalidHeaderGoesToTheNextPeerOnlyWhenNamed() throws Exception {
        ScriptedUpstream.Script broken = r -> "HTTP/1.1 200 OK\r\nBad\u0001Name: x\r\nContent-Length: 0\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        try (Pair p = new Pair(broken, "proxy_next_upstream invalid_header;")) {
            RawClient.Response r = get("/x");
            assertEquals("b 200", r.text());
            assertEquals(addrs(p.a, p.b), r.header("X-Up-Addr"));
            assertEquals("502, 200", r.header("X-Up-Status"));
            assertTrue(errorLog().contains("upstream sent invalid header: \"Bad\\x01...\" while reading response"
                    + " header from upstream"), errorLog());
        }
        try (Pair p = new Pair(broken, "")) {
            assertEquals(502, get("/x").status());
            assertEquals(0, p.b.accepted(), "the default \"error timeout\" does not cover invalid_header");
        }
    }

    @Test
    void anUpstreamClosingBeforeItsHeadIsAnErrorThatMovesOn() throws Exception {
        try (Pair p = new Pair(r -> null, "")) {
            RawClient.Response r = get("/x");
            assertEquals("b 200", r.text());
            assertEquals("502, 200", r.header("X-Up-Status"));
            assertTrue(errorLog().contains("upstream prematurely closed connection while reading response header"),
                    errorLog());
        }
    }

    @Test
    void readTimeoutGoesToTheNextPeerAs504() throws Exception {
        try (Pair p = new Pair(after(800, r -> null), "proxy_read_timeout 300ms;")) {
            RawClient.Response r = get("/x");
            assertEquals("b 200", r.text());
            assertEquals("504, 200", r.header("X-Up-Status"));
            assertTrue(errorLog().contains("upstream timed out (110: Connection timed out) while reading response"
                    + " header from upstream"), errorLog());
        }
    }

    @Test
    void nextUpstreamTriesLimitsTheTries() throws Exception {
        try (ScriptedUpstream a = new ScriptedUpstream(answering(502, "a"));
             ScriptedUpstream b = new ScriptedUpstream(answering(502, "b"));
             ScriptedUpstream c = new ScriptedUpstream(answering(502, "c"));
             RunningServer s = server("proxy_next_upstream http_502; proxy_next_upstream_tries 2;", a, b, c)) {
            RawClient.Response r = get("/x");
            // The last try's own 502 reaches the client: no try is left to drop it for.
            assertEquals(502, r.status());
            assertEquals("b 502", r.text());
            assertEquals(addrs(a, b), r.header("X-Up-Addr"));
            assertEquals("502, 502", r.header("X-Up-Status"));
            assertEquals(0, c.accepted());
        }
    }

    @Test
    void nextUpstreamTimeoutStopsTriesOnceItPassed() throws Exception {
        ScriptedUpstream.Script late502 = after(400, answering(502, "a"));
        try (Pair p = new Pair(late502, "proxy_next_upstream http_502; proxy_next_upstream_timeout 200ms;")) {
            RawClient.Response r = get("/x");
            assertEquals("a 502", r.text());
            assertEquals(0, p.b.accepted());
        }
        try (Pair p = new Pair(late502, "proxy_next_upstream http_502; proxy_next_upstream_timeout 5s;")) {
            assertEquals("b 200", get("/x").text());
        }
    }

    @Test
    void offRetriesNothing() throws Exception {
        int dead = ProxyPassTest.freePort();
        try (ScriptedUpstream b = new ScriptedUpstream(answering(200, "b"))) {
            port = ProxyPassTest.freePort();
            try (RunningServer s = RunningServer.http(dir, port, "upstream u { server 127.0.0.1:" + dead + "; server "
                    + b.address() + "; }\nserver { listen 127.0.0.1:PORT; location / { proxy_pass http://u;"
                    + " proxy_next_upstream off; add_header X-Up-Addr $upstream_addr always; } }", 1)) {
                RawClient.Response r = get("/x");
                assertEquals(502, r.status());
                assertEquals("127.0.0.1:" + dead, r.header("X-Up-Addr"));
                assertEquals(0, b.accepted());
            }
        }
    }

    @Test
    void aPostIsSentToTheNextPeerOnlyWithNonIdempotent() throws Exception {
        try (Pair p = new Pair(answering(502, "a"), "proxy_next_upstream http_502;")) {
            RawClient.Response r = RawClient.exchange(port, "POST", "/form", "k=v");
            assertEquals("a 502", r.text());
            assertEquals(0, p.b.accepted());
            assertEquals(p.b.address(), get("/turn").header("X-Up-Addr")); // round robin's turn for b
            // PUT is idempotent: it moves on.
            RawClient.Response put = RawClient.exchange(port, "PUT", "/put", "k=v");
            assertEquals("b 200", put.text());
            assertEquals(addrs(p.a, p.b), put.header("X-Up-Addr"));
        }
        try (Pair p = new Pair(answering(502, "a"), "proxy_next_upstream http_502 non_idempotent;")) {
            assertEquals("b 200", RawClient.exchange(port, "POST", "/form", "k=v").text());
            assertFalse(p.b.requests().isEmpty());
            assertEquals(3, p.b.requests().get(0).bodyLength());
        }
    }
}
