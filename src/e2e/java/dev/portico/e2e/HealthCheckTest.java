package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portico.e2e.upstream.Gunicorn;
import dev.portico.e2e.upstream.Json;
import dev.portico.e2e.upstream.UpstreamProcess;
import dev.portico.e2e.upstream.Uwsgi;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Active health checks (health_check, match) of bin/portico against real Gunicorn and uWSGI
 * instances of examples/flaskapp: each instance names itself in /echo's "instance" (its work
 * folder's name, a, b, c) and fails its /health (503) while the file "unhealthy" is in its
 * folder. A failing check takes its peer out before any client request reaches it, a passing
 * one brings it back; the transitions are logged in NGINX Plus's words.
 */
class HealthCheckTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private static final String CONFIG = """
            daemon off;
            worker_processes 2;
            error_log logs/error.log info;
            events {
            }
            http {
                log_format peer '$request_uri $status $upstream_addr';
                access_log logs/access.log peer;
            HTTP
            }
            """;

    private TestPrefix prefix;
    private PorticoProcess server;
    private final List<UpstreamProcess> upstreams = new ArrayList<>();

    @AfterEach
    void stop() {
        PorticoProcess.stop(server, prefix, upstreams.toArray(new UpstreamProcess[0]));
    }

    private Gunicorn gunicorn(String name) {
        return gunicorn(name, 2);
    }

    private Gunicorn gunicorn(String name, int workers) {
        Gunicorn g = Gunicorn.start(prefix.path(name), "127.0.0.1:" + TestPrefix.freePort(), workers, "sync",
                Duration.ofSeconds(30));
        upstreams.add(g);
        return g;
    }

    private Uwsgi uwsgi(String name) {
        Uwsgi u = Uwsgi.start(prefix.path(name), "127.0.0.1:" + TestPrefix.freePort(), 1, 2, Duration.ofSeconds(30));
        upstreams.add(u);
        return u;
    }

    private void configure(String http) {
        prefix.config(CONFIG.replace("HTTP", http));
    }

    /**
     * An http block's upstream {@code group} of 127.0.0.1:{@code ports}, and a server whose
     * location / passes to it with {@code location}'s directives ({@code pass} is proxy_pass
     * http://GROUP or uwsgi_pass GROUP).
     */
    private static String upstreamAndServer(String group, String pass, String location, int... ports) {
        StringBuilder servers = new StringBuilder();
        for (int port : ports) {
            servers.append("        server ").append(peer(port)).append(";\n");
        }
        return """
                upstream GROUP {
                SERVERS    }
                    server {
                        listen 127.0.0.1:%%PORT%%;
                        location / {
                            PASS;
                            LOCATION
                        }
                    }
                """.replace("GROUP", group).replace("SERVERS", servers).replace("PASS", pass)
                .replace("LOCATION", location);
    }

    private static String peer(int port) {
        return "127.0.0.1:" + port;
    }

    /** The log line of a transition, as NGINX Plus words it. */
    private static String transition(boolean healthy, String stage, String match, int port, String group) {
        return "peer is " + (healthy ? "healthy" : "unhealthy") + " while " + stage + ", health check \"" + match
                + "\" of peer " + peer(port) + " in upstream \"" + group + "\"";
    }

    private String awaitErrorLog(String text) {
        await().atMost(WAIT).until(() -> server.errorLog().contains(text));
        return server.errorLog();
    }

    /** The level a line containing {@code text} was logged at ("warn", "notice" ...). */
    private String levelOf(String text) {
        for (String line : server.errorLog().split("\n")) {
            if (line.contains(text)) {
                Matcher m = Pattern.compile("\\[(\\w+)\\]").matcher(line);
                return m.find() ? m.group(1) : "";
            }
        }
        return null;
    }

    /** {@code n} requests to /echo: how many each instance answered; every one must be a 200. */
    private Map<String, Integer> instances(String path, int n) {
        Map<String, Integer> count = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = Http.get(server.port(), path);
            assertThat(r.statusCode()).as("request %d: %s\n--- error.log ---\n%s", i, r.body(), server.errorLog())
                    .isEqualTo(200);
            count.merge((String) Json.object(r.body()).get("instance"), 1, Integer::sum);
        }
        return count;
    }

    private static int occurrences(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void aFailingCheckTakesThePeerOutBeforeAnyClientAndAPassingOneBringsItBack() throws IOException {
        prefix = TestPrefix.create();
        Gunicorn a = gunicorn("a");
        Gunicorn b = gunicorn("b");
        Gunicorn c = gunicorn("c");
        configure(upstreamAndServer("backend", "proxy_pass http://backend",
                "health_check interval=1s fails=1 passes=1 uri=/health;", a.port(), b.port(), c.port()));
        server = PorticoProcess.start(prefix);
        assertThat(instances("/echo/all", 30)).containsOnlyKeys("a", "b", "c");

        UpstreamProcess.setUnhealthy(prefix.path("b"), true);
        String down = transition(false, "checking status code", "", b.port(), "backend");
        awaitErrorLog(down);
        assertThat(levelOf(down)).isEqualTo("warn");
        Map<String, Integer> count = instances("/echo/without-b", 50);
        assertThat(count).as(count.toString()).containsOnlyKeys("a", "c");
        // Only the check took it out: the instance still answers everything but /health.
        assertThat(Http.send(java.net.http.HttpRequest.newBuilder(b.uri("/echo/direct")).build()).statusCode())
                .isEqualTo(200);
        // No client request was sent to it once it was out, and none failed.
        String log = server.accessLog();
        String afterDown = log.substring(log.indexOf("/echo/without-b"));
        assertThat(afterDown).doesNotContain(peer(b.port())).doesNotContain(" 502 ");

        UpstreamProcess.setUnhealthy(prefix.path("b"), false);
        String up = transition(true, "checking status code", "", b.port(), "backend");
        awaitErrorLog(up);
        assertThat(levelOf(up)).isEqualTo("notice");
        assertThat(instances("/echo/back", 30)).containsOnlyKeys("a", "b", "c");
        // The checks reached every instance as "GET /health" with the group's name as Host.
        assertThat(b.accessLog()).contains("\"GET /health HTTP/1.1\" 503").contains("\"GET /health HTTP/1.1\" 200");
    }

    @Test
    void mandatoryKeepsAPeerOutUntilItsFirstCheckPasses() {
        prefix = TestPrefix.create();
        Gunicorn a = gunicorn("a");
        // The first check takes 5 s: with mandatory, no request may reach the peer before it ends.
        configure(upstreamAndServer("slow", "proxy_pass http://slow",
                "proxy_read_timeout 10s; health_check interval=1s uri=/sleep?s=5 mandatory;", a.port()));
        server = PorticoProcess.start(prefix);
        HttpResponse<String> early = Http.get(server.port(), "/echo/early");
        String up = transition(true, "checking status code", "", a.port(), "slow");
        assertThat(server.errorLog()).doesNotContain(up);
        assertThat(early.statusCode()).isEqualTo(502);
        assertThat(server.errorLog()).contains("no live upstreams while connecting to upstream");
        assertThat(a.accessLog()).doesNotContain("/echo/early");

        awaitErrorLog(up);
        assertThat(instances("/echo/after", 5)).containsOnlyKeys("a");
    }

    @Test
    void persistentKeepsAHealthyPeerInAcrossAReloadWhereMandatoryAloneDoesNot() {
        prefix = TestPrefix.create();
        // Workers enough for the checks that sleep (an old configuration's runs on after it stops).
        Gunicorn a = gunicorn("a", 4);
        // Each check takes 5 s; the server on PORT2 tells which configuration is live.
        String checked = "proxy_read_timeout 10s; health_check interval=1s uri=/sleep?s=5 mandatory";
        String generation = "server { listen 127.0.0.1:%%PORT2%%; location / { return 200 \"NAME\"; } }\n";
        configure(upstreamAndServer("slow", "proxy_pass http://slow", checked + ";", a.port())
                + generation.replace("NAME", "first"));
        server = PorticoProcess.start(prefix);
        String up = transition(true, "checking status code", "", a.port(), "slow");
        awaitErrorLog(up);
        assertThat(instances("/echo/first", 2)).containsOnlyKeys("a");

        // mandatory alone: after a reload the peer is "checking" again until its next check ends.
        configure(upstreamAndServer("slow", "proxy_pass http://slow", checked + ";", a.port())
                + generation.replace("NAME", "second"));
        server.signal("HUP");
        await().atMost(WAIT).until(() -> Http.get(server.port(2), "/").body().equals("second"));
        assertThat(Http.get(server.port(), "/echo/second").statusCode()).isEqualTo(502);
        await().atMost(WAIT).until(() -> occurrences(server.errorLog(), up) == 2);

        // persistent: healthy before the reload, so healthy at once after it.
        configure(upstreamAndServer("slow", "proxy_pass http://slow", checked + " persistent;", a.port())
                + generation.replace("NAME", "third"));
        server.signal("HUP");
        await().atMost(WAIT).until(() -> Http.get(server.port(2), "/").body().equals("third"));
        assertThat(instances("/echo/third", 2)).containsOnlyKeys("a");
        // Served before the new configuration's first check ended, which logs nothing: it passes a healthy peer.
        assertThat(occurrences(server.errorLog(), up)).isEqualTo(2);
        assertThat(a.accessLog()).doesNotContain("/echo/second");
    }

    @Test
    void aKilledInstanceIsTakenOutAndClientsNeverTryIt() {
        prefix = TestPrefix.create();
        Gunicorn a = gunicorn("a");
        Gunicorn b = gunicorn("b");
        Gunicorn c = gunicorn("c");
        configure(upstreamAndServer("backend", "proxy_pass http://backend", "health_check interval=1s uri=/health;",
                a.port(), b.port(), c.port()));
        server = PorticoProcess.start(prefix);
        assertThat(instances("/echo/all", 30)).containsOnlyKeys("a", "b", "c");

        ProcessHandle master = ProcessHandle.of(b.pid()).orElseThrow();
        master.descendants().forEach(ProcessHandle::destroyForcibly);
        master.destroyForcibly();
        await().atMost(WAIT).until(() -> !master.isAlive());

        String refused = "connect() failed (111: Connection refused) while connecting to upstream, health check \"\""
                + " of peer " + peer(b.port()) + " in upstream \"backend\"";
        String down = transition(false, "connecting to upstream", "", b.port(), "backend");
        String log = awaitErrorLog(down);
        assertThat(log).contains(refused);
        assertThat(levelOf(refused)).isEqualTo("error");
        int clientFailures = occurrences(log, ", client: ");

        Map<String, Integer> count = instances("/echo/after-kill", 50);
        assertThat(count).as(count.toString()).containsOnlyKeys("a", "c");
        String access = server.accessLog();
        assertThat(access.substring(access.indexOf("/echo/after-kill")))
                .doesNotContain(peer(b.port())).doesNotContain(" 502 ");
        // No client request even tried the dead peer: no new connect() failure with a client.
        assertThat(occurrences(server.errorLog(), ", client: ")).isEqualTo(clientFailures);
    }

    @Test
    void matchTestsStatusAndBody() throws IOException {
        prefix = TestPrefix.create();
        Gunicorn a = gunicorn("a");
        Gunicorn b = gunicorn("b");
        configure("""
                match only_a {
                    status 200;
                    body ~ "\\"instance\\": \\"a\\"";
                }
                """ + requestMatch("backend") + upstreamAndServer("backend",
                "proxy_pass http://backend", "health_check interval=1s uri=/health match=only_a;"
                + " health_check interval=1s uri=/echo/check?x=1 match=request;", a.port(), b.port()));
        server = PorticoProcess.start(prefix);
        // The second check's request is what the app saw: it passes on both, so it never logs.
        await().atMost(WAIT).until(() -> occurrences(a.accessLog(), "GET /echo/check?x=1 HTTP/1.1\" 200") >= 2
                && occurrences(b.accessLog(), "GET /echo/check?x=1 HTTP/1.1\" 200") >= 2);
        // b answers 200 but its body names b: the body test takes it out.
        String bodyFails = transition(false, "checking body", "only_a", b.port(), "backend");
        awaitErrorLog(bodyFails);
        assertThat(instances("/echo/match", 20)).containsOnlyKeys("a");
        assertThat(server.errorLog()).doesNotContain("of peer " + peer(a.port()) + " in upstream");

        // a's /health now answers 503 (its body still names a): the status test fails.
        UpstreamProcess.setUnhealthy(prefix.path("a"), true);
        awaitErrorLog(transition(false, "checking status code", "only_a", a.port(), "backend"));
        HttpResponse<String> none = Http.get(server.port(), "/echo/none");
        assertThat(none.statusCode()).isEqualTo(502);

        UpstreamProcess.setUnhealthy(prefix.path("a"), false);
        awaitErrorLog(transition(true, "checking body", "only_a", a.port(), "backend"));
        assertThat(instances("/echo/again", 10)).containsOnlyKeys("a");
        assertThat(server.errorLog()).doesNotContain("health check \"request\"");
    }

    /**
     * A match that /echo passes only when the check's request reached the app as the documented
     * GET of /echo/check?x=1 with Host: {@code group}.
     */
    private static String requestMatch(String group) {
        return """
                match request {
                    status 200;
                    header Content-Type = application/json;
                    body ~ "\\"Host\\",\\s+\\"GROUP\\"";
                    body ~ "\\"uri\\": \\"/echo/check\\?x=1\\"";
                    body ~ "\\"method\\": \\"GET\\"";
                }
                """.replace("GROUP", group);
    }

    @Test
    void uwsgiPassGroupsAreCheckedWithUwsgiRequests() throws IOException {
        prefix = TestPrefix.create();
        Files.copy(Portico.home().resolve("conf/uwsgi_params"), prefix.path("conf/uwsgi_params"));
        Uwsgi a = uwsgi("a");
        Uwsgi b = uwsgi("b");
        configure("""
                match healthy {
                    status 200-399;
                    body ~ "\\"healthy\\": true";
                }
                """ + requestMatch("apps") + upstreamAndServer("apps", "include uwsgi_params; uwsgi_pass apps",
                "uwsgi_read_timeout 5s; health_check interval=1s uri=/health match=healthy;"
                + " health_check interval=1s uri=/echo/check?x=1 match=request;", a.port(), b.port()));
        server = PorticoProcess.start(prefix);
        // The uwsgi packet carried the request as the app expects it: the second check passes on both.
        await().atMost(WAIT).until(() -> occurrences(a.log(), "GET /echo/check?x=1 => generated") >= 2
                && occurrences(b.log(), "GET /echo/check?x=1 => generated") >= 2);
        assertThat(instances("/echo/all", 20)).containsOnlyKeys("a", "b");

        UpstreamProcess.setUnhealthy(prefix.path("b"), true);
        awaitErrorLog(transition(false, "checking status code", "healthy", b.port(), "apps"));
        assertThat(instances("/echo/without-b", 30)).containsOnlyKeys("a");
        // The checks are uwsgi requests: uWSGI logged them with their status.
        assertThat(b.log()).contains("GET /health => generated").contains("(HTTP/1.1 503)");

        UpstreamProcess.setUnhealthy(prefix.path("b"), false);
        awaitErrorLog(transition(true, "checking body", "healthy", b.port(), "apps"));
        assertThat(instances("/echo/back", 20)).containsOnlyKeys("a", "b");
        assertThat(server.errorLog()).doesNotContain("health check \"request\"");
    }

    @Test
    void aReloadStopsTheOldChecksAndStartsTheNewOnes() {
        prefix = TestPrefix.create();
        Gunicorn a = gunicorn("a");
        Gunicorn b = gunicorn("b");
        Gunicorn c = gunicorn("c");
        String check = "health_check interval=1s uri=/health;";
        configure(upstreamAndServer("backend", "proxy_pass http://backend", check, a.port(), b.port()));
        server = PorticoProcess.start(prefix);
        await().atMost(WAIT).until(() -> occurrences(b.accessLog(), "GET /health") >= 2);
        assertThat(occurrences(c.accessLog(), "GET /health")).isZero();

        configure(upstreamAndServer("backend", "proxy_pass http://backend", check, a.port(), c.port()));
        server.signal("HUP");
        server.awaitErrorLog("signal 1 (SIGHUP) received, reconfiguring");
        // The new checks run: c gets checked, and the new configuration serves.
        await().atMost(WAIT).until(() -> occurrences(c.accessLog(), "GET /health") >= 1);
        await().atMost(WAIT).until(() -> instances("/echo/new", 4).containsKey("c"));
        int bChecks = occurrences(b.accessLog(), "GET /health");
        int cChecks = occurrences(c.accessLog(), "GET /health");
        // Three more intervals of the new checks: the removed peer gets none of them.
        await().atMost(WAIT).until(() -> occurrences(c.accessLog(), "GET /health") >= cChecks + 3);
        assertThat(occurrences(b.accessLog(), "GET /health")).isEqualTo(bChecks);
        assertThat(instances("/echo/after", 20)).containsOnlyKeys("a", "c");
    }
}
