package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** return, rewrite, set, map, add_header, expires and error_page with =code. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReturnAndRewriteTest {

    private static final String CONFIG = """
            daemon off;
            error_log logs/error.log info;
            events {
            }
            http {
                map $http_upgrade $connection_upgrade {
                    default upgrade;
                    ''      close;
                }
                server {
                    listen 127.0.0.1:%%PORT2%%;
                    server_name redirect.test;
                    return 301 https://$host$request_uri;
                }
                server {
                    listen 127.0.0.1:%%PORT%%;
                    server_name main.test;
                    root html;
                    add_header X-A 1 always;
                    add_header X-B 2;

                    rewrite ^/old/(.*)$ /new/$1 last;

                    location /text/ {
                        return 200 "text $uri";
                    }
                    location = /relative {
                        return 302 /relative-target;
                    }
                    location /new/ {
                        return 200 "new: $uri args=$args";
                    }
                    location = /upgrade {
                        set $greeting "hello";
                        return 200 "$connection_upgrade $greeting";
                    }
                    location /cached/ {
                        expires 30d;
                    }
                    location /recover-file/ {
                        error_page 404 =200 /ok.txt;
                    }
                    location /recover-named/ {
                        error_page 404 =200 @ok;
                    }
                    location @ok {
                        return 200 "recovered";
                    }
                }
            }
            """;

    private TestPrefix prefix;
    private PorticoProcess server;

    @BeforeAll
    void start() {
        prefix = TestPrefix.withConfig(CONFIG);
        prefix.write("html/ok.txt", "ok\n");
        prefix.write("html/cached/c.txt", "cached\n");
        server = PorticoProcess.start(prefix);
    }

    @AfterAll
    void stop() {
        PorticoProcess.stop(server, prefix);
    }

    @Test
    void return301ToHttpsKeepsHostAndRequestUri() {
        RawResponse r = Curl.response("-i", "-H", "Host: redirect.test",
                "http://127.0.0.1:" + server.port(2) + "/a/b%20c?x=1&y=2");
        assertThat(r.statusLine()).isEqualTo("HTTP/1.1 301 Moved Permanently");
        assertThat(r.header("Location")).isEqualTo("https://redirect.test/a/b%20c?x=1&y=2");
        assertThat(r.body()).contains("<title>301 Moved Permanently</title>");
    }

    @Test
    void return200WithText() {
        HttpResponse<String> r = Http.get(server.port(), "/text/a%20b?q=1");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("text /text/a b");
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain");
        assertThat(r.headers().firstValue("Content-Length")).hasValue("14");
    }

    @Test
    void relativeRedirectIsMadeAbsolute() {
        RawResponse r = Curl.response("-i", server.url("/relative"));
        assertThat(r.status()).isEqualTo(302);
        assertThat(r.header("Location")).isEqualTo(server.url("/relative-target"));

        // The host comes from the request, the port from the listening socket.
        RawResponse other = Curl.response("-i", "-H", "Host: example.org:9999", server.url("/relative"));
        assertThat(other.header("Location")).isEqualTo("http://example.org:" + server.port() + "/relative-target");
    }

    @Test
    void rewriteLastReachesTheNewLocation() {
        HttpResponse<String> r = Http.get(server.port(), "/old/x/y?z=1");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("new: /new/x/y args=z=1");
    }

    @Test
    void setAndMap() {
        HttpResponse<String> none = Http.get(server.port(), "/upgrade");
        assertThat(none.body()).isEqualTo("close hello");

        RawResponse ws = Curl.response("-i", "-H", "Upgrade: websocket", server.url("/upgrade"));
        assertThat(ws.body()).isEqualTo("upgrade hello");
    }

    @Test
    void addHeaderAlwaysOnSuccessAndErrors() {
        HttpResponse<String> ok = Http.get(server.port(), "/ok.txt");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().allValues("X-A")).containsExactly("1");
        assertThat(ok.headers().allValues("X-B")).containsExactly("2");

        HttpResponse<String> missing = Http.get(server.port(), "/missing.txt");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().allValues("X-A")).containsExactly("1");
        assertThat(missing.headers().firstValue("X-B")).as("without always: not on a 404").isEmpty();
    }

    @Test
    void expiresSetsExpiresAndCacheControl() {
        RawResponse r = Curl.response("-i", server.url("/cached/c.txt"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Cache-Control")).isEqualTo("max-age=2592000");
        ZonedDateTime date = ZonedDateTime.parse(r.header("Date"), DateTimeFormatter.RFC_1123_DATE_TIME);
        ZonedDateTime expires = ZonedDateTime.parse(r.header("Expires"), DateTimeFormatter.RFC_1123_DATE_TIME);
        assertThat(Duration.between(date, expires)).isEqualTo(Duration.ofDays(30));

        // nginx adds expires only to 200, 201, 204, 206, 301, 302, 303, 304, 307, 308.
        RawResponse missing = Curl.response("-i", server.url("/cached/missing.txt"));
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.hasHeader("Expires")).isFalse();
        assertThat(missing.hasHeader("Cache-Control")).isFalse();
    }

    @Test
    void errorPageWithEquals200() {
        HttpResponse<String> file = Http.get(server.port(), "/recover-file/nothing");
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(file.body()).isEqualTo("ok\n");

        HttpResponse<String> named = Http.get(server.port(), "/recover-named/nothing");
        assertThat(named.statusCode()).isEqualTo(200);
        assertThat(named.body()).isEqualTo("recovered");
    }
}
