package dev.portico.proxy.uwsgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portico.http.rewrite.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * uwsgi_pass served in this JVM against a uwsgi-protocol stand-in that records each packet:
 * the variables as configured and inherited, the request headers, the body with its length,
 * the response headers passed, connections never kept, a packet too big, and uwsgi_pass with
 * variables.
 */
class UwsgiModuleTest {

    @TempDir
    Path dir;

    private UwsgiStandIn upstream;
    private TestServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    /** Serves {@code http} (UP stands for the stand-in's port, PORT for Portico's) with nginx's uwsgi_params. */
    private void serve(String http) throws Exception {
        Files.copy(Path.of("conf/uwsgi_params"), dir.resolve("uwsgi_params"));
        server = TestServer.start(dir, http.replace("UP", Integer.toString(upstream.port())));
    }

    private static final String SEED_LOCATION = """
            location / {
                include uwsgi_params;
                uwsgi_pass 127.0.0.1:UP;
                uwsgi_param Host $host;
                uwsgi_param X-Real-IP $remote_addr;
                uwsgi_param X-Forwarded-For $proxy_add_x_forwarded_for;
                uwsgi_param X-Forwarded-Proto $scheme;
            }
            """;

    @Test
    void thePacketCarriesUwsgiParamsThenTheRequestHeaders() throws Exception {
        upstream = UwsgiStandIn.answeringOk();
        serve("server { listen 127.0.0.1:PORT; server_name example.test; " + SEED_LOCATION + " }");
        TestServer.Response r = server.request("GET /app/x%20y?a=1&b=%2F HTTP/1.1\r\nHost: example.test\r\n"
                + "X-Custom: one\r\nx-custom: two\r\nCookie: a=1\r\nCookie: b=2\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok");
        UwsgiPacket p = upstream.last().packet();
        assertThat(p.modifier1()).isZero();
        assertThat(p.modifier2()).isZero();
        assertThat(p.names()).startsWith("QUERY_STRING", "REQUEST_METHOD", "CONTENT_TYPE", "CONTENT_LENGTH",
                "REQUEST_URI", "PATH_INFO", "DOCUMENT_ROOT", "SERVER_PROTOCOL", "REQUEST_SCHEME",
                // HTTPS is "$https if_not_empty": left out on plain HTTP.
                "REMOTE_ADDR", "REMOTE_PORT", "SERVER_PORT", "SERVER_NAME",
                "Host", "X-Real-IP", "X-Forwarded-For", "X-Forwarded-Proto",
                "HTTP_HOST", "HTTP_X_CUSTOM", "HTTP_COOKIE", "HTTP_CONNECTION");
        assertThat(p.value("QUERY_STRING")).isEqualTo("a=1&b=%2F");
        assertThat(p.value("REQUEST_METHOD")).isEqualTo("GET");
        assertThat(p.value("CONTENT_LENGTH")).isEmpty();
        assertThat(p.value("REQUEST_URI")).isEqualTo("/app/x%20y?a=1&b=%2F");
        assertThat(p.value("PATH_INFO")).isEqualTo("/app/x y");
        assertThat(p.value("SERVER_PROTOCOL")).isEqualTo("HTTP/1.1");
        assertThat(p.value("REMOTE_ADDR")).isEqualTo("127.0.0.1");
        assertThat(p.value("SERVER_PORT")).isEqualTo(Integer.toString(server.port()));
        assertThat(p.value("SERVER_NAME")).isEqualTo("example.test");
        assertThat(p.value("HTTPS")).isNull();
        assertThat(p.value("Host")).isEqualTo("example.test");
        assertThat(p.value("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(p.value("X-Forwarded-Proto")).isEqualTo("http");
        // Headers of one name go as one variable, as nginx links them.
        assertThat(p.value("HTTP_X_CUSTOM")).isEqualTo("one, two");
        assertThat(p.value("HTTP_COOKIE")).isEqualTo("a=1; b=2");
    }

    @Test
    void aLevelWithUwsgiParamsReplacesItsParentsListAndModifiersInherit() throws Exception {
        upstream = UwsgiStandIn.answeringOk();
        serve("""
                uwsgi_param A 1;
                uwsgi_param B $arg_b if_not_empty;
                uwsgi_modifier1 5;
                server {
                    listen 127.0.0.1:PORT;
                    uwsgi_modifier2 9;
                    location /inherits { uwsgi_pass 127.0.0.1:UP; }
                    location /own {
                        uwsgi_pass 127.0.0.1:UP;
                        uwsgi_param C 3;
                        uwsgi_param Connection "";
                        uwsgi_param HTTP_X_SECRET "";
                        uwsgi_pass_request_headers on;
                    }
                    location /no-headers { uwsgi_pass 127.0.0.1:UP; uwsgi_pass_request_headers off; }
                }
                """);
        assertThat(server.get("/inherits?b=2").status()).isEqualTo(200);
        UwsgiPacket inherited = upstream.last().packet();
        assertThat(inherited.names()).startsWith("A", "B", "HTTP_HOST");
        assertThat(inherited.value("B")).isEqualTo("2");
        assertThat(inherited.modifier1()).isEqualTo(5);
        assertThat(inherited.modifier2()).isEqualTo(9);

        assertThat(server.get("/inherits").status()).isEqualTo(200);
        assertThat(upstream.last().packet().names()).as("if_not_empty leaves an empty B out")
                .startsWith("A", "HTTP_HOST").doesNotContain("B");

        assertThat(server.request("GET /own HTTP/1.1\r\nHost: h\r\nX-Secret: s\r\nConnection: close\r\n\r\n")
                .status()).isEqualTo(200);
        UwsgiPacket own = upstream.last().packet();
        // No A nor B; Connection "" is sent empty (no if_not_empty); an empty HTTP_ param only hides its header.
        assertThat(own.names()).containsExactly("C", "Connection", "HTTP_HOST", "HTTP_CONNECTION");
        assertThat(own.value("Connection")).isEmpty();

        assertThat(server.get("/no-headers").status()).isEqualTo(200);
        assertThat(upstream.last().packet().names()).containsExactly("A");
    }

    @Test
    void aChunkedBodyIsReadWholeAndSentWithItsLength() throws Exception {
        upstream = UwsgiStandIn.answeringOk();
        serve("server { listen 127.0.0.1:PORT; " + SEED_LOCATION + " }");
        TestServer.Response r = server.request("POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                + "Content-Type: text/plain\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        UwsgiStandIn.Received got = upstream.last();
        // $content_length is the body's length once nginx has read it whole.
        assertThat(got.value("CONTENT_LENGTH")).isEqualTo("11");
        assertThat(new String(got.body(), StandardCharsets.US_ASCII)).isEqualTo("hello world");
        // As nginx, every request header goes: the application also sees that the client sent it chunked.
        assertThat(got.value("HTTP_TRANSFER_ENCODING")).isEqualTo("chunked");
    }

    @Test
    void uwsgiConnectionsAreNeverKeptEvenWithAnUpstreamKeepalive() throws Exception {
        upstream = UwsgiStandIn.answeringOk();
        serve("""
                upstream app { server 127.0.0.1:UP; keepalive 8; }
                server { listen 127.0.0.1:PORT; location / { uwsgi_pass app; } }
                """);
        for (int i = 0; i < 3; i++) {
            assertThat(server.get("/r" + i).status()).isEqualTo(200);
        }
        // The stand-in answers as an HTTP/1.1 server that would keep the connection: the proxy closes each.
        assertThat(upstream.received()).extracting(UwsgiStandIn.Received::connection).containsExactly(1, 2, 3);
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.closedByPeer() == 3);
    }

    @Test
    void aPacketOverSixtyFourKilobytesIs500AndNoConnectionIsMade() throws Exception {
        upstream = UwsgiStandIn.answeringOk();
        serve("""
                server { listen 127.0.0.1:PORT; location / {
                    uwsgi_pass 127.0.0.1:UP;
                    uwsgi_param BIG $http_x_big$http_x_big$http_x_big$http_x_big$http_x_big$http_x_big;
                } }
                """);
        String big = "b".repeat(7000);
        assertThat(server.request("GET /big HTTP/1.1\r\nHost: h\r\nX-Big: " + big + "\r\nConnection: close\r\n\r\n")
                .status()).isEqualTo(200);
        // Two lines of one name: $http_x_big joins them (each line fits the client header buffers).
        TestServer.Response r = server.request("GET /bigger HTTP/1.1\r\nHost: h\r\nX-Big: " + big + "\r\nX-Big: "
                + big + "\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(500);
        String log = server.awaitLog("uwsgi request is too big");
        Matcher m = Pattern.compile("\\[alert] \\d+#\\d+: \\*\\d+ uwsgi request is too big: (\\d+), client: 127.0.0.1,"
                + " server: , request: \"GET /bigger HTTP/1.1\", host: \"h\"\n").matcher(log);
        assertThat(m.find()).as(log).isTrue();
        // BIG (6 × 14002) alone is over 84000 bytes of value, past the 16-bit size.
        assertThat(Long.parseLong(m.group(1))).isGreaterThan(2 + 3 + 2 + 6 * 14_002L);
        assertThat(upstream.connections()).as("refused before connecting").isEqualTo(1);
    }

    @Test
    void responseHeadersAsNginxsUwsgiModulePassesThem() throws Exception {
        upstream = new UwsgiStandIn(r -> "HTTP/1.1 200 OK\r\nServer: app-server\r\n"
                + "Date: Mon, 01 Jan 2001 00:00:00 GMT\r\nX-Pad: pad\r\nX-Accel-Buffering: no\r\n"
                + "X-Accel-Charset: utf-8\r\nX-Powered-By: flask\r\nContent-Length: 2\r\n\r\nok");
        serve("""
                server { listen 127.0.0.1:PORT;
                    location / { uwsgi_pass 127.0.0.1:UP; uwsgi_hide_header X-Powered-By;
                                 uwsgi_pass_header X-Accel-Charset; }
                }
                """);
        TestServer.Response r = server.get("/");
        assertThat(r.status()).isEqualTo(200);
        // Only X-Accel-* are hidden by default: the application's Server, Date and X-Pad pass.
        assertThat(r.header("Server")).isEqualTo("app-server");
        assertThat(r.header("Date")).isEqualTo("Mon, 01 Jan 2001 00:00:00 GMT");
        assertThat(r.header("X-Pad")).isEqualTo("pad");
        assertThat(r.header("X-Accel-Buffering")).isNull();
        assertThat(r.header("X-Accel-Charset")).isEqualTo("utf-8");
        assertThat(r.header("X-Powered-By")).isNull();
    }

    @Test
    void uwsgiPassWithVariables() throws Exception {
        upstream = UwsgiStandIn.answeringOk();
        serve("""
                upstream named { server 127.0.0.1:UP; }
                server { listen 127.0.0.1:PORT;
                    location /to/ { uwsgi_pass $arg_to; }
                }
                """);
        assertThat(server.get("/to/a?to=127.0.0.1:" + upstream.port()).status()).isEqualTo(200);
        assertThat(server.get("/to/b?to=uwsgi://named").status()).isEqualTo(200);
        assertThat(upstream.received()).hasSize(2);
        assertThat(server.get("/to/c?to=127.0.0.1").status()).isEqualTo(500);
        assertThat(server.awaitLog("no port in upstream \"127.0.0.1\"")).contains("[error]");
        assertThat(server.get("/to/d?to=127.0.0.1:0").status()).isEqualTo(500);
        assertThat(server.awaitLog("invalid port in upstream \"127.0.0.1:0\"")).contains("[error]");
        assertThat(server.get("/to/e?to=app.example:3031").status()).isEqualTo(502);
        assertThat(server.awaitLog("no resolver defined to resolve app.example")).contains("[error]");
        // suwsgi:// is uwsgi over TLS: nothing listens on port 1, and the log names the scheme.
        assertThat(server.get("/to/f?to=suwsgi://127.0.0.1:1").status()).isEqualTo(502);
        assertThat(server.awaitLog("upstream: \"suwsgi://127.0.0.1:1\"")).contains("connect() failed");
        assertThat(upstream.received()).hasSize(2);
    }
}
