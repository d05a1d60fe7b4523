package dev.portico.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.portico.config.ConfigException;
import dev.portico.core.Snapshot;
import dev.portico.http.HttpConfig;
import dev.portico.log.ErrorLog;
import dev.portico.log.LogLevel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** health_check and match as NGINX Plus writes them: what loads, and each error with its file:line. */
class HealthCheckConfigTest {

    @TempDir
    Path dir;

    private static final String UPSTREAMS = "upstream backend { server 127.0.0.1:1; server 127.0.0.1:2; }\n"
            + "upstream app { server unix:/tmp/app.sock; }\n";

    private Path write(String http) throws Exception {
        Path file = dir.resolve("t.conf");
        Files.writeString(file, "events {}\nhttp {\n" + UPSTREAMS + http + "\n}\n");
        return file;
    }

    private Snapshot load(String http) throws Exception {
        return Snapshot.load(dir, Snapshot.Source.file(write(http)), null, new ErrorLog.Sink(null, LogLevel.ERROR));
    }

    /** The load's error, with the file's path shortened to t.conf. */
    private String error(String http) throws Exception {
        Path file = write(http);
        Exception e = assertThrows(ConfigException.class, () -> Snapshot.load(dir, Snapshot.Source.file(file), null,
                new ErrorLog.Sink(null, LogLevel.ERROR)).close());
        return e.getMessage().replace(file.toString(), "t.conf");
    }

    /** The checks of the loaded configuration (one per checked peer). */
    private List<PeerCheck> checks(String http) throws Exception {
        Snapshot s = load(http);
        try {
            List<HttpConfig.LiveTask> tasks = s.http().liveTasks();
            assertThat(tasks).hasSize(1);
            return ((HealthChecks) tasks.get(0)).checks();
        } finally {
            s.close();
        }
    }

    private static String server(String location) {
        return "server { listen 127.0.0.1:1;\n" + location + "\n}";
    }

    @Test
    void defaultsAreNginxPlusOnes() throws Exception {
        List<PeerCheck> checks = checks(server("location / { proxy_pass http://backend; health_check; }"));
        assertThat(checks).hasSize(2);
        HealthCheck c = checks.get(0).target.check;
        assertEquals(new HealthCheck(5000, 0, 1, 1, "/", null, -1, false, false, -1, c.where()), c);
        assertThat(checks.get(0).target.match).isSameAs(Match.DEFAULT);
        assertThat(checks.get(0).target.host()).isEqualTo("backend");
        // Without mandatory a peer starts healthy.
        assertThat(checks.get(0).peer.isUnhealthy()).isFalse();
    }

    @Test
    void everyParameter() throws Exception {
        List<PeerCheck> checks = checks(server("location / { proxy_pass http://backend;"
                + " proxy_set_header Host example.com;\n"
                + " health_check interval=2s jitter=500ms fails=3 passes=2 uri=/health?x=1 match=ok port=8080"
                + " mandatory persistent keepalive_time=60s; }")
                + "\nmatch ok { status 200-399; header Content-Type ~ json; body !~ maintenance; }");
        HealthCheck c = checks.get(0).target.check;
        assertEquals(new HealthCheck(2000, 500, 3, 2, "/health?x=1", "ok", 8080, true, true, 60_000, c.where()), c);
        assertThat(checks.get(0).target.match.name()).isEqualTo("ok");
        assertThat(checks.get(0).target.host()).isEqualTo("example.com");
        // mandatory: out of every balancing method from the start, until a first check passes.
        assertThat(checks).allSatisfy(pc -> assertThat(pc.peer.isUnhealthy()).isTrue());
    }

    @Test
    void aHostWithVariablesFallsBackToTheGroupName() throws Exception {
        List<PeerCheck> checks = checks(server("location / { proxy_pass http://backend;"
                + " proxy_set_header Host $host; health_check; }"));
        assertThat(checks.get(0).target.host()).isEqualTo("backend");
    }

    @Test
    void uwsgiPassToABlock() throws Exception {
        List<PeerCheck> checks = checks(server("location / { uwsgi_pass app; health_check uri=/health; }"));
        assertThat(checks).hasSize(1);
        assertThat(checks.get(0).target.uwsgi()).isTrue();
        assertThat(checks.get(0).peer.peer.name()).isEqualTo("unix:/tmp/app.sock");
    }

    @Test
    void severalLocationsCheckingOneGroupShareEachPeersVerdict() throws Exception {
        List<PeerCheck> checks = checks(server("location /a { proxy_pass http://backend; health_check uri=/a mandatory; }\n"
                + "location /b { proxy_pass http://backend; health_check uri=/b; }"));
        assertThat(checks).hasSize(4);
        // The /a check holds each peer down (mandatory); the /b one does not, but one is enough.
        assertThat(checks).allSatisfy(pc -> assertThat(pc.peer.isUnhealthy()).isTrue());
    }

    @Test
    void downPeersAreNotChecked() throws Exception {
        List<PeerCheck> checks = checks("upstream some { server 127.0.0.1:3; server 127.0.0.1:4 down; }\n"
                + server("location / { proxy_pass http://some; health_check; }"));
        assertThat(checks).extracting(pc -> pc.peer.peer.name()).containsExactly("127.0.0.1:3");
    }

    @Test
    void aLocationWithoutAnUpstreamBlock() throws Exception {
        assertEquals("\"health_check\" requires \"proxy_pass\" or \"uwsgi_pass\" to an upstream block in the same"
                + " location in t.conf:6", error(server("location / { health_check; }")));
        // Not inherited from an enclosing location either: nginx's *_pass is not.
        assertEquals("\"health_check\" requires \"proxy_pass\" or \"uwsgi_pass\" to an upstream block in the same"
                + " location in t.conf:7", error(server("location / { proxy_pass http://backend;\n"
                + "location /in { health_check; } }")));
        assertEquals("\"health_check\" requires \"proxy_pass\" to name an upstream block, not the address"
                + " \"http://127.0.0.1:9000\" in t.conf:7", error(server("location / {\nproxy_pass http://127.0.0.1:9000;"
                + " health_check; }")));
        assertEquals("\"health_check\" requires \"uwsgi_pass\" to name an upstream block, not the address"
                + " \"unix:/tmp/x.sock\" in t.conf:6", error(server("location / { uwsgi_pass unix:/tmp/x.sock;"
                + " health_check; }")));
        assertEquals("\"health_check\" cannot be used with \"proxy_pass\" with variables in t.conf:6",
                error(server("location / { proxy_pass http://$arg_b; health_check; }")));
    }

    @Test
    void invalidParameters() throws Exception {
        for (String p : List.of("interval=0", "interval=x", "jitter=-1", "fails=0", "passes=x", "uri=", "match=",
                "port=0", "port=65536", "keepalive_time=0", "type=tcp", "bogus", "mandatory=1")) {
            assertEquals("invalid parameter \"" + p + "\" in t.conf:6",
                    error(server("location / { proxy_pass http://backend; health_check " + p + "; }")), p);
        }
        assertEquals("\"persistent\" requires \"mandatory\" before it in \"health_check\" in t.conf:6",
                error(server("location / { proxy_pass http://backend; health_check persistent; }")));
        assertEquals("gRPC health checks (\"type=grpc\") are not supported by portico in t.conf:6",
                error(server("location / { proxy_pass http://backend; health_check type=grpc; }")));
        assertEquals("\"health_check\" directive is not allowed here in t.conf:6",
                error(server("health_check;")));
    }

    @Test
    void matchErrors() throws Exception {
        assertEquals("unknown match \"nope\" in \"health_check\" in t.conf:6",
                error(server("location / { proxy_pass http://backend; health_check match=nope; }")));
        assertEquals("duplicate match \"m\" in t.conf:6", error("match m { status 200; }\nmatch m { status 200; }"));
        assertEquals("invalid status \"20\" in \"match\" in t.conf:5", error("match m { status 20; }"));
        assertEquals("invalid status \"399-200\" in \"match\" in t.conf:6", error("match m {\nstatus ! 399-200; }"));
        assertEquals("invalid number of arguments in \"status\" directive in t.conf:5", error("match m { status !; }"));
        assertEquals("invalid operator \"==\" in \"header\" of \"match\", it must be \"=\", \"!=\", \"~\" or \"!~\""
                + " in t.conf:5", error("match m { header A == b; }"));
        assertEquals("invalid number of arguments in \"header\" directive in t.conf:5", error("match m { header; }"));
        assertEquals("invalid operator \"=\" in \"body\" of \"match\", it must be \"~\" or \"!~\" in t.conf:5",
                error("match m { body = x; }"));
        assertThat(error("match m { body ~ \"(\"; }")).startsWith("pcre2_compile() failed: ").endsWith(" in t.conf:5");
        assertEquals("\"require\" in \"match\" is not supported: variables are not evaluated for health checks"
                + " in t.conf:5", error("match m { require $x; }"));
        assertEquals("unknown directive \"code\" in \"match\" in t.conf:6", error("match m {\ncode 200; }"));
        assertEquals("\"match\" directive is not allowed here in t.conf:6", error(server("match m { }")));
    }
}
