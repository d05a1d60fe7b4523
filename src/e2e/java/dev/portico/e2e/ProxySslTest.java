package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portico.e2e.upstream.FlaskApp;
import dev.portico.e2e.upstream.Gunicorn;
import dev.portico.e2e.upstream.Json;
import dev.portico.e2e.upstream.RawUpstream;
import dev.portico.e2e.upstream.Uwsgi;
import dev.portico.proxy.RawClient;
import dev.portico.tls.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * proxy_pass https:// from bin/portico to real TLS upstreams: Gunicorn serving
 * examples/flaskapp with --certfile/--keyfile, and Debian's nginx, which tells what the
 * handshake carried ($ssl_server_name, $ssl_session_reused) and answers plain HTTP on a port.
 * Certificates come from the openssl command line: a root CA, an intermediate, and
 * upstream.test's certificate signed by it (sent with the intermediate); another root CA
 * stands for a wrong one. Checked: GET and 20 MB each way; proxy_ssl_verify with the right
 * CA, a wrong CA and a wrong name, with nginx's error-log lines; SNI only with
 * proxy_ssl_server_name on; a kept TLS connection serving the next requests; sessions resumed
 * on new connections unless proxy_ssl_session_reuse is off; an upstream that is not TLS, and
 * one silent through the handshake; health checks of an https:// location; and uwsgi_pass
 * suwsgi:// to uWSGI's --suwsgi-socket.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxySslTest {

    private static final String CONFIG = """
            daemon off;
            worker_processes 1;
            error_log logs/error.log info;
            events {
            }
            http {
                client_max_body_size 0;

                upstream app_tls {
                    server 127.0.0.1:%%APP%%;
                    keepalive 4;
                }
                upstream checked_tls {
                    server 127.0.0.1:%%APP%%;
                    server 127.0.0.1:%%PLAIN%%;
                }

                server {
                    listen 127.0.0.1:%%PORT%%;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_ssl_trusted_certificate certs/root.pem;

                    location /app/ {
                        proxy_pass https://127.0.0.1:%%APP%%/;
                    }
                    location /streamed/ {
                        proxy_pass https://127.0.0.1:%%APP%%/;
                        proxy_request_buffering off;
                        proxy_buffering off;
                    }
                    location /kept/ {
                        proxy_pass https://app_tls/;
                        proxy_set_header X-Proxy-Port $proxy_port;
                        proxy_set_header Connection "";
                        proxy_ssl_verify on;
                        proxy_ssl_name upstream.test;
                    }
                    location /verified/ {
                        proxy_pass https://127.0.0.1:%%APP%%/;
                        proxy_ssl_verify on;
                        proxy_ssl_name upstream.test;
                    }
                    location /wrong-ca/ {
                        proxy_pass https://127.0.0.1:%%APP%%/;
                        proxy_ssl_verify on;
                        proxy_ssl_name upstream.test;
                        proxy_ssl_trusted_certificate other-ca/root.pem;
                    }
                    location /wrong-name/ {
                        proxy_pass https://127.0.0.1:%%APP%%/;
                        proxy_ssl_verify on;
                        proxy_ssl_name other.test;
                    }
                    location /address-name/ {
                        proxy_pass https://127.0.0.1:%%APP%%/;
                        proxy_ssl_verify on;
                    }
                    location /vars/ {
                        set $app_port %%APP%%;
                        proxy_pass https://127.0.0.1:$app_port/echo/vars;
                        proxy_ssl_verify on;
                        proxy_ssl_name upstream.test;
                    }
                    location /sni/ {
                        proxy_pass https://127.0.0.1:%%NGINX%%/;
                        proxy_ssl_server_name on;
                        proxy_ssl_name sni.upstream.test:8443;
                        proxy_ssl_session_reuse off;
                    }
                    location /no-sni/ {
                        proxy_pass https://127.0.0.1:%%NGINX%%/;
                        proxy_ssl_name sni.upstream.test;
                        proxy_ssl_session_reuse off;
                    }
                    location /sessions/ {
                        proxy_pass https://127.0.0.1:%%SESSIONS%%/;
                    }
                    location /no-sessions/ {
                        proxy_pass https://127.0.0.1:%%SESSIONS%%/;
                        proxy_ssl_session_reuse off;
                    }
                    location /not-tls/ {
                        proxy_pass https://127.0.0.1:%%PLAIN%%/;
                    }
                    location /echo/suwsgi/ {
                        uwsgi_pass suwsgi://127.0.0.1:%%SUWSGI%%;
                        include uwsgi_params;
                        uwsgi_ssl_verify on;
                        uwsgi_ssl_trusted_certificate certs/root.pem;
                        uwsgi_ssl_name upstream.test;
                    }
                    location /checked/ {
                        proxy_pass https://checked_tls/;
                        proxy_ssl_verify on;
                        proxy_ssl_name upstream.test;
                        health_check interval=1s uri=/health;
                    }
                    location /silent/ {
                        proxy_pass https://127.0.0.1:%%SILENT%%/;
                        proxy_connect_timeout 1s;
                    }
                }
            }
            """;

    /** Debian's nginx as a TLS upstream that tells what the handshake carried. */
    private static final String NGINX_CONFIG = """
            daemon off;
            worker_processes 1;
            error_log logs/error.log info;
            pid logs/nginx.pid;
            events {
            }
            http {
                access_log off;
                client_body_temp_path temp/body;
                proxy_temp_path temp/proxy;
                fastcgi_temp_path temp/fastcgi;
                uwsgi_temp_path temp/uwsgi;
                scgi_temp_path temp/scgi;
                ssl_certificate %%CERTS%%/upstream.test-fullchain.pem;
                ssl_certificate_key %%CERTS%%/upstream.test.key;
                ssl_session_cache shared:upstream:1m;

                server {
                    listen 127.0.0.1:%%PORT%% ssl;
                    return 200 "sni=[$ssl_server_name]\\n";
                }
                server {
                    listen 127.0.0.1:%%PORT2%% ssl;
                    return 200 "reused=$ssl_session_reused\\n";
                }
                server {
                    listen 127.0.0.1:%%PORT3%%;
                    return 200 "plain HTTP\\n";
                }
            }
            """;

    private static final long TWENTY_MB = 20L << 20;

    private TestPrefix prefix;
    private TestCertificates certs;
    private Gunicorn app;
    private Uwsgi uwsgi;
    private TestPrefix nginxPrefix;
    private BalancingMethodsTest.NginxProcess nginx;
    private RawUpstream silent;
    private PorticoProcess server;

    @BeforeAll
    void start() throws IOException {
        prefix = TestPrefix.create();
        certs = TestCertificates.create(prefix.path("conf/certs")).chainLeaf("upstream.test");
        TestCertificates.create(prefix.path("conf/other-ca"));
        app = Gunicorn.startTls(prefix.path("app"), "127.0.0.1:" + TestPrefix.freePort(), 2, "gthread",
                Duration.ofSeconds(60), certs.path("upstream.test-fullchain.pem"), certs.path("upstream.test.key"));
        nginxPrefix = TestPrefix.create();
        nginxPrefix.config(NGINX_CONFIG.replace("%%CERTS%%", certs.path("").toString()));
        Files.createDirectories(nginxPrefix.path("temp"));
        nginx = BalancingMethodsTest.NginxProcess.start(nginxPrefix, nginxPrefix.port());
        silent = RawUpstream.answering("");
        int suwsgi = TestPrefix.freePort();
        uwsgi = Uwsgi.startWithTls(prefix.path("uwsgi"), "127.0.0.1:" + TestPrefix.freePort(), 1, 2,
                Duration.ofSeconds(30), "127.0.0.1:" + suwsgi, certs.path("upstream.test-fullchain.pem"),
                certs.path("upstream.test.key"));
        Files.copy(Portico.home().resolve("conf/uwsgi_params"), prefix.path("conf/uwsgi_params"));
        prefix.config(CONFIG.replace("%%APP%%", Integer.toString(app.port()))
                .replace("%%NGINX%%", Integer.toString(nginxPrefix.port()))
                .replace("%%SESSIONS%%", Integer.toString(nginxPrefix.port(2)))
                .replace("%%PLAIN%%", Integer.toString(nginxPrefix.port(3)))
                .replace("%%SILENT%%", Integer.toString(silent.port()))
                .replace("%%SUWSGI%%", Integer.toString(suwsgi)));
        server = PorticoProcess.start(prefix);
    }

    @AfterAll
    void stop() {
        try {
            PorticoProcess.stop(server, prefix);
        } finally {
            closeAll(app, uwsgi, nginx, silent, nginxPrefix);
        }
    }

    private static void closeAll(AutoCloseable... all) {
        for (AutoCloseable c : all) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // the others still close
            }
        }
    }

    private RawClient.Response get(String target) throws IOException {
        return RawClient.get(server.port(), target);
    }

    private FlaskApp.Echo echo(String target) throws IOException {
        RawClient.Response r = get(target);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return FlaskApp.Echo.parse(r.text());
    }

    @Test
    void getGoesOverTlsWithTheUpstreamsHostAndPort() throws Exception {
        FlaskApp.Echo e = echo("/app/echo/a?b=1");
        assertThat(e.uri()).isEqualTo("/echo/a?b=1");
        assertThat(e.header("Host")).as("$proxy_host: the port is not 443").isEqualTo("127.0.0.1:" + app.port());
        assertThat(e.environ("wsgi.url_scheme")).as("Gunicorn saw TLS").isEqualTo("https");
    }

    @Test
    void twentyMegabytesGoUpIntact() throws Exception {
        assertThat(upload("/app/upload", false)).isEqualTo(200);
        assertThat(server.errorLog()).as("spooled to a file, sent in pieces over TLS")
                .contains("a client request body is buffered to a temporary file");
        assertThat(upload("/streamed/upload", true)).as("chunked, streamed as it comes").isEqualTo(200);
    }

    /** POSTs 20 MB to {@code target}; fails unless the app got them intact; the status. */
    private int upload(String target, boolean chunked) throws Exception {
        try (RawClient c = new RawClient(server.port())) {
            c.send("POST " + target + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
                    + (chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + TWENTY_MB) + "\r\n\r\n");
            String digest = ProxyPassEndToEndTest.sendBody(c, chunked, TWENTY_MB);
            RawClient.Response r = c.read(false);
            assertThat(Json.object(r.text())).as(target).containsEntry("length", TWENTY_MB)
                    .containsEntry("sha256", digest);
            return r.status();
        }
    }

    @Test
    void twentyMegabytesComeDownIntact() throws Exception {
        for (String target : new String[] {"/app/big?mb=20", "/app/big?mb=20&chunked=1", "/streamed/big?mb=20"}) {
            RawClient.Response r = get(target);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.length()).as(target).isEqualTo(TWENTY_MB);
            assertThat(r.sha256()).as(target).isEqualTo(FlaskApp.bigSha256(TWENTY_MB));
        }
    }

    @Test
    void verifiedWithTheRightCa() throws Exception {
        assertThat(echo("/verified/echo/x").uri()).isEqualTo("/echo/x");
        assertThat(echo("/vars/").uri()).as("a proxy_pass with variables").isEqualTo("/echo/vars");
    }

    @Test
    void aWrongCaIs502WithNginxsLine() throws Exception {
        assertThat(get("/wrong-ca/echo").status()).isEqualTo(502);
        // upstream.test's certificate came with its intermediate, whose root the other CA is not.
        server.awaitErrorLog("request: \"GET /wrong-ca/echo HTTP/1.1\"");
        assertThat(server.errorLog()).containsPattern("\\[error] .*upstream SSL certificate verify error: \\(20:unable"
                + " to get local issuer certificate\\) while SSL handshaking to upstream, client: 127.0.0.1, server: ,"
                + " request: \"GET /wrong-ca/echo HTTP/1.1\", upstream: \"https://127.0.0.1:" + app.port() + "/echo\"");
    }

    @Test
    void aNameTheCertificateDoesNotHaveIs502() throws Exception {
        assertThat(get("/wrong-name/echo").status()).isEqualTo(502);
        server.awaitErrorLog("upstream SSL certificate does not match \"other.test\" while SSL handshaking to"
                + " upstream, client: 127.0.0.1, server: , request: \"GET /wrong-name/echo HTTP/1.1\"");
        // The default name is proxy_pass's host: an address, which X509_check_host compares as a name.
        assertThat(get("/address-name/echo").status()).isEqualTo(502);
        server.awaitErrorLog("upstream SSL certificate does not match \"127.0.0.1\" while SSL handshaking");
    }

    @Test
    void sniOnlyWithServerNameOn() throws Exception {
        assertThat(get("/sni/").text()).as("the port of proxy_ssl_name is not sent").isEqualTo(
                "sni=[sni.upstream.test]\n");
        assertThat(get("/no-sni/").text()).isEqualTo("sni=[]\n");
    }

    @Test
    void aKeptTlsConnectionServesTheNextRequest() throws Exception {
        try (RawClient c = new RawClient(server.port())) {
            String first = null;
            for (int i = 0; i < 3; i++) {
                c.send("GET /kept/echo/" + i + " HTTP/1.1\r\nHost: a\r\n\r\n");
                RawClient.Response r = c.read(false);
                assertThat(r.status()).as(r.text()).isEqualTo(200);
                FlaskApp.Echo e = FlaskApp.Echo.parse(r.text());
                assertThat(e.header("Host")).as("$proxy_host: the block's name").isEqualTo("app_tls");
                assertThat(e.header("X-Proxy-Port")).isEqualTo("443");
                String connection = (String) Json.object(r.text()).get("connection");
                assertThat(connection).isNotNull();
                if (first == null) {
                    first = connection;
                }
                assertThat(connection).as("request %d on the first upstream connection", i).isEqualTo(first);
            }
        }
    }

    @Test
    void sessionsAreResumedOnNewConnections() throws Exception {
        assertThat(get("/sessions/").text()).isEqualTo("reused=.\n");
        assertThat(get("/sessions/").text()).as("a new connection, the session of the one before")
                .isEqualTo("reused=r\n");
        assertThat(get("/no-sessions/").text()).isEqualTo("reused=.\n");
        assertThat(get("/no-sessions/").text()).isEqualTo("reused=.\n");
    }

    @Test
    void anUpstreamThatIsNotTlsIs502() throws Exception {
        assertThat(get("/not-tls/echo").status()).isEqualTo(502);
        server.awaitErrorLog("request: \"GET /not-tls/echo HTTP/1.1\"");
        assertThat(server.errorLog()).containsPattern("\\[error] .*SSL_do_handshake\\(\\) failed \\(SSL: .*"
                + "WRONG_VERSION_NUMBER\\) while SSL handshaking to upstream, client: 127.0.0.1, server: , request:"
                + " \"GET /not-tls/echo HTTP/1.1\", upstream: \"https://127.0.0.1:" + nginxPrefix.port(3) + "/echo\"");
    }

    @Test
    void aSilentHandshakeTimesOutWithinTheConnectTimeout() throws Exception {
        long start = System.nanoTime();
        assertThat(get("/silent/").status()).isEqualTo(504);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        server.awaitErrorLog("upstream timed out (110: Connection timed out) while SSL handshaking to upstream");
    }

    @Test
    void uwsgiPassSuwsgiSpeaksUwsgiOverTls() throws Exception {
        FlaskApp.Echo e = echo("/echo/suwsgi/x?y=1");
        assertThat(e.uri()).isEqualTo("/echo/suwsgi/x?y=1");
        assertThat(e.environ("REQUEST_METHOD")).isEqualTo("GET");
    }

    @Test
    void healthChecksOfAnHttpsLocationUseItsTls() throws Exception {
        server.awaitErrorLog("peer is unhealthy while SSL handshaking to upstream, health check \"\" of peer"
                + " 127.0.0.1:" + nginxPrefix.port(3) + " in upstream \"checked_tls\"");
        await().atMost(Duration.ofSeconds(10)).until(() -> app.accessLog().contains("\"GET /health HTTP/1.1\" 200"));
        assertThat(server.errorLog()).doesNotContain("peer is unhealthy while SSL handshaking to upstream, health"
                + " check \"\" of peer 127.0.0.1:" + app.port());
        for (int i = 0; i < 4; i++) {
            assertThat(get("/checked/health").status()).as("only the TLS peer gets requests").isEqualTo(200);
        }
    }

    @Test
    void aSmallBodyGoesUpFromMemory() throws Exception {
        Map<String, Object> upload = Json.object(RawClient.exchange(server.port(), "POST", "/app/upload", "hello")
                .text());
        assertThat(upload).containsEntry("length", 5L).containsEntry("sha256",
                "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    }
}
