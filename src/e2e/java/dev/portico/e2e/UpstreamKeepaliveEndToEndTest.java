package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portico.e2e.upstream.Gunicorn;
import dev.portico.e2e.upstream.Json;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.TestInstance;

/**
 * bin/portico before the real Gunicorn with gthread workers (which keep
 * connections alive) and examples/flaskapp: with an upstream block's
 * {@code keepalive}, proxy_http_version 1.1 and an empty Connection header,
 * requests share one upstream connection, on TCP and on a unix socket; the app
 * numbers the connections it serves, and the access log shows every try.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamKeepaliveEndToEndTest {

    private static final String CONFIG = """
            daemon off;
            worker_processes 1;
            error_log logs/error.log info;
            events {
            }
            http {
                log_format upstream '$request_uri $upstream_addr $upstream_status $upstream_connect_time';
                access_log logs/access.log upstream;
                upstream app {
                    server 127.0.0.1:%%APP%%;
                    keepalive 8;
                }
                upstream app_unix {
                    server unix:%%SOCK%%;
                    keepalive 8;
                }
                server {
                    listen 127.0.0.1:%%PORT%%;
                    location /kept/ {
                        proxy_pass http://app/;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                    }
                    location /closing/ {
                        proxy_pass http://app/;
                    }
                    location /unix/kept/ {
                        proxy_pass http://app_unix/;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                    }
                    location /unix/closing/ {
                        proxy_pass http://app_unix/;
                    }
                }
            }
            """;

    private TestPrefix prefix;
    private Gunicorn app;
    private PorticoProcess server;

    @BeforeAll
    void start() {
        prefix = TestPrefix.create();
        int appPort = TestPrefix.freePort();
        app = Gunicorn.start(prefix.path("app"), List.of("127.0.0.1:" + appPort, "unix:" + prefix.path("app.sock")),
                2, "gthread", Duration.ofSeconds(30));
        prefix.config(CONFIG.replace("%%APP%%", Integer.toString(appPort))
                .replace("%%SOCK%%", app.socketPath().toString()));
        server = PorticoProcess.start(prefix);
    }

    @AfterAll
    void stop() {
        PorticoProcess.stop(server, prefix, app);
    }

    /** Which of Gunicorn's connections carried a request: the app numbers them ("pid-n"). */
    private String upstreamConnection(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Object id = Json.object(r.body()).get("connection");
        assertThat(id).as(r.body()).isNotNull();
        return (String) id;
    }

    private HttpResponse<String> request(String method, String path, String body) {
        HttpRequest.Builder b = Http.request(server.port(), path);
        return Http.send(body == null ? b.method(method, HttpRequest.BodyPublishers.noBody()).build()
                : b.method(method, HttpRequest.BodyPublishers.ofString(body)).build());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/unix"})
    void requestsShareOneUpstreamConnection(String via) {
        List<String> connections = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            connections.add(upstreamConnection(request("GET", via + "/kept/echo/k" + i, null)));
        }
        // A POST's buffered body, too, goes over the kept connection.
        HttpResponse<String> post = request("POST", via + "/kept/echo/post", "field=value");
        connections.add(upstreamConnection(post));
        assertThat(post.body()).contains("\"body_length\": 11");
        assertThat(new HashSet<>(connections)).as(connections.toString()).hasSize(1);
        String log = PorticoProcess.awaitText(prefix::accessLog, via + "/kept/echo/post ", Duration.ofSeconds(5));
        String peer = via.isEmpty() ? "127.0.0.1:" + app.port() : "unix:" + app.socketPath();
        assertThat(log).contains(via + "/kept/echo/k0 " + peer + " 200 ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/unix"})
    void aKeptConnectionThatGunicornClosesIsNotUsedAgain(String via) {
        String first = upstreamConnection(request("GET", via + "/kept/echo/before", null));
        // Gunicorn closes a connection idle for its keep-alive (2 s by default); Portico sees
        // the close while the connection waits in the pool, so the next request takes a new one.
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
        String second = upstreamConnection(request("GET", via + "/kept/echo/after", null));
        assertThat(second).isNotEqualTo(first);
        assertThat(prefix.errorLog()).doesNotContain("prematurely closed").doesNotContain("[error]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/unix"})
    void withTheDefaultConnectionCloseEveryRequestHasItsOwnConnection(String via) {
        Set<String> connections = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            connections.add(upstreamConnection(request("GET", via + "/closing/echo/c" + i, null)));
        }
        assertThat(connections).hasSize(5);
    }
}
