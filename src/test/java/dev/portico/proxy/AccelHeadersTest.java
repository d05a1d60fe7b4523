package dev.portico.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portico.config.ConfigException;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The X-Accel-* response headers and proxy_ignore_headers, with the real
 * Gunicorn sending them (its /accel endpoint) and the real server acting on
 * them, as nginx's upstream engine does.
 */
class AccelHeadersTest {

    @TempDir
    static Path dir;

    static Gunicorn app;
    static RunningServer server;
    static int port;
    static Path errorLog;

    @BeforeAll
    static void start() throws Exception {
        app = Gunicorn.start(Files.createDirectories(dir.resolve("app")), ProxyPassTest.freePort());
        port = ProxyPassTest.freePort();
        errorLog = dir.resolve("error.log");
        Path files = Files.createDirectories(dir.resolve("html/files"));
        Files.writeString(files.resolve("a.txt"), "the protected file\n");
        String conf = """
                events {}
                http {
                    error_log ERRLOG info;
                    access_log off;
                    server {
                        listen 127.0.0.1:PORT;
                        server_name localhost;
                        proxy_ignore_headers X-Accel-Redirect;

                        location /up/ {
                            proxy_pass http://UP/;
                            proxy_ignore_headers X-Accel-Charset;
                        }
                        location /server-level/ {
                            proxy_pass http://UP/;
                        }
                        location /ignored/ {
                            proxy_pass http://UP/;
                            proxy_ignore_headers x-accel-redirect X-ACCEL-CHARSET Expires Cache-Control Set-Cookie Vary;
                            proxy_pass_header X-Accel-Redirect;
                        }
                        location /shown/ {
                            proxy_pass http://UP/;
                            proxy_ignore_headers X-Accel-Expires;
                        }
                        location /files/ {
                            internal;
                            root HTML;
                        }
                        location /target/ {
                            internal;
                            add_header X-Method $request_method always;
                            add_header X-Uri $uri always;
                            add_header X-Args $args always;
                            return 204;
                        }
                        location /again/ {
                            internal;
                            proxy_pass http://UP/echo/;
                            proxy_read_timeout 3s;
                            proxy_send_timeout 3s;
                        }
                        location @named {
                            add_header X-Method $request_method always;
                            add_header X-Uri $uri always;
                            return 204;
                        }
                    }
                }
                """.replace("ERRLOG", errorLog.toString()).replace("PORT", Integer.toString(port))
                .replace("UP", "127.0.0.1:" + app.port).replace("HTML", dir.resolve("html").toString());
        server = RunningServer.start(dir, conf);
    }

    @AfterAll
    static void stop() throws Exception {
        RunningServer.closeAll(server, app);
    }

    static RawClient.Response request(String method, String target, String body) throws IOException {
        try (RawClient c = new RawClient(port)) {
            String length = body == null ? "" : "Content-Length: " + body.length() + "\r\n";
            c.send(method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n" + length + "Connection: close\r\n\r\n"
                    + (body == null ? "" : body));
            return c.read(method.equals("HEAD"));
        }
    }

    static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Test
    void redirectServesTheFileWithTheUpstreamHeadersNginxKeeps() throws Exception {
        RawClient.Response r = request("GET", "/up/accel?redirect=" + q("/files/a.txt"), null);
        assertEquals(200, r.status());
        assertEquals("the protected file\n", r.text());
        // Kept from the upstream (the "redirect" flag of ngx_http_upstream_headers_in) ...
        assertEquals("application/x-upstream", r.header("Content-Type"));
        assertEquals("up=1; Path=/", r.header("Set-Cookie"));
        assertEquals("attachment; filename=\"u.txt\"", r.header("Content-Disposition"));
        assertEquals("private", r.header("Cache-Control"));
        assertEquals("Thu, 01 Jan 2037 00:00:00 GMT", r.header("Expires"));
        // ... and the rest dropped: the file's own ETag and length, no X-App, no X-Accel-*.
        assertNull(r.header("X-App"));
        assertNull(r.header("X-Accel-Redirect"));
        assertTrue(r.header("ETag") != null && !r.header("ETag").equals("\"upstream\""), r.header("ETag"));
        assertEquals("19", r.header("Content-Length"));
    }

    @Test
    void redirectTurnsPostIntoGetAndTakesTheHeadersArgs() throws Exception {
        RawClient.Response r = request("POST", "/up/accel?redirect=" + q("/target/x?a=1&b=2") + "&orig=1", "payload");
        assertEquals(204, r.status());
        assertEquals("GET", r.header("X-Method"));
        assertEquals("/target/x", r.header("X-Uri"));
        assertEquals("a=1&b=2", r.header("X-Args"));
        // Without args in the header, the request has none afterwards (add_header skips an empty value).
        RawClient.Response none = request("GET", "/up/accel?redirect=" + q("/target/y"), null);
        assertEquals("/target/y", none.header("X-Uri"));
        assertNull(none.header("X-Args"));
    }

    @Test
    void redirectToAProxiedLocation() throws Exception {
        // The redirected request goes upstream again, with the header's URI and args.
        RawClient.Response r = request("HEAD", "/up/accel?redirect=" + q("/again/h"), null);
        assertEquals(200, r.status());
        assertEquals("application/json", r.header("Content-Type"));
        r = request("GET", "/up/accel?redirect=" + q("/again/x?k=v"), null);
        assertEquals(200, r.status(), r.text());
        assertTrue(r.text().contains("\"method\": \"GET\""), r.text());
        assertTrue(r.text().contains("\"uri\": \"/echo/x?k=v\""), r.text());
    }

    @Test
    void redirectKeepsHead() throws Exception {
        RawClient.Response r = request("HEAD", "/up/accel?redirect=" + q("/target/h"), null);
        assertEquals(204, r.status());
        assertEquals("HEAD", r.header("X-Method"));
    }

    @Test
    void redirectToANamedLocationKeepsTheMethod() throws Exception {
        RawClient.Response r = request("POST", "/up/accel?redirect=" + q("@named"), "payload");
        assertEquals(204, r.status());
        assertEquals("POST", r.header("X-Method"));
        assertEquals("/accel", r.header("X-Uri").substring(r.header("X-Uri").length() - 6));
    }

    @Test
    void unsafeRedirectIsNotFound() throws Exception {
        RawClient.Response r = request("GET", "/up/accel?redirect=" + q("/files/../../secret"), null);
        assertEquals(404, r.status());
        ErrorLogText.containing(errorLog, "unsafe URI \"/files/../../secret\" was detected");
        RawClient.Response escaped = request("GET", "/up/accel?redirect=" + q("/files/%2e%2e/x"), null);
        assertEquals(404, escaped.status());
        ErrorLogText.containing(errorLog, "unsafe URI \"/files/../x\" was detected");
    }

    @Test
    void ignoredRedirectPassesTheUpstreamResponseWithTheHeaderStillHidden() throws Exception {
        // The server level ignores X-Accel-Redirect; a location with its own list does not inherit it.
        RawClient.Response inherited = request("GET", "/server-level/accel?redirect=" + q("/files/a.txt"), null);
        assertEquals(200, inherited.status());
        assertEquals("upstream body", inherited.text());
        assertNull(inherited.header("X-Accel-Redirect"));
        assertEquals("accel", inherited.header("X-App"));

        RawClient.Response ignored = request("GET", "/ignored/accel?redirect=" + q("/files/a.txt"), null);
        assertEquals("upstream body", ignored.text());
        assertEquals("/files/a.txt", ignored.header("X-Accel-Redirect")); // proxy_pass_header shows it
        // Expires, Cache-Control and Set-Cookie only change caching: they still pass.
        assertEquals("private", ignored.header("Cache-Control"));
        assertEquals("up=1; Path=/", ignored.header("Set-Cookie"));

        RawClient.Response shown = request("GET", "/shown/accel?redirect=" + q("/files/a.txt"), null);
        assertEquals("the protected file\n", shown.text());
    }

    @Test
    void limitRateAndExpiresStayHiddenIgnoredOrNot() throws Exception {
        RawClient.Response r = request("GET", "/shown/accel?limit-rate=100&expires=60", null);
        assertEquals("upstream body", r.text());
        assertNull(r.header("X-Accel-Limit-Rate"));
        assertNull(r.header("X-Accel-Expires"));
        assertEquals("upstream body", request("GET", "/ignored/accel?limit-rate=100", null).text());
    }

    @Test
    void charsetUnknownToTheConfigurationIsReportedAndChangesNothing() throws Exception {
        RawClient.Response r = request("GET", "/server-level/accel?charset=koi8-r&type=" + q("text/html"), null);
        assertEquals(200, r.status());
        assertEquals("text/html", r.header("Content-Type"));
        assertNull(r.header("X-Accel-Charset"));
        ErrorLogText.containing(errorLog, "unknown charset \"koi8-r\" to override");
        // Ignored at /up/: no line for it, while a later line shows the log has caught up.
        request("GET", "/up/accel?charset=windows-1251&type=" + q("text/html"), null);
        request("GET", "/server-level/accel?charset=iso-8859-5&type=" + q("text/html"), null);
        String log = ErrorLogText.containing(errorLog, "unknown charset \"iso-8859-5\" to override");
        assertFalse(log.contains("windows-1251"), log);
    }

    @Test
    void knownCharsetBecomesTheContentTypesCharset() {
        UpstreamSettings settings = settings(Set.of());
        assertEquals("text/html; charset=utf-8", charset("text/html", "utf-8", 200, settings));
        assertEquals("text/html; charset=utf-8", charset("text/html; charset=UTF-8", "utf-8", 200, settings));
        assertEquals("text/html", charset("text/html; charset=utf-8", "utf-8", 302, settings));
        assertEquals("text/html", charset("text/html", "utf-8", 200, settings(Set.of("x-accel-charset"))));
    }

    private static String charset(String type, String charset, int status, UpstreamSettings settings) {
        HttpHeaders upstream = new DefaultHttpHeaders().add("X-Accel-Charset", charset);
        HttpHeaders out = new DefaultHttpHeaders().add("Content-Type", type);
        AccelHeaders.overrideCharset(null, upstream, out, status, settings, "utf-8"::equalsIgnoreCase);
        return out.get("Content-Type");
    }

    @Test
    void bufferingIsReadAsNginxReadsItUnlessIgnored() {
        UpstreamSettings plain = settings(Set.of());
        assertEquals(Boolean.FALSE, AccelHeaders.buffering(new DefaultHttpHeaders().add("X-Accel-Buffering", "NO"),
                plain));
        assertEquals(Boolean.TRUE, AccelHeaders.buffering(new DefaultHttpHeaders()
                .add("X-Accel-Buffering", "no").add("X-Accel-Buffering", "yes"), plain));
        assertNull(AccelHeaders.buffering(new DefaultHttpHeaders().add("X-Accel-Buffering", "off"), plain));
        assertNull(AccelHeaders.buffering(new DefaultHttpHeaders(), plain));
        assertNull(AccelHeaders.buffering(new DefaultHttpHeaders().add("X-Accel-Buffering", "no"),
                settings(Set.of("x-accel-buffering"))));
    }

    @Test
    void safeUriFollowsNginx() {
        assertEquals("/a/b", AccelHeaders.safeUri("/a/b?").uri());
        assertNull(AccelHeaders.safeUri("/a/b?").args());
        assertEquals("x=1?y", AccelHeaders.safeUri("/a?x=1?y").args());
        assertEquals("/a b", AccelHeaders.safeUri("/a%20b").uri());
        assertEquals("/a/..b", AccelHeaders.safeUri("/a/..b").uri());
        assertEquals("/a/..", AccelHeaders.safeUri("/a/..").unsafe());
        assertEquals("..", AccelHeaders.safeUri("..").unsafe());
        assertEquals("?x", AccelHeaders.safeUri("?x").unsafe());
        assertEquals("", AccelHeaders.safeUri("").unsafe());
        // A ".." after the args is not the URI's.
        assertEquals("/a", AccelHeaders.safeUri("/a?/../x").uri());
    }

    @Test
    void ignoreHeadersRejectsOtherValuesAsNginx() {
        ConfigException e = assertThrows(ConfigException.class, () -> RunningServer.start(
                Files.createDirectories(dir.resolve("bad")), """
                        events {}
                        http { server { listen 127.0.0.1:%d; proxy_ignore_headers X-Accel-Expires Date; } }
                        """.formatted(ProxyPassTest.freePort())));
        assertTrue(e.getMessage().contains("invalid value \"Date\""), e.getMessage());
    }

    private static UpstreamSettings settings(Set<String> ignored) {
        return new UpstreamSettings(1000, 1000, 1000, 4096, true, false, false, Set.of(), 0, 0,
                true, 32768, 1 << 30, null,
                ignored, true, Set.of(NextUpstream.ERROR, NextUpstream.TIMEOUT));
    }
}
