package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.e2e.upstream.Gunicorn;
import dev.portico.e2e.upstream.Json;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * bin/portico before the real Gunicorn with gthread workers (which keep
 * connections alive) and examples/flaskapp: with an upstream block's
 * {@code keepalive}, proxy_http_version 1.1 and an empty Connection header,
 * requests share one upstream connection; Gunicorn's REMOTE_PORT tells the
 * connections apart, and the access log shows every try.
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
        app = Gunicorn.start(prefix.path("app"), "127.0.0.1:" + appPort, 2, "gthread", Duration.ofSeconds(30));
        prefix.config(CONFIG.replace("%%APP%%", Integer.toString(appPort)));
        server = PorticoProcess.start(prefix);
    }

    @AfterAll
    void stop() {
        PorticoProcess.stop(server, prefix, app);
    }

    /** Gunicorn's REMOTE_PORT for a request: the port of Portico's upstream connection that carried it. */
    @SuppressWarnings("unchecked")
    private String upstreamPort(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<String, Object> environ = (Map<String, Object>) Json.object(r.body()).get("environ");
        return (String) environ.get("REMOTE_PORT");
    }

    private HttpResponse<String> request(String method, String path, String body) {
        HttpRequest.Builder b = Http.request(server.port(), path);
        return Http.send(body == null ? b.method(method, HttpRequest.BodyPublishers.noBody()).build()
                : b.method(method, HttpRequest.BodyPublishers.ofString(body)).build());
    }

    @Test
    void requestsShareOneUpstreamConnection() {
        List<String> ports = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ports.add(upstreamPort(request("GET", "/kept/echo/k" + i, null)));
        }
        // A POST's buffered body, too, goes over the kept connection.
        HttpResponse<String> post = request("POST", "/kept/echo/post", "field=value");
        ports.add(upstreamPort(post));
        assertThat(post.body()).contains("\"body_length\": 11");
        assertThat(new HashSet<>(ports)).as(ports.toString()).hasSize(1);
        String log = PorticoProcess.awaitText(prefix::accessLog, "/kept/echo/post ", Duration.ofSeconds(5));
        assertThat(log).contains("/kept/echo/k0 127.0.0.1:" + app.port() + " 200 ");
    }

    @Test
    void withTheDefaultConnectionCloseEveryRequestHasItsOwnConnection() {
        Set<String> ports = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            ports.add(upstreamPort(request("GET", "/closing/echo/c" + i, null)));
        }
        assertThat(ports).hasSize(5);
    }
}
