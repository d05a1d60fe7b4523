package dev.portico.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.portico.config.ConfigException;
import dev.portico.config.ConfigFixture;
import dev.portico.core.Snapshot;
import dev.portico.proxy.RawClient;
import dev.portico.server.HttpServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * stub_status and portico_status on a real server in this JVM, on two event loops, with
 * raw connections: the counters follow exactly what the clients did (the server is new, so
 * nothing else counts), across loops.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatusServerTest {

    private static final Pattern PAGE = Pattern.compile("Active connections: (\\d+) \n"
            + "server accepts handled requests\n"
            + " (\\d+) (\\d+) (\\d+) \n"
            + "Reading: (\\d+) Writing: (\\d+) Waiting: (\\d+) \n");

    @TempDir
    static Path dir;

    private Snapshot snapshot;
    private HttpServer server;
    private int port;
    private int closedPort;

    /** The figures of one stub_status page. */
    record Page(long active, long accepts, long handled, long requests, long reading, long writing, long waiting) {
        static Page parse(String text) {
            Matcher m = PAGE.matcher(text);
            assertThat(m.matches()).as(text).isTrue();
            long[] v = new long[7];
            for (int i = 0; i < 7; i++) {
                v[i] = Long.parseLong(m.group(i + 1));
            }
            return new Page(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
        }
    }

    @BeforeAll
    void start() throws Exception {
        port = freePort();
        closedPort = freePort();
        snapshot = ConfigFixture.load(dir, """
                events {}
                http {
                    access_log off;
                    error_log ERRLOG info;
                    upstream pair {
                        server 127.0.0.1:CLOSED max_fails=1 fail_timeout=60s;
                        server 127.0.0.1:CLOSED backup;
                    }
                    server {
                        listen 127.0.0.1:PORT;
                        location = /basic_status { stub_status; }
                        location = /old_style { stub_status on; }
                        location = /status { portico_status; }
                        location = /vars {
                            return 200 "$connections_active $connections_reading $connections_writing $connections_waiting";
                        }
                        location = /hello { return 200 "hello"; }
                        location /pair/ { proxy_pass http://pair/; }
                    }
                }
                """.replace("PORT", Integer.toString(port)).replace("CLOSED", Integer.toString(closedPort))
                .replace("ERRLOG", dir.resolve("error.log").toString()));
        snapshot.prepare();
        server = new HttpServer(2, 256);
        server.start(snapshot.http());
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.stopNow();
        }
        if (snapshot != null) {
            snapshot.close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static RawClient.Response get(RawClient c, String path) throws IOException {
        c.send("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n");
        RawClient.Response r = c.read(false);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r;
    }

    @Test
    void countersFollowTheClients() throws Exception {
        try (RawClient a = new RawClient(port)) {
            // Connections of the other tests may still be closing: wait until this one is alone.
            Page alone = await().atMost(Duration.ofSeconds(10))
                    .until(() -> Page.parse(get(a, "/basic_status").text()), q -> q.active() == 1);
            assertThat(alone.writing()).isEqualTo(1);
            long accepts = alone.accepts();
            long requests = alone.requests();
            for (int i = 0; i < 3; i++) {
                assertThat(get(a, "/hello").text()).isEqualTo("hello");
            }
            RawClient.Response first = get(a, "/basic_status");
            assertThat(first.header("Content-Type")).isEqualTo("text/plain");
            assertThat(first.header("Cache-Control")).isNull();
            assertThat(first.header("Expires")).isNull();
            assertThat(first.header("Last-Modified")).isNull();
            // Three requests and this one on the same connection: no new connection.
            assertThat(Page.parse(first.text())).isEqualTo(new Page(1, accepts, accepts, requests + 4, 0, 1, 0));
            requests += 4; // as the page just read shows them

            try (RawClient idle = new RawClient(port); RawClient partial = new RawClient(port)) {
                partial.send("GET /hello HTTP/1.1\r\nHo");
                long[] polls = {0};
                Page seen = await().atMost(Duration.ofSeconds(10)).until(() -> {
                    polls[0]++;
                    return Page.parse(get(a, "/basic_status").text());
                }, q -> q.active() == 3 && q.reading() == 1);
                assertThat(seen).isEqualTo(new Page(3, accepts + 2, accepts + 2, requests + polls[0] + 1, 1, 1, 1));
                assertThat(get(a, "/vars").text()).isEqualTo("3 1 1 1");

                partial.send("st: test\r\n\r\n");
                assertThat(partial.read(false).text()).isEqualTo("hello");
                // The partial request finished: its connection waits again, as the idle one does,
                // once its loop has seen the response written (a moment after the client read it).
                long[] more = {0};
                Page after = await().atMost(Duration.ofSeconds(10)).until(() -> {
                    more[0]++;
                    return Page.parse(get(a, "/old_style").text());
                }, q -> q.waiting() == 2);
                assertThat(after).isEqualTo(new Page(3, accepts + 2, accepts + 2,
                        requests + polls[0] + 2 + more[0], 0, 1, 2));
            }
            Page closed = await().atMost(Duration.ofSeconds(10))
                    .until(() -> Page.parse(get(a, "/basic_status").text()), q -> q.active() == 1);
            assertThat(closed.waiting()).isZero();
            assertThat(closed.writing()).isEqualTo(1);
        }
    }

    @Test
    void pipelinedRequestsAreEachCounted() throws Exception {
        try (RawClient a = new RawClient(port)) {
            Page before = Page.parse(get(a, "/basic_status").text());
            try (RawClient b = new RawClient(port)) {
                b.send("GET /hello HTTP/1.1\r\nHost: test\r\n\r\nGET /hello HTTP/1.1\r\nHost: test\r\n\r\n"
                        + "GET /hello HTTP/1.1\r\nHost: test\r\n\r\n");
                for (int i = 0; i < 3; i++) {
                    assertThat(b.read(false).text()).isEqualTo("hello");
                }
            }
            Page after = Page.parse(get(a, "/basic_status").text());
            assertThat(after.requests() - before.requests()).isEqualTo(4);
            assertThat(after.accepts() - before.accepts()).isEqualTo(1);
        }
    }

    @Test
    void onlyGetAndHeadAsNginx() throws Exception {
        try (RawClient a = new RawClient(port)) {
            a.send("POST /basic_status HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nabc");
            RawClient.Response post = a.read(false);
            assertThat(post.status()).isEqualTo(405);
            assertThat(post.header("Connection")).isEqualTo("keep-alive");
            a.send("DELETE /status HTTP/1.1\r\nHost: test\r\n\r\n");
            assertThat(a.read(false).status()).isEqualTo(405);
            // A GET's body is read and dropped; the connection goes on.
            a.send("GET /basic_status HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello");
            RawClient.Response get = a.read(false);
            assertThat(get.status()).isEqualTo(200);
            a.send("HEAD /basic_status HTTP/1.1\r\nHost: test\r\n\r\n");
            RawClient.Response head = a.read(true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Type")).isEqualTo("text/plain");
            // nginx 1.22 answers HEAD with the page's length; the figures are as wide here.
            assertThat(head.header("Content-Length")).isEqualTo(Integer.toString(get.body().length));
            assertThat(head.body()).isEmpty();
            assertThat(get(a, "/hello").text()).isEqualTo("hello");
        }
    }

    @Test
    void jsonStatusShowsTheUpstreamPeers() throws Exception {
        try (RawClient a = new RawClient(port)) {
            a.send("GET /pair/x HTTP/1.1\r\nHost: test\r\n\r\n");
            assertThat(a.read(false).status()).isEqualTo(502);
            RawClient.Response r = get(a, "/status");
            assertThat(r.header("Content-Type")).isEqualTo("application/json");
            assertThat(r.text())
                    .containsPattern("\"connections\":\\{\"active\":\\d+,\"reading\":\\d+,\"writing\":[1-9]\\d*,")
                    .contains("\"upstreams\":{\"pair\":{\"peers\":[{\"server\":\"127.0.0.1:" + closedPort
                            + "\",\"backup\":false,\"weight\":1,\"state\":\"unavailable\",\"active\":0,"
                            + "\"requests\":1,\"failures\":1,\"last_failure\":{\"reason\":\"connect() failed"
                            + " (111: Connection refused) while connecting to upstream\",\"time\":\"")
                    .contains("{\"server\":\"127.0.0.1:" + closedPort + "\",\"backup\":true,");
        }
    }

    @Test
    void directivesAreCheckedAsNginxDoes(@TempDir Path other) {
        assertThatThrownBy(() -> load(other, "http { stub_status; }"))
                .hasMessageContaining("\"stub_status\" directive is not allowed here");
        assertThatThrownBy(() -> load(other, "http { server { location / { stub_status on off; } } }"))
                .hasMessageContaining("invalid number of arguments in \"stub_status\" directive");
        assertThatThrownBy(() -> load(other, "http { server { location / { portico_status on; } } }"))
                .hasMessageContaining("invalid number of arguments in \"portico_status\" directive");
        assertThatThrownBy(() -> load(other, "http { server { portico_status; } }"))
                .hasMessageContaining("\"portico_status\" directive is not allowed here");
        assertThatThrownBy(() -> load(other, "http { server { location / { portico_status; portico_status; } } }"))
                .hasMessageContaining("\"portico_status\" directive is duplicate");
    }

    @Test
    void stubStatusInAServerAnswersWhatNoLocationTakes(@TempDir Path other) throws Exception {
        int serverPort = freePort();
        Snapshot s = load(other, """
                http {
                    access_log off;
                    server {
                        listen 127.0.0.1:PORT;
                        stub_status;
                        location /hello { return 200 "hello"; }
                    }
                }
                """.replace("PORT", Integer.toString(serverPort)));
        s.prepare();
        HttpServer own = new HttpServer(1, 16);
        try {
            own.start(s.http());
            try (RawClient c = new RawClient(serverPort)) {
                Page p = Page.parse(get(c, "/anything").text());
                // A server of its own counts only its own connections.
                assertThat(p).isEqualTo(new Page(1, 1, 1, 1, 0, 1, 0));
                assertThat(get(c, "/hello").text()).isEqualTo("hello");
            }
        } finally {
            own.stopNow();
            s.close();
        }
    }

    private static Snapshot load(Path dir, String http) throws ConfigException {
        return ConfigFixture.load(dir, "events {}\n" + http + "\n");
    }
}
