package dev.portico.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.http.rewrite.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP core's variables as a request sees them, echoed by `return`. */
class CoreVariablesTest {

    @TempDir
    Path dir;

    private String echo(String variables, String raw) throws Exception {
        try (TestServer server = TestServer.start(dir, """
                server {
                    listen 127.0.0.1:PORT;
                    server_name main.test alias.test;
                    location / { return 200 "%s"; }
                    location ~ ^/cap/(?<first>[a-z]+)/(\\d+)$ { return 200 "$first|$2|$1"; }
                }
                """.formatted(variables))) {
            return server.request(raw.replace("PORT", Integer.toString(server.port()))).body();
        }
    }

    @Test
    void requestLineAndUri() throws Exception {
        String body = echo("$request|$request_method|$request_uri|$uri|$document_uri|$args|$query_string|$is_args"
                        + "|$server_protocol|$scheme|$https",
                "GET /a/../b/%7Ec?x=1&y=2 HTTP/1.1\r\nHost: main.test\r\nConnection: close\r\n\r\n");
        assertThat(body).isEqualTo("GET /a/../b/%7Ec?x=1&y=2 HTTP/1.1|GET|/a/../b/%7Ec?x=1&y=2|/b/~c|/b/~c"
                + "|x=1&y=2|x=1&y=2|?|HTTP/1.1|http|");
    }

    @Test
    void hostAndServer() throws Exception {
        assertThat(echo("$host|$server_name|$http_host",
                "GET / HTTP/1.1\r\nHost: Alias.Test:8080\r\nConnection: close\r\n\r\n"))
                .isEqualTo("alias.test|main.test|Alias.Test:8080");
        assertThat(echo("[$host]", "GET / HTTP/1.0\r\n\r\n")).isEqualTo("[main.test]");
    }

    @Test
    void addresses() throws Exception {
        String body = echo("$remote_addr|$server_addr|$server_port|$remote_port",
                "GET / HTTP/1.1\r\nHost: main.test\r\nConnection: close\r\n\r\n");
        String[] parts = body.split("\\|");
        assertThat(parts[0]).isEqualTo("127.0.0.1");
        assertThat(parts[1]).isEqualTo("127.0.0.1");
        assertThat(Integer.parseInt(parts[2])).isPositive();
        assertThat(Integer.parseInt(parts[3])).isPositive().isNotEqualTo(Integer.parseInt(parts[2]));
    }

    @Test
    void argumentsHeadersAndCookies() throws Exception {
        String body = echo("$arg_a|$arg_B|[$arg_missing]|$http_x_custom_header|$cookie_session|$content_type"
                        + "|$content_length|$http_user_agent",
                "POST /?a=1&b=two HTTP/1.1\r\nHost: main.test\r\nX-Custom-Header: v1\r\n"
                        + "Cookie: theme=dark; session=abc123\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n"
                        + "User-Agent: probe/1\r\nConnection: close\r\n\r\n");
        assertThat(body).isEqualTo("1|two|[]|v1|abc123|text/plain|0|probe/1");
    }

    @Test
    void connectionCountersAndProcess() throws Exception {
        String body = echo("$connection_requests|$pid|$nginx_version|$hostname",
                "GET / HTTP/1.1\r\nHost: main.test\r\nConnection: close\r\n\r\n");
        String[] parts = body.split("\\|");
        assertThat(parts[0]).isEqualTo("1");
        assertThat(Long.parseLong(parts[1])).isEqualTo(ProcessHandle.current().pid());
        assertThat(parts[2]).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(parts[3]).isNotEmpty();
    }

    @Test
    void timeVariablesHaveNginxFormats() throws Exception {
        String body = echo("$time_local|$time_iso8601|$msec",
                "GET / HTTP/1.1\r\nHost: main.test\r\nConnection: close\r\n\r\n");
        String[] parts = body.split("\\|");
        assertThat(parts[0]).matches("\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4}");
        assertThat(parts[1]).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}[+-]\\d{2}:\\d{2}");
        assertThat(parts[2]).matches("\\d{10}\\.\\d{3}");
    }

    @Test
    void regexCapturesNumberedAndNamed() throws Exception {
        assertThat(echo("unused", "GET /cap/abc/42 HTTP/1.1\r\nHost: main.test\r\nConnection: close\r\n\r\n"))
                .isEqualTo("abc|42|abc");
    }

    @Test
    void tempPathsAreCreatedAtStart() throws Exception {
        try (TestServer server = TestServer.start(dir, """
                client_body_temp_path tmp/body 1 2;
                proxy_temp_path tmp/proxy;
                uwsgi_temp_path tmp/uwsgi;
                fastcgi_temp_path tmp/fastcgi;
                scgi_temp_path tmp/scgi;
                server { listen 127.0.0.1:PORT; }
                """)) {
            for (String name : new String[] {"body", "proxy", "uwsgi", "fastcgi", "scgi"}) {
                assertThat(dir.resolve("tmp").resolve(name)).isDirectory();
            }
            assertThat(Files.list(dir.resolve("tmp")).count()).isEqualTo(5);
        }
    }

    @Test
    void statusIsThreeDigitsAndZeroesBeforeOneIsSet() {
        assertThat(CoreVariables.statusText(0)).isEqualTo("000");
        assertThat(CoreVariables.statusText(7)).isEqualTo("007");
        assertThat(CoreVariables.statusText(99)).isEqualTo("099");
        assertThat(CoreVariables.statusText(200)).isEqualTo("200");
        assertThat(CoreVariables.statusText(999)).isEqualTo("999");
        assertThat(CoreVariables.statusText(1000)).isEqualTo("1000");
    }

    @Test
    void timesAreSecondsAndTruncatedMillisecondsAsNginxPrintsThem() {
        assertThat(CoreVariables.seconds(0)).isEqualTo("0.000");
        assertThat(CoreVariables.seconds(5)).isEqualTo("0.005");
        assertThat(CoreVariables.seconds(42)).isEqualTo("0.042");
        assertThat(CoreVariables.seconds(1999)).isEqualTo("1.999");
        assertThat(CoreVariables.seconds(1_700_000_000_123L)).isEqualTo("1700000000.123");
    }
}
