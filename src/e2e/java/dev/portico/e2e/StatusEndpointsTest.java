package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portico.e2e.upstream.Gunicorn;
import dev.portico.e2e.upstream.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * stub_status and portico_status in bin/portico on two event loops: the basic status page
 * counts exactly the connections and requests the test makes (read with curl and on a raw
 * keep-alive connection), and the JSON status shows an upstream block of two real Gunicorn
 * instances running examples/flaskapp, before and after one of them is stopped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatusEndpointsTest {

    private static final String CONFIG = """
            daemon off;
            worker_processes 2;
            error_log logs/error.log info;
            events {
            }
            http {
                access_log logs/access.log;
                upstream app {
                    server 127.0.0.1:%%APP1%% max_fails=1 fail_timeout=60s;
                    server 127.0.0.1:%%APP2%% max_fails=1 fail_timeout=60s;
                }
                server {
                    listen 127.0.0.1:%%PORT%%;
                    location = /basic_status {
                        stub_status;
                    }
                    location = /status {
                        portico_status;
                    }
                    location = /hello {
                        return 200 "hello\\n";
                    }
                    location /app/ {
                        proxy_pass http://app/;
                    }
                }
            }
            """;

    private static final Pattern PAGE = Pattern.compile("Active connections: (\\d+) \n"
            + "server accepts handled requests\n"
            + " (\\d+) (\\d+) (\\d+) \n"
            + "Reading: (\\d+) Writing: (\\d+) Waiting: (\\d+) \n");

    /** The figures of one stub_status page. */
    record Page(long active, long accepts, long handled, long requests, long reading, long writing, long waiting) {
        static Page parse(String text) {
            Matcher m = PAGE.matcher(text);
            assertThat(m.matches()).as("stub_status page:\n" + text).isTrue();
            long[] v = new long[7];
            for (int i = 0; i < v.length; i++) {
                v[i] = Long.parseLong(m.group(i + 1));
            }
            return new Page(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
        }
    }

    private TestPrefix prefix;
    private Gunicorn app1;
    private Gunicorn app2;
    private PorticoProcess server;

    @BeforeAll
    void start() {
        prefix = TestPrefix.create();
        // Each instance's work folder names it in /echo's "instance".
        app1 = Gunicorn.start(prefix.path("app1"), "127.0.0.1:" + TestPrefix.freePort(), 2, "sync",
                Duration.ofSeconds(30));
        app2 = Gunicorn.start(prefix.path("app2"), "127.0.0.1:" + TestPrefix.freePort(), 2, "sync",
                Duration.ofSeconds(30));
        prefix.config(CONFIG.replace("%%APP1%%", Integer.toString(app1.port()))
                .replace("%%APP2%%", Integer.toString(app2.port())));
        server = PorticoProcess.start(prefix);
    }

    @AfterAll
    void stop() {
        PorticoProcess.stop(server, prefix, app1, app2);
    }

    /** A page read until {@code until} holds, and how many requests that took. */
    record Polled(Page page, long reads) {
    }

    /** Reads the status page on {@code c} until {@code until} holds; each read is a request. */
    private static Polled pollUntil(RawConnection c, Predicate<Page> until) {
        long[] reads = {0};
        Page page = await().atMost(Duration.ofSeconds(10)).until(() -> {
            reads[0]++;
            return Page.parse(get(c, "/basic_status").body());
        }, until::test);
        return new Polled(page, reads[0]);
    }

    private static RawResponse get(RawConnection c, String path) {
        c.send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
        RawResponse r = c.readResponse();
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r;
    }

    @Test
    void stubStatusCountsWhatTheClientsDid() {
        RawResponse first = Curl.response("-i", server.url("/basic_status"));
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.header("Content-Type")).isEqualTo("text/plain");
        assertThat(first.hasHeader("Cache-Control")).isFalse();
        assertThat(first.hasHeader("Expires")).isFalse();
        Page before = Page.parse(first.body());
        assertThat(before.writing()).isGreaterThanOrEqualTo(1); // curl's own request

        int n = 5;
        try (RawConnection a = RawConnection.open(server.port())) {
            for (int i = 0; i < n; i++) {
                assertThat(get(a, "/hello").body()).isEqualTo("hello\n");
            }
            Page after = Page.parse(get(a, "/basic_status").body());
            // One connection more, N requests and the status request itself on it.
            assertThat(after.accepts()).isEqualTo(before.accepts() + 1);
            assertThat(after.handled()).isEqualTo(before.handled() + 1);
            assertThat(after.requests()).isEqualTo(before.requests() + n + 1);

            try (RawConnection idle = RawConnection.open(server.port())) {
                // curl's connection closes on its own time; the idle one is accepted on either loop.
                Polled withIdle = pollUntil(a, p -> p.active() == 2 && p.waiting() == 1);
                assertThat(withIdle.page()).isEqualTo(new Page(2, before.accepts() + 2, before.handled() + 2,
                        after.requests() + withIdle.reads(), 0, 1, 1));

                idle.send("GET /hello HTTP/1.1\r\nHost: loc");
                Polled reading = pollUntil(a, p -> p.reading() == 1);
                // A request that has begun to arrive counts, as in nginx.
                assertThat(reading.page()).isEqualTo(new Page(2, before.accepts() + 2, before.handled() + 2,
                        withIdle.page().requests() + reading.reads() + 1, 1, 1, 0));

                idle.send("alhost\r\n\r\n");
                assertThat(idle.readResponse().body()).isEqualTo("hello\n");
                // Its connection waits again once the server has seen the response written, which
                // may be a moment after the client has read it (another event loop).
                Polled done = pollUntil(a, p -> p.waiting() == 1);
                assertThat(done.page()).isEqualTo(new Page(2, before.accepts() + 2, before.handled() + 2,
                        reading.page().requests() + done.reads(), 0, 1, 1));
            }
        }
        // curl reads it again: every connection of this test is gone.
        Page last = await().atMost(Duration.ofSeconds(10))
                .until(() -> Page.parse(Curl.response("-i", server.url("/basic_status")).body()),
                        p -> p.active() == 1);
        assertThat(last.writing()).isEqualTo(1);
        assertThat(last.waiting()).isZero();
    }

    @Test
    void onlyGetAndHead() {
        RawResponse post = Curl.response("-i", "-X", "POST", "--data", "x=1", server.url("/basic_status"));
        assertThat(post.status()).isEqualTo(405);
        try (RawConnection c = RawConnection.open(server.port())) {
            c.send("HEAD /status HTTP/1.1\r\nHost: localhost\r\n\r\n");
            RawResponse head = c.readHeadResponse();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Type")).isEqualTo("application/json");
            assertThat(Long.parseLong(head.header("Content-Length"))).isPositive();
            // No body came with the head: the next response follows it directly.
            assertThat(get(c, "/hello").body()).isEqualTo("hello\n");
        }
    }

    @Test
    void jsonStatusShowsBothInstancesAndTheOneThatStopped() {
        int m = 10;
        Map<String, Integer> servedBy = new HashMap<>();
        try (RawConnection c = RawConnection.open(server.port())) {
            for (int i = 0; i < m; i++) {
                String instance = (String) Json.object(get(c, "/app/echo?i=" + i).body()).get("instance");
                servedBy.merge(instance, 1, Integer::sum);
            }
        }
        assertThat(servedBy).containsOnlyKeys("app1", "app2");

        Map<String, Object> status = settledStatus();
        assertThat(status.get("version")).isInstanceOf(String.class);
        assertThat(status.get("pid")).isEqualTo(server.pid());
        assertThat((Long) status.get("uptime_seconds")).isNotNegative();
        Map<String, Object> connections = object(status, "connections");
        assertThat(connections).containsOnlyKeys("active", "reading", "writing", "waiting", "accepted", "handled");
        assertThat((Long) connections.get("writing")).isPositive();
        assertThat((Long) object(status, "requests").get("total")).isGreaterThanOrEqualTo(m + 1);

        List<Map<String, Object>> peers = peers(status);
        assertThat(peers).hasSize(2);
        Map<String, Object> peer1 = peers.get(0);
        Map<String, Object> peer2 = peers.get(1);
        assertThat(peer1.get("server")).isEqualTo("127.0.0.1:" + app1.port());
        assertThat(peer2.get("server")).isEqualTo("127.0.0.1:" + app2.port());
        // Each instance answered as many requests as its peer counts; together, all of them.
        assertThat(peer1.get("requests")).isEqualTo((long) servedBy.get("app1"));
        assertThat(peer2.get("requests")).isEqualTo((long) servedBy.get("app2"));
        for (Map<String, Object> p : peers) {
            assertThat(p).containsEntry("state", "up").containsEntry("failures", 0L).containsEntry("active", 0L)
                    .containsEntry("backup", false).containsEntry("weight", 1L).containsEntry("last_failure", null);
        }

        long app2Pid = app2.pid();
        app2.close(); // TERM to its master's pid, waiting until it is gone
        assertThat(ProcessHandle.of(app2Pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        Instant stopped = Instant.now();

        // Round robin sends one of two requests to the stopped instance first: it fails over.
        try (RawConnection c = RawConnection.open(server.port())) {
            for (int i = 0; i < 2; i++) {
                assertThat(Json.object(get(c, "/app/echo?after=" + i).body()).get("instance")).isEqualTo("app1");
            }
        }
        server.awaitErrorLog("connect() failed (111: Connection refused) while connecting to upstream");

        List<Map<String, Object>> after = peers(settledStatus());
        Map<String, Object> dead = after.get(1);
        assertThat(dead.get("state")).isEqualTo("unavailable");
        assertThat((Long) dead.get("failures")).isGreaterThanOrEqualTo(1);
        assertThat((Long) dead.get("requests")).isGreaterThan((Long) peer2.get("requests"));
        Map<String, Object> failure = object(dead, "last_failure");
        assertThat((String) failure.get("reason")).contains("connect() failed (111: Connection refused)");
        Instant when = Instant.parse((String) failure.get("time"));
        assertThat(when).isBetween(stopped.minusSeconds(1), Instant.now().plusSeconds(1));

        Map<String, Object> alive = after.get(0);
        assertThat(alive).containsEntry("state", "up").containsEntry("failures", 0L).containsEntry("last_failure", null);
        assertThat((Long) alive.get("requests")).isEqualTo((Long) peer1.get("requests") + 2);
    }

    /**
     * The status once no peer has a request in progress: a peer is given back when its
     * response has been read from it, which can be a moment after the client has it.
     */
    private Map<String, Object> settledStatus() {
        return await().atMost(Duration.ofSeconds(10)).until(this::status,
                s -> peers(s).stream().allMatch(p -> Long.valueOf(0).equals(p.get("active"))));
    }

    private Map<String, Object> status() {
        RawResponse r = Curl.response("-i", server.url("/status"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        return Json.object(r.body());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Map<String, Object> parent, String name) {
        Object v = parent.get(name);
        assertThat(v).as(name + " in " + parent).isInstanceOf(Map.class);
        return (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> peers(Map<String, Object> status) {
        Map<String, Object> upstreams = object(status, "upstreams");
        assertThat(upstreams).containsOnlyKeys("app");
        return (List<Map<String, Object>>) object(upstreams, "app").get("peers");
    }
}
