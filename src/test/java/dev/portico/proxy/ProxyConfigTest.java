package dev.portico.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.portico.config.ConfigException;
import dev.portico.http.rewrite.TestServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The proxy directives' parsing and nginx's error messages, with file:line. */
class ProxyConfigTest {

    @TempDir
    Path dir;

    private String fails(String http) {
        return assertThrows(ConfigException.class, () -> TestServer.load(dir, http)).getMessage();
    }

    /** The http block's text starts on line 3 of the file. */
    private String at(int httpLine) {
        return " in " + dir.resolve("portico.conf") + ":" + (httpLine + 3);
    }

    @Test
    void everyDirectiveOfTheSeedsLoads() throws Exception {
        assertNotNull(TestServer.load(dir, """
                proxy_http_version 1.1;
                proxy_buffering off;
                proxy_buffer_size 8k;
                proxy_buffers 16 8k;
                proxy_busy_buffers_size 16k;
                proxy_request_buffering off;
                proxy_temp_path tmp/proxy 1 2;
                proxy_max_temp_file_size 0;
                proxy_next_upstream error timeout http_502 non_idempotent;
                proxy_next_upstream_tries 3;
                proxy_next_upstream_timeout 10s;
                proxy_socket_keepalive on;
                server {
                    listen 127.0.0.1:8080;
                    location / {
                        proxy_pass http://127.0.0.1:8000;
                        proxy_set_header Host $host;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        proxy_connect_timeout 5s;
                        proxy_send_timeout 30s;
                        proxy_read_timeout 90s;
                        proxy_redirect off;
                        proxy_intercept_errors on;
                        proxy_hide_header X-Powered-By;
                        proxy_pass_header X-Accel-Redirect;
                        proxy_pass_request_headers on;
                        proxy_pass_request_body on;
                    }
                    location /u/ { proxy_pass http://unix:/run/app.sock:/x/; proxy_redirect default;
                                   proxy_redirect http://a/ /b/; }
                    location ~ \\.php$ { proxy_pass http://localhost:9000; }
                }
                """));
    }

    @Test
    void httpsUpstreamBlocksTakeNoPortEither() {
        assertEquals("upstream \"app\" may not have port 8443" + at(3),
                fails("server {\nlocation / { proxy_pass https://app:8443; }\n}\nupstream app { server 127.0.0.1; }"));
    }

    @Test
    void unresolvableHostIsNginxsHostNotFound() {
        assertEquals("host not found in upstream \"nosuchhost.invalid\"" + at(1),
                fails("server {\nlocation / { proxy_pass http://nosuchhost.invalid; }\n}"));
    }

    @Test
    void badUrlsAndValues() {
        assertEquals("invalid URL prefix in \"127.0.0.1:8000\"" + at(1),
                fails("server {\nlocation / { proxy_pass 127.0.0.1:8000; }\n}"));
        assertEquals("invalid port in upstream \"127.0.0.1:99999\"" + at(1),
                fails("server {\nlocation / { proxy_pass http://127.0.0.1:99999; }\n}"));
        assertEquals("invalid value \"2.0\" in \"proxy_http_version\" directive" + at(0),
                fails("proxy_http_version 2.0;"));
        // ngx_conf_set_bitmask_slot's words, as for proxy_ignore_headers.
        assertEquals("invalid value \"sometimes\"" + at(0),
                fails("proxy_next_upstream error sometimes;"));
    }

    @Test
    void bufferSizesMustFitTogether() {
        // Checked when levels merge, as nginx (which merges per server: a server must exist).
        // A bigger proxy_buffer_size alone makes the default busy size (twice it) exceed 7 of 8 4k buffers.
        assertEquals("\"proxy_busy_buffers_size\" must be less than the size of all \"proxy_buffers\" minus one"
                + " buffer" + at(0), fails("proxy_buffer_size 128k;\nserver { listen 127.0.0.1:8080; }"));
        assertEquals("\"proxy_busy_buffers_size\" must be equal to or greater than the maximum of the value of"
                + " \"proxy_buffer_size\" and one of the \"proxy_buffers\"" + at(1),
                fails("proxy_buffers 8 8k;\nproxy_busy_buffers_size 4k;\nserver { listen 127.0.0.1:8080; }"));
        assertEquals("there must be at least 2 \"proxy_buffers\"" + at(0), fails("proxy_buffers 1 8k;\nserver { listen 127.0.0.1:8080; }"));
    }

    @Test
    void uriPartOnlyInPrefixLocations() {
        assertEquals("\"proxy_pass\" cannot have URI part in location given by regular expression, or inside "
                + "named location, or inside \"if\" statement, or inside \"limit_except\" block" + at(1),
                fails("server {\nlocation ~ ^/a { proxy_pass http://127.0.0.1:8000/x; }\n}"));
    }

    @Test
    void proxyPassIsNotAllowedOutsideLocations() {
        assertEquals("\"proxy_pass\" directive is not allowed here" + at(0),
                fails("proxy_pass http://127.0.0.1:8000;"));
    }

    @Test
    void duplicateProxyPass() {
        assertEquals("\"proxy_pass\" directive is duplicate" + at(2), fails("""
                server { location / {
                proxy_pass http://127.0.0.1:8000;
                proxy_pass http://127.0.0.1:8001;
                } }"""));
    }
}
