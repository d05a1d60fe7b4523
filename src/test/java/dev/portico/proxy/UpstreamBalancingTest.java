package dev.portico.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portico.e2e.upstream.FlaskApp;
import dev.portico.e2e.upstream.Gunicorn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * upstream blocks before two real Gunicorn instances running examples/flaskapp; which one answered
 * is the SERVER_PORT its /echo reports.
 */
class UpstreamBalancingTest {

    @TempDir
    static Path dir;

    static Gunicorn a;
    static Gunicorn b;
    static RunningServer server;
    static int port;
    static Path errorLog;

    @BeforeAll
    static void start() throws Exception {
        a = Gunicorn.start(Files.createDirectories(dir.resolve("a")), "127.0.0.1:" + ProxyPassTest.freePort(), 2,
                "sync", Duration.ofSeconds(60));
        b = Gunicorn.start(Files.createDirectories(dir.resolve("b")), "127.0.0.1:" + ProxyPassTest.freePort(), 2,
                "sync", Duration.ofSeconds(60));
        port = ProxyPassTest.freePort();
        int dead = ProxyPassTest.freePort();
        int dead2 = ProxyPassTest.freePort();
        errorLog = dir.resolve("error.log");
        String conf = """
                events {}
                http {
                    error_log ERRLOG info;
                    access_log off;
                    server {
                        listen 127.0.0.1:PORT;
                        location /w/ { proxy_pass http://weighted/echo/; }
                        location /f/ { proxy_pass http://failover/echo/; }
                        location /b/ { proxy_pass http://withbackup/echo/; }
                        location /bo/ { proxy_pass http://backuponly/echo/; }
                        location /d/ { proxy_pass http://alldown/echo/; }
                    }
                    upstream weighted { server 127.0.0.1:A weight=3; server 127.0.0.1:B weight=2; }
                    upstream failover { server 127.0.0.1:DEAD; server 127.0.0.1:B; }
                    upstream withbackup { server 127.0.0.1:A; server 127.0.0.1:B backup; }
                    upstream backuponly {
                        server 127.0.0.1:DEAD fail_timeout=30s;
                        server 127.0.0.1:DEAD2 fail_timeout=30s;
                        server 127.0.0.1:B backup;
                    }
                    upstream alldown { server 127.0.0.1:DEAD; server 127.0.0.1:DEAD2; }
                }
                """.replace("ERRLOG", errorLog.toString()).replace("PORT", Integer.toString(port))
                .replace("DEAD2", Integer.toString(dead2)).replace("DEAD", Integer.toString(dead))
                .replace(":A", ":" + a.port()).replace(":B", ":" + b.port());
        server = RunningServer.start(dir, conf);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    static RawClient.Response get(String target) throws Exception {
        try (RawClient c = new RawClient(port)) {
            c.send("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            return c.read(false);
        }
    }

    /** The port of the Gunicorn that answered. */
    static int answeredBy(String target) throws Exception {
        RawClient.Response r = get(target);
        assertEquals(200, r.status(), r.text());
        return Integer.parseInt(FlaskApp.Echo.parse(r.text()).environ("SERVER_PORT"));
    }

    @Test
    void weightsThreeToTwoDistributeExactly() throws Exception {
        int onA = 0;
        int onB = 0;
        for (int i = 0; i < 50; i++) {
            int p = answeredBy("/w/x");
            if (p == a.port()) {
                onA++;
            } else if (p == b.port()) {
                onB++;
            }
        }
        assertEquals(30, onA);
        assertEquals(20, onB);
    }

    @Test
    void aDeadPeerFailsOverToTheLiveOne() throws Exception {
        for (int i = 0; i < 6; i++) {
            assertEquals(b.port(), answeredBy("/f/x"));
        }
        String log = logContaining("upstream server temporarily disabled while connecting to upstream");
        assertTrue(log.contains("connect() failed (111: Connection refused) while connecting to upstream"), log);
    }

    @Test
    void backupIsUsedOnlyWhenEveryPrimaryIsDown() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertEquals(a.port(), answeredBy("/b/x"));
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(b.port(), answeredBy("/bo/x"));
        }
    }

    @Test
    void everyPeerDownGives502AndNoLiveUpstreams() throws Exception {
        assertEquals(502, get("/d/x").status());
        assertEquals(502, get("/d/x").status());
        String log = logContaining("no live upstreams while connecting to upstream");
        assertTrue(log.contains("upstream: \"http://alldown/echo/x\""), log);
    }

    static String logContaining(String expected) throws Exception {
        String text = "";
        for (int i = 0; i < 50; i++) {
            text = Files.exists(errorLog) ? Files.readString(errorLog) : "";
            if (text.contains(expected)) {
                return text;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("error log lacks [" + expected + "]:\n" + text);
    }
}
