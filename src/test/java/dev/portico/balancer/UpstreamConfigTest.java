package dev.portico.balancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.portico.config.ConfigException;
import dev.portico.core.Snapshot;
import dev.portico.log.ErrorLog;
import dev.portico.log.LogLevel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** upstream configuration errors, worded and placed as nginx's. */
class UpstreamConfigTest {

    @TempDir
    Path dir;

    private String error(String http) throws Exception {
        Path file = dir.resolve("t.conf");
        Files.writeString(file, "events {}\nhttp {\n" + http + "\n}\n");
        Exception e = assertThrows(ConfigException.class, () -> Snapshot.load(dir, Snapshot.Source.file(file), null,
                new ErrorLog.Sink(null, LogLevel.ERROR)).close());
        return e.getMessage().replace(file.toString(), "t.conf");
    }

    @Test
    void duplicateUpstream() throws Exception {
        assertEquals("duplicate upstream \"x\" in t.conf:4",
                error("upstream x { server 127.0.0.1:1; }\nupstream x { server 127.0.0.1:2; }"));
    }

    @Test
    void noServers() throws Exception {
        assertEquals("no servers are inside upstream in t.conf:3", error("upstream x { least_conn; }"));
    }

    @Test
    void invalidParameters() throws Exception {
        assertEquals("invalid parameter \"weight=0\" in t.conf:3", error("upstream x { server 127.0.0.1:1 weight=0; }"));
        assertEquals("invalid parameter \"slow\" in t.conf:3", error("upstream x { server 127.0.0.1:1 slow; }"));
        assertEquals("invalid parameter \"fail_timeout=x\" in t.conf:3",
                error("upstream x { server 127.0.0.1:1 fail_timeout=x; }"));
        assertEquals("invalid parameter \"three\" in t.conf:3", error("upstream x { random three; server a; }"));
        assertEquals("invalid value \"0\" in \"keepalive\" directive in t.conf:3",
                error("upstream x { keepalive 0; server 127.0.0.1:1; }"));
        assertEquals("\"keepalive_time\" directive is duplicate in t.conf:3",
                error("upstream x { keepalive_time 1h; keepalive_time 2h; server 127.0.0.1:1; }"));
        assertEquals("\"keepalive_timeout\" directive invalid value in t.conf:3",
                error("upstream x { keepalive_timeout 5x; server 127.0.0.1:1; }"));
        assertEquals("balancing method does not support parameter \"backup\" in t.conf:3",
                error("upstream x { ip_hash; server 127.0.0.1:1 backup; }"));
    }

    @Test
    void upstreamWithPort() throws Exception {
        // The location first: nginx reports it when the block comes, at the block.
        assertEquals("upstream \"x\" may not have port 8080 in t.conf:4",
                error("server { listen 127.0.0.1:1; location / { proxy_pass http://x:8080; } }\n"
                        + "upstream x { server 127.0.0.1:1; }"));
        // The block first: reported at the proxy_pass, naming the block's place.
        assertEquals("upstream \"x\" may not have port 8080 in t.conf:3 in t.conf:4",
                error("upstream x { server 127.0.0.1:1; }\n"
                        + "server { listen 127.0.0.1:1; location / { proxy_pass http://x:8080; } }"));
    }

    @Test
    void blockAfterTheLocationIsFound() throws Exception {
        Path file = dir.resolve("ok.conf");
        Files.writeString(file, "events {}\nhttp {\nserver { listen 127.0.0.1:1; location / { proxy_pass "
                + "http://later/app/; } }\nupstream later { server localhost:9 weight=2 max_fails=0 fail_timeout=0; "
                + "server unix:/tmp/x.sock backup; least_conn; keepalive 32; keepalive_timeout 60s; "
                + "keepalive_requests 100; keepalive_time 30m; zone z 64k; }\n}\n");
        Snapshot.load(dir, Snapshot.Source.file(file), null, new ErrorLog.Sink(null, LogLevel.ERROR)).close();
    }

    @Test
    void unknownHostInProxyPass() throws Exception {
        assertEquals("host not found in upstream \"nosuch.invalid\" in t.conf:3",
                error("server { listen 127.0.0.1:1; location / { proxy_pass http://nosuch.invalid; } }"));
    }

    private Snapshot load(String http) throws Exception {
        Path file = dir.resolve("ok.conf");
        Files.writeString(file, "events {}\nhttp {\n" + http + "\n}\n");
        return Snapshot.load(dir, Snapshot.Source.file(file), null, new ErrorLog.Sink(null, LogLevel.ERROR));
    }

    private String method(String block) throws Exception {
        Snapshot s = load("upstream x {\n" + block + "\n}");
        try {
            return Upstreams.of(s.build()).block("x").group().method().directive();
        } finally {
            s.close();
        }
    }

    @Test
    void eachMethodIsApplied() throws Exception {
        assertEquals("round robin", method("server 127.0.0.1:1;"));
        assertEquals("least_conn", method("least_conn; server 127.0.0.1:1; server 127.0.0.1:2 backup;"));
        assertEquals("ip_hash", method("ip_hash; server 127.0.0.1:1;"));
        assertEquals("hash", method("hash $request_uri$arg_x; server 127.0.0.1:1;"));
        assertEquals("hash consistent", method("hash $remote_addr consistent; server 127.0.0.1:1;"));
        assertEquals("random", method("random; server 127.0.0.1:1;"));
        assertEquals("random two least_conn", method("random two; server 127.0.0.1:1;"));
        assertEquals("random two least_conn", method("random two least_conn; server 127.0.0.1:1;"));
        // the last one wins, with nginx's warning for each redefinition
        assertEquals("hash", method("ip_hash; least_conn; hash $uri; server 127.0.0.1:1;"));
        Snapshot s = load("upstream x {\nip_hash; least_conn;\nserver 127.0.0.1:1; }");
        s.close();
        assertEquals("[load balancing method redefined in " + dir.resolve("ok.conf") + ":4]",
                s.build().warnings().toString());
    }

    @Test
    void backupServersListedBeforeAMethodWithoutBackupStay() throws Exception {
        // nginx 1.22.1 accepts them (its round robin fallback uses them)
        Snapshot s = load("upstream x { server 127.0.0.1:1 backup; server 127.0.0.1:2; hash $uri; }");
        s.close();
        assertEquals(1, Upstreams.of(s.build()).block("x").group().backup().size());
    }

    @Test
    void methodErrorsAsNginx() throws Exception {
        assertEquals("balancing method does not support parameter \"backup\" in t.conf:3",
                error("upstream x { hash $uri consistent; server 127.0.0.1:1 backup; }"));
        assertEquals("balancing method does not support parameter \"backup\" in t.conf:3",
                error("upstream x { random two; server 127.0.0.1:1 backup; }"));
        assertEquals("no servers in upstream \"x\" in t.conf:3",
                error("upstream x { server 127.0.0.1:1 backup; server 127.0.0.1:2 backup; }"));
        assertEquals("invalid number of arguments in \"hash\" directive in t.conf:3",
                error("upstream x { hash; server 127.0.0.1:1; }"));
        assertEquals("invalid parameter \"foo\" in t.conf:3", error("upstream x { hash $uri foo; server a; }"));
        // the key is compiled first, as nginx does
        assertEquals("the closing bracket in \"uri\" variable is missing in t.conf:3",
                error("upstream x { hash \"${uri\" foo; server a; }"));
        assertEquals("invalid number of arguments in \"ip_hash\" directive in t.conf:3",
                error("upstream x { ip_hash x; server a; }"));
        assertEquals("invalid number of arguments in \"least_conn\" directive in t.conf:3",
                error("upstream x { least_conn x; server a; }"));
        assertEquals("invalid number of arguments in \"random\" directive in t.conf:3",
                error("upstream x { random two least_conn x; server a; }"));
        assertEquals("invalid parameter \"one\" in t.conf:3", error("upstream x { random one; server a; }"));
        assertEquals("invalid parameter \"foo\" in t.conf:3", error("upstream x { random two foo; server a; }"));
    }
}
