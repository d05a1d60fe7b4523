package dev.portico.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * proxy_request_buffering: on (nginx's default) reads the whole client body
 * before the upstream is contacted, in memory up to client_body_buffer_size
 * and in a temporary file past it, and can send it again to the next peer;
 * off streams it, and a body partly sent is never sent again.
 */
class RequestBufferingTest {

    @TempDir
    Path dir;

    private int port;

    /** Answers with the body's length and digest as the upstream received them. */
    static final ScriptedUpstream.Script DIGEST = r -> ScriptedUpstream.response(200,
            r.bodyLength() + " " + r.bodySha256());

    RunningServer server(String http) throws Exception {
        port = ProxyPassTest.freePort();
        return RunningServer.http(dir, port, "client_max_body_size 0;\n" + http, 1);
    }

    String errorLog() throws Exception {
        Path log = dir.resolve("error.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    static byte[] randomBody(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String sha256(byte[] b) {
        return HexFormat.of().formatHex(RawClient.sha256().digest(b));
    }

    /** Sends {@code body} with a Content-Length head, the first half, then (after {@code between}) the rest. */
    static RawClient.Response postInTwoHalves(int port, String target, byte[] body, Runnable between)
            throws Exception {
        try (RawClient c = new RawClient(port)) {
            c.send("POST " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: "
                    + body.length + "\r\n\r\n");
            c.send(java.util.Arrays.copyOfRange(body, 0, body.length / 2));
            between.run();
            c.send(java.util.Arrays.copyOfRange(body, body.length / 2, body.length));
            return c.read(false);
        }
    }

    @Test
    void theUpstreamSeesNothingUntilTheClientSentItsWholeBody() throws Exception {
        byte[] body = randomBody(100_000, 1);
        try (ScriptedUpstream up = new ScriptedUpstream(DIGEST);
             RunningServer s = server("server { listen 127.0.0.1:PORT; location / { proxy_pass http://"
                     + up.address() + "; } location /streamed/ { proxy_pass http://" + up.address() + ";"
                     + " proxy_request_buffering off; } }")) {
            RawClient.Response r = postInTwoHalves(port, "/buffered", body, () -> await()
                    .during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> up.accepted() == 0));
            assertEquals(200, r.status());
            assertEquals(body.length + " " + sha256(body), r.text());
            assertEquals(Integer.toString(body.length), up.requests().get(0).header("Content-Length"));
            // With off, the upstream has the request while the client is still sending.
            RawClient.Response streamed = postInTwoHalves(port, "/streamed/", body, () -> await()
                    .atMost(Duration.ofSeconds(5)).until(() -> up.accepted() == 2));
            assertEquals(body.length + " " + sha256(body), streamed.text());
        }
    }

    @Test
    void aChunkedBodyIsSentWithItsLength() throws Exception {
        try (ScriptedUpstream up = new ScriptedUpstream(DIGEST);
             RunningServer s = server("server { listen 127.0.0.1:PORT; location / { proxy_pass http://"
                     + up.address() + "; proxy_http_version 1.1; } }");
             RawClient c = new RawClient(port)) {
            c.send("POST /chunked HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
            RawClient.Response r = c.read(false);
            assertEquals("11 " + sha256("hello world".getBytes()), r.text());
            ScriptedUpstream.Request seen = up.requests().get(0);
            assertEquals("11", seen.header("Content-Length"));
            assertNull(seen.header("Transfer-Encoding"));
        }
    }

    @Test
    void aBodyLargerThanClientBodyBufferSizeGoesThroughATemporaryFile() throws Exception {
        byte[] big = randomBody(1 << 20, 2);
        byte[] small = randomBody(4000, 3);
        try (ScriptedUpstream up = new ScriptedUpstream(DIGEST);
             RunningServer s = server("client_body_buffer_size 8k;\nserver { listen 127.0.0.1:PORT; location / {"
                     + " proxy_pass http://" + up.address() + "; } }")) {
            Path temp = dir.resolve("client_body_temp");
            assertTrue(Files.isDirectory(temp), "nginx's default client_body_temp_path is created at start");
            assertEquals(small.length + " " + sha256(small), postInTwoHalves(port, "/small", small, () -> { })
                    .text());
            assertFalse(errorLog().contains("buffered to a temporary file"), errorLog());
            assertEquals(big.length + " " + sha256(big), postInTwoHalves(port, "/big", big, () -> { }).text());
            assertTrue(errorLog().contains("[warn]") && errorLog().contains(
                    "a client request body is buffered to a temporary file " + temp + "/"), errorLog());
            try (var files = Files.list(temp)) {
                assertEquals(0, files.count(), "the temporary file is unlinked");
            }
        }
    }

    @Test
    void aBufferedPostGoesWholeToTheNextPeer() throws Exception {
        byte[] small = randomBody(3000, 4);
        byte[] big = randomBody(600_000, 5);
        try (ScriptedUpstream a = new ScriptedUpstream(r -> ScriptedUpstream.response(502, "a"));
             ScriptedUpstream b = new ScriptedUpstream(DIGEST);
             RunningServer s = server("client_body_buffer_size 16k;\nupstream u { server " + a.address()
                     + " max_fails=0; server " + b.address() + " max_fails=0; }\n"
                     + "server { listen 127.0.0.1:PORT; location / { proxy_pass http://u;"
                     + " proxy_next_upstream http_502 non_idempotent; } }")) {
            for (byte[] body : List.of(small, big)) {
                // Round robin starts each of these at a, whose 502 sends the body on to b.
                RawClient.Response r = postInTwoHalves(port, "/post", body, () -> { });
                assertEquals(body.length + " " + sha256(body), r.text());
                assertEquals(200, RawClient.exchange(port, "GET", "/turn", null).status());
            }
            List<ScriptedUpstream.Request> atA = a.requests();
            assertEquals(2, atA.size());
            assertEquals(small.length, atA.get(0).bodyLength());
            assertEquals(sha256(big), atA.get(1).bodySha256());
        }
    }

    @Test
    void aStreamedBodyPartlySentIsNeverSentAgain() throws Exception {
        byte[] body = randomBody(1 << 20, 6);
        try (ScriptedUpstream a = new ScriptedUpstream(DIGEST);
             ScriptedUpstream b = new ScriptedUpstream(DIGEST);
             RunningServer s = server("upstream u { server " + a.address() + " max_fails=0; server " + b.address()
                     + " max_fails=0; }\nserver { listen 127.0.0.1:PORT; location / { proxy_pass http://u;"
                     + " proxy_request_buffering off; proxy_next_upstream error timeout non_idempotent; } }")) {
            a.closeAfterHead(line -> line.startsWith("PUT"));
            RawClient.Response r;
            try (RawClient c = new RawClient(port)) {
                c.send("PUT /put HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: "
                        + body.length + "\r\n\r\n");
                try {
                    c.send(body);
                } catch (java.io.IOException closed) {
                    // the proxy may stop reading once it answered
                }
                r = c.read(false);
            }
            assertEquals(502, r.status());
            assertEquals(0, b.accepted(), "even an idempotent PUT: its streamed body cannot be sent again");
            // Without a body, nothing stops a retry.
            assertEquals(200, RawClient.exchange(port, "GET", "/turn", null).status());
            a.closeAfterHead(line -> true);
            RawClient.Response get = RawClient.exchange(port, "GET", "/get", null);
            assertEquals(200, get.status());
            assertEquals(1, b.requests().stream().filter(q -> q.method().equals("GET") && q.target().equals("/get"))
                    .count());
        }
    }
}
