package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portico.e2e.upstream.RawUpstream;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The request head proxy_pass sends, byte for byte, beside Debian's nginx 1.22: both read the
 * same configuration and proxy to one raw upstream that records each head. The order of the
 * lines (proxy_set_header's, nginx's Host and Connection defaults, the body's framing, then the
 * client's own), the empty values left out, the hop-by-hop client headers dropped, the framing
 * replacing a configured header of the same name, and the request line under both HTTP versions.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyRequestHeadTest {

    private static final String CONFIG = """
            daemon off;
            worker_processes 1;
            error_log logs/error.log info;
            pid logs/%%PID%%;
            events {
            }
            http {
                access_log off;
                client_body_temp_path temp/body;
                proxy_temp_path temp/proxy;
                fastcgi_temp_path temp/fastcgi;
                uwsgi_temp_path temp/uwsgi;
                scgi_temp_path temp/scgi;
                server {
                    listen 127.0.0.1:%%PORT%%;
                    location / {
                        proxy_pass http://127.0.0.1:%%UP%%;
                        proxy_set_header X-Real-IP $remote_addr;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        proxy_set_header X-Empty "";
                        proxy_set_header Content-Length 99;
                    }
                    location /v11/ {
                        proxy_pass http://127.0.0.1:%%UP%%/base/;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_set_header Host $host:$server_port;
                        proxy_set_header Transfer-Encoding identity;
                        proxy_request_buffering off;
                    }
                }
            }
            """;

    /** In a request below: what follows is sent once the upstream has the head. */
    private static final String LATER = "<later>";

    private static final List<String> REQUESTS = List.of(
            "GET /a/b?c=1&d=%20 HTTP/1.1\r\nHost: example.test\r\nUser-Agent: t/1\r\nX-Custom: one\r\n"
                    + "X-Custom: two\r\nConnection: keep-alive\r\nKeep-Alive: 5\r\nTE: trailers\r\n"
                    + "Upgrade: h2c\r\nX-Forwarded-For: 10.0.0.1\r\nAccept: */*\r\n\r\n",
            "POST /form HTTP/1.0\r\nHost: example.test\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
            "HEAD /head HTTP/1.1\r\nHost: example.test\r\nExpect: 100-continue\r\n\r\n",
            "POST /v11/x/y?z HTTP/1.1\r\nHost: Example.TEST\r\nContent-Length: 5\r\n\r\nhello",
            // The body comes after the head has gone upstream: streamed, so chunked (nginx sends a
            // Content-Length instead when the whole body came with the head).
            "POST /v11/chunked HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + LATER + "5\r\nhello\r\n0\r\n\r\n");


    private RawUpstream upstream;
    private TestPrefix nginxPrefix;
    private BalancingMethodsTest.NginxProcess nginx;
    private TestPrefix prefix;
    private PorticoProcess portico;

    @BeforeAll
    void start() throws IOException {
        upstream = RawUpstream.answering("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n");
        nginxPrefix = TestPrefix.create();
        nginxPrefix.config(CONFIG.replace("%%UP%%", Integer.toString(upstream.port())).replace("%%PID%%", "nginx.pid"));
        Files.createDirectories(nginxPrefix.path("temp"));
        nginx = BalancingMethodsTest.NginxProcess.start(nginxPrefix, nginxPrefix.port());
        prefix = TestPrefix.create();
        prefix.config(CONFIG.replace("%%UP%%", Integer.toString(upstream.port())).replace("%%PID%%", "portico.pid"));
        Files.createDirectories(prefix.path("temp"));
        portico = PorticoProcess.start(prefix);
    }

    @AfterAll
    void stop() {
        nginx.close();
        PorticoProcess.stop(portico, prefix);
        upstream.close();
    }

    @Test
    void theUpstreamGetsTheHeadNginxSends() {
        for (String request : REQUESTS) {
            assertThat(headSent(nginxPrefix.port(), request)).as("nginx's, then Portico's, for: " + request)
                    .isEqualTo(headSent(prefix.port(), request)
                            .replace(":" + prefix.port() + "\r\n", ":" + nginxPrefix.port() + "\r\n"));
        }
    }

    /** What the upstream received for {@code request} sent through the proxy on {@code port}. */
    private String headSent(int port, String request) {
        int before = upstream.requestHeads().size();
        try (RawConnection c = RawConnection.open(port)) {
            int later = request.indexOf(LATER);
            c.send(later < 0 ? request : request.substring(0, later));
            if (later >= 0) {
                await().atMost(Duration.ofSeconds(10)).until(() -> upstream.requestHeads().size() > before);
                c.send(request.substring(later + LATER.length()));
            }
            RawResponse r;
            do { // past a "100 Continue" that an Expect header brings
                r = request.startsWith("HEAD ") ? c.readHeadResponse() : c.readResponse();
            } while (r.status() == 100);
            assertThat(r.status()).as(request).isEqualTo(200);
        }
        List<String> heads = upstream.requestHeads();
        assertThat(heads).as(request).hasSize(before + 1);
        return heads.get(before);
    }
}
