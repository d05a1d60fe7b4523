package dev.portico.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portico.config.ConfigException;
import dev.portico.e2e.upstream.FlaskApp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * proxy_pass with variables in front of the real Gunicorn: the URL rendered
 * per request, the group found as nginx finds it (upstream block, a literal
 * proxy_pass's group, an IP address or unix socket of its own, else "no
 * resolver"), the URI sent, and $proxy_host / $proxy_port.
 */
class ProxyPassVariablesTest {

    @TempDir
    static Path dir;

    static Gunicorn app;
    static RunningServer server;
    static int port;
    static int otherPort;
    static Path errorLog;

    @BeforeAll
    static void start() throws Exception {
        app = Gunicorn.start(Files.createDirectories(dir.resolve("app")), ProxyPassTest.freePort());
        port = ProxyPassTest.freePort();
        otherPort = ProxyPassTest.freePort();
        errorLog = dir.resolve("error.log");
        String conf = """
                events {}
                http {
                    error_log ERRLOG info;
                    access_log off;
                    upstream backend {
                        server 127.0.0.1:APP;
                    }
                    server {
                        listen 127.0.0.1:PORT;
                        server_name localhost;

                        location /literal/ {
                            proxy_pass http://localhost:APP/;
                        }
                        location /echo/ {
                            set $up 127.0.0.1:APP;
                            proxy_pass http://$up;
                            add_header X-Proxy-Host $proxy_host;
                            add_header X-Proxy-Port $proxy_port;
                        }
                        location /block/ {
                            set $name backend;
                            proxy_pass http://$name/echo/from-block;
                        }
                        location /block-with-port/ {
                            set $name backend;
                            proxy_pass http://$name:80/echo/;
                        }
                        location /declared/ {
                            set $name LocalHost;
                            proxy_pass http://$name:APP/echo/declared;
                        }
                        location /undeclared/ {
                            set $name localhost;
                            proxy_pass http://$name:OTHER/echo/;
                        }
                        location ~ ^/re/(.*)$ {
                            proxy_pass http://127.0.0.1:APP/echo/$1;
                        }
                        location /query/ {
                            set $up 127.0.0.1:APP;
                            proxy_pass http://$up?fixed=1;
                        }
                        location /unix/ {
                            set $sock SOCK;
                            proxy_pass http://unix:$sock:/echo/over-unix;
                            add_header X-Proxy-Host $proxy_host;
                        }
                        location /prefix/ {
                            set $url ftp://127.0.0.1:APP/;
                            proxy_pass $url;
                        }
                        location /badport/ {
                            set $url http://127.0.0.1:99999/;
                            proxy_pass $url;
                        }
                        location /refused/ {
                            set $up 127.0.0.1:OTHER;
                            proxy_pass http://$up;
                        }
                    }
                }
                """.replace("ERRLOG", errorLog.toString()).replace("PORT", Integer.toString(port))
                .replace("APP", Integer.toString(app.port)).replace("OTHER", Integer.toString(otherPort))
                .replace("SOCK", app.socket.toString());
        server = RunningServer.start(dir, conf);
    }

    @AfterAll
    static void stop() throws Exception {
        RunningServer.closeAll(server, app);
    }

    static RawClient.Response get(String target) throws IOException {
        return RawClient.get(port, target);
    }

    @Test
    void ipAddressNeedsNoResolverAndTheClientUriGoesAsItCame() throws Exception {
        RawClient.Response r = get("/echo/a%20b?x=1");
        assertEquals(200, r.status());
        assertTrue(r.text().contains("\"uri\": \"/echo/a%20b?x=1\""), r.text());
        assertEquals("127.0.0.1:" + app.port + "", FlaskApp.Echo.parse(r.text()).header("Host"));
        assertEquals("127.0.0.1:" + app.port, r.header("X-Proxy-Host"));
        assertEquals(Integer.toString(app.port), r.header("X-Proxy-Port"));
    }

    @Test
    void upstreamBlockIsFoundByNameWithoutPort() throws Exception {
        RawClient.Response r = get("/block/x?y=2");
        assertEquals(200, r.status());
        // A URI with variables is sent as it is: no location part replaced, no args added.
        assertTrue(r.text().contains("\"uri\": \"/echo/from-block\""), r.text());
        assertEquals("backend", FlaskApp.Echo.parse(r.text()).header("Host"));
    }

    @Test
    void blockNameWithPortIsNotTheBlockAndNeedsAResolver() throws Exception {
        assertEquals(502, get("/block-with-port/x").status());
        ErrorLogText.containing(errorLog, "no resolver defined to resolve backend, client: 127.0.0.1");
    }

    @Test
    void literalProxyPassGroupIsFoundByHostAndPortInAnyCase() throws Exception {
        RawClient.Response r = get("/declared/x");
        assertEquals(200, r.status());
        assertTrue(r.text().contains("\"uri\": \"/echo/declared\""), r.text());
        assertEquals("LocalHost:" + app.port + "", FlaskApp.Echo.parse(r.text()).header("Host"));
    }

    @Test
    void nameWithoutAGroupIsBadGatewayWithoutAResolver() throws Exception {
        assertEquals(502, get("/undeclared/x").status());
        ErrorLogText.containing(errorLog, "no resolver defined to resolve localhost, client: 127.0.0.1, "
                + "server: localhost, request: \"GET /undeclared/x HTTP/1.1\", host: \"localhost\"");
    }

    @Test
    void regexLocationMaySendAUriMadeOfCaptures() throws Exception {
        RawClient.Response r = get("/re/one/two?dropped=1");
        assertEquals(200, r.status());
        assertTrue(r.text().contains("\"uri\": \"/echo/one/two\""), r.text());
    }

    @Test
    void uriStartingWithQuestionMarkGetsItsSlash() throws Exception {
        RawClient.Response r = get("/query/x");
        assertEquals(200, r.status());
        // The app answers "/" with its index: the request line shows in its access log.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .until(() -> app.server().accessLog().contains("\"GET /?fixed=1 HTTP/1.0\" 200"));
    }

    @Test
    void unixSocketWithVariables() throws Exception {
        RawClient.Response r = get("/unix/x");
        assertEquals(200, r.status());
        assertTrue(r.text().contains("\"uri\": \"/echo/over-unix\""), r.text());
        assertEquals("localhost", r.header("X-Proxy-Host"));
    }

    @Test
    void renderedUrlThatDoesNotParseIsAnInternalError() throws Exception {
        assertEquals(500, get("/prefix/x").status());
        ErrorLogText.containing(errorLog, "invalid URL prefix in \"ftp://127.0.0.1:" + app.port + "/\"");
        assertEquals(500, get("/badport/x").status());
        ErrorLogText.containing(errorLog, "invalid port in upstream \"127.0.0.1:99999/\"");
    }

    @Test
    void connectErrorNamesTheRenderedPeer() throws Exception {
        assertEquals(502, get("/refused/x").status());
        ErrorLogText.containing(errorLog, "connect() failed (111: Connection refused) while connecting to upstream,"
                + " client: 127.0.0.1, server: localhost, request: \"GET /refused/x HTTP/1.1\", upstream: "
                + "\"http://127.0.0.1:" + otherPort + "/refused/x\"");
    }

    @Test
    void literalProxyPassStillWorksBesideThem() throws Exception {
        RawClient.Response r = get("/literal/echo/z");
        assertEquals(200, r.status());
        assertTrue(r.text().contains("\"uri\": \"/echo/z\""), r.text());
    }

    @Test
    void redirectDefaultIsRefusedWithVariables() {
        ConfigException e = assertThrows(ConfigException.class, () -> RunningServer.start(
                Files.createDirectories(dir.resolve("bad")), """
                        events {}
                        http { server { listen 127.0.0.1:%d;
                            location / { proxy_pass http://$host; proxy_redirect default; } } }
                        """.formatted(ProxyPassTest.freePort())));
        assertTrue(e.getMessage().contains(
                "\"proxy_redirect default\" cannot be used with \"proxy_pass\" directive with variables"),
                e.getMessage());
    }
}
