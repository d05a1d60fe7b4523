package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.proxy.Gunicorn;
import dev.portico.proxy.RawClient;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * bin/portico in front of the real Gunicorn with the location block of the seed
 * flask-gunicorn-basic.conf, on TCP and on a unix socket.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyPassEndToEndTest {

    private static final String CONFIG = """
            daemon off;
            error_log logs/error.log info;
            events {
            }
            http {
                client_max_body_size 0;
                server {
                    listen 127.0.0.1:%%PORT%%;
                    server_name example.com;

                    location / {
                        proxy_pass http://127.0.0.1:%%APP%%;
                        proxy_set_header Host $host;
                        proxy_set_header X-Real-IP $remote_addr;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        proxy_set_header X-Forwarded-Proto $scheme;
                    }
                    location /unix/ {
                        proxy_pass http://unix:%%SOCK%%:/;
                        proxy_set_header Host $host;
                        proxy_set_header X-Real-IP $remote_addr;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        proxy_set_header X-Forwarded-Proto $scheme;
                    }
                    location /down/ {
                        proxy_pass http://127.0.0.1:%%PORT2%%;
                    }
                }
            }
            """;

    private TestPrefix prefix;
    private Gunicorn app;
    private PorticoProcess server;

    @BeforeAll
    void start() throws Exception {
        prefix = TestPrefix.create();
        app = Gunicorn.start(Files.createDirectories(prefix.path("app")), TestPrefix.freePort());
        prefix.config(CONFIG.replace("%%APP%%", Integer.toString(app.port))
                .replace("%%SOCK%%", app.socket.toString()));
        server = PorticoProcess.start(prefix);
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (server != null) {
                server.close();
            }
            if (app != null) {
                app.close();
            }
        } finally {
            prefix.close();
        }
    }

    private RawClient.Response exchange(String request, byte[] body) throws Exception {
        try (RawClient c = new RawClient(server.port())) {
            c.send(request);
            if (body != null) {
                c.send(body);
            }
            return c.read(request.startsWith("HEAD"));
        }
    }

    @Test
    void seedBlockOnTcpAndUnixSocket() throws Exception {
        for (String path : new String[] {"/echo/seed?x=1", "/unix/echo/seed?x=1"}) {
            RawClient.Response r = exchange("GET " + path + " HTTP/1.1\r\nHost: example.com\r\n"
                    + "X-Forwarded-For: 192.0.2.7\r\nConnection: close\r\n\r\n", null);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).contains("\"uri\": \"/echo/seed?x=1\"", "\"host\": \"example.com\"",
                    "\"x-real-ip\": \"127.0.0.1\"", "\"x-forwarded-for\": \"192.0.2.7, 127.0.0.1\"",
                    "\"x-forwarded-proto\": \"http\"", "\"connection\": \"close\"");
            assertThat(r.all("Server")).hasSize(1);
            assertThat(r.header("Server")).startsWith("portico");
        }
    }

    @Test
    void largeUploadAndDownloadKeepTheirDigests() throws Exception {
        byte[] body = new byte[20 << 20];
        new Random(3).nextBytes(body);
        String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        for (String path : new String[] {"/upload", "/unix/upload"}) {
            RawClient.Response up = exchange("POST " + path + " HTTP/1.1\r\nHost: example.com\r\nContent-Length: "
                    + body.length + "\r\nConnection: close\r\n\r\n", body);
            assertThat(up.text()).contains("\"sha256\": \"" + digest + "\"");
        }
        byte[] pattern = new byte[1 << 20];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) i;
        }
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < 20; i++) {
            sha.update(pattern);
        }
        String expected = HexFormat.of().formatHex(sha.digest());
        for (String path : new String[] {"/big?mb=20", "/unix/stream?mb=20"}) {
            RawClient.Response down = exchange("GET " + path + " HTTP/1.1\r\nHost: example.com\r\n"
                    + "Connection: close\r\n\r\n", null);
            assertThat(down.length()).isEqualTo(20L << 20);
            assertThat(down.sha256()).isEqualTo(expected);
        }
    }

    @Test
    void refusedUpstreamIs502AndLogged() throws Exception {
        RawClient.Response r = exchange("GET /down/x HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
                null);
        assertThat(r.status()).isEqualTo(502);
        PorticoProcess.awaitText(server::errorLog, "connect() failed (111: Connection refused) while connecting"
                + " to upstream, client: 127.0.0.1, server: example.com, request: \"GET /down/x HTTP/1.1\","
                + " upstream: \"http://127.0.0.1:" + prefix.port(2) + "/down/x\", host: \"example.com\"",
                Duration.ofSeconds(5));
    }
}
