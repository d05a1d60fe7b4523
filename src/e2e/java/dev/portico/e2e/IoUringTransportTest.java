package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.e2e.upstream.Gunicorn;
import dev.portico.e2e.upstream.Json;
import dev.portico.e2e.upstream.Uwsgi;
import dev.portico.tls.TestCertificates;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * `use io_uring;`: the same server on Netty's io_uring transport instead of epoll. What the
 * transport carries, each once: a file sent with sendfile and tcp_nopush (a file region and
 * TCP_CORK), proxy_pass to Gunicorn over a kept connection with a body each way, uwsgi_pass
 * over a unix socket, and HTTP/2 over TLS (curl).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IoUringTransportTest {

    private static final String CONFIG = """
            daemon off;
            error_log logs/error.log info;
            events {
                use io_uring;
            }
            http {
                client_max_body_size 0;
                sendfile on;
                tcp_nopush on;
                upstream app {
                    server 127.0.0.1:%%APP%%;
                    keepalive 4;
                }
                server {
                    listen 127.0.0.1:%%PORT%%;
                    listen 127.0.0.1:%%PORT2%% ssl http2;
                    ssl_certificate certs/io.test-fullchain.pem;
                    ssl_certificate_key certs/io.test.key;

                    location /static/ {
                        alias www/;
                    }
                    location /app/ {
                        proxy_pass http://app/;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                    }
                    location /wsgi/ {
                        rewrite ^/wsgi(/.*)$ $1 break;
                        include uwsgi_params;
                        uwsgi_pass unix:%%SOCK%%;
                    }
                }
            }
            """;

    private TestPrefix prefix;
    private Gunicorn app;
    private Uwsgi uwsgi;
    private PorticoProcess server;
    private byte[] file;

    @BeforeAll
    void start() throws IOException {
        prefix = TestPrefix.create();
        TestCertificates.create(prefix.path("conf/certs")).chainLeaf("io.test");
        Files.copy(Portico.home().resolve("conf/uwsgi_params"), prefix.path("conf/uwsgi_params"));
        file = new byte[3 << 20];
        new Random(7).nextBytes(file);
        Files.createDirectories(prefix.path("www"));
        Files.write(prefix.path("www/big.bin"), file);
        app = Gunicorn.start(prefix.path("app"), "127.0.0.1:" + TestPrefix.freePort(), 2, "gthread",
                Duration.ofSeconds(30));
        uwsgi = Uwsgi.start(prefix.path("uwsgi"), prefix.path("uwsgi/app.sock").toString(), 1, 2,
                Duration.ofSeconds(30));
        prefix.config(CONFIG.replace("%%APP%%", Integer.toString(app.port()))
                .replace("%%SOCK%%", uwsgi.socketPath().toString()));
        server = PorticoProcess.start(prefix);
    }

    @AfterAll
    void stop() {
        PorticoProcess.stop(server, prefix, app, uwsgi);
    }

    @Test
    void theServerRunsOnIoUring() {
        server.awaitErrorLog("using the \"io_uring\" event method");
    }

    @Test
    void aFileGoesOutWhole() throws Exception {
        HttpResponse<byte[]> r = Http.client().send(Http.request(server.port(), "/static/big.bin").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(file);
    }

    @Test
    void proxyPassKeepsItsConnectionAndCarriesBodiesBothWays() throws Exception {
        byte[] body = new byte[2 << 20];
        new Random(8).nextBytes(body);
        HttpResponse<String> upload = Http.send(Http.request(server.port(), "/app/upload")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(200);
        Map<String, Object> digest = Json.object(upload.body());
        assertThat(digest).containsEntry("length", (long) body.length)
                .containsEntry("sha256", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
        HttpResponse<byte[]> big = Http.client().send(Http.request(server.port(), "/app/big?mb=2").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(big.statusCode()).isEqualTo(200);
        assertThat(big.body()).hasSize(2 << 20);
        // The next requests go over the connection kept from the last one: the app sees the same one.
        Object first = Json.object(Http.get(server.port(), "/app/echo").body()).get("connection");
        Object second = Json.object(Http.get(server.port(), "/app/echo").body()).get("connection");
        assertThat(first).isNotNull().isEqualTo(second);
    }

    @Test
    void uwsgiPassOverAUnixSocket() {
        HttpResponse<String> r = Http.get(server.port(), "/wsgi/echo?x=1");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Json.object(r.body())).containsEntry("path", "/echo").containsEntry("query_string", "x=1");
    }

    @Test
    void http2OverTls() {
        RawResponse r = Curl.response("-i", "--http2", "--insecure", "--resolve",
                "io.test:" + server.port(2) + ":127.0.0.1", "https://io.test:" + server.port(2) + "/app/echo");
        assertThat(r.statusLine()).startsWith("HTTP/2 200");
        assertThat(r.body()).contains("\"HTTP/1.1\"");
    }
}
