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
}
