package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.e2e.upstream.FullBacklogListener;
import dev.portico.e2e.upstream.Gunicorn;
import dev.portico.e2e.upstream.RawUpstream;
import dev.portico.proxy.RawClient;
import java.io.IOException;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What a client gets when the upstream fails before its response head, and the line nginx
 * writes to the error log for it: bin/portico in front of the real Gunicorn running
 * examples/flaskapp, a port nobody listens on, a port whose accept queue is full, and a raw
 * socket sending a response no parser takes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyFailuresTest {

    private static final String CONFIG = """
            daemon off;
            error_log logs/error.log info;
            events {
            }
            http {
                server {
                    listen 127.0.0.1:%%PORT%%;
                    server_name localhost;

                    location / {
                        proxy_pass http://127.0.0.1:%%APP%%;
                    }
                    location /unix/ {
                        proxy_pass http://unix:%%SOCK%%:/;
                    }
                    location /missing/ {
                        proxy_pass http://unix:%%PREFIX%%/missing.sock;
                    }
                    location /refused/ {
                        proxy_pass http://127.0.0.1:%%DEAD%%;
                    }
                    location /connect-timeout/ {
                        proxy_pass http://127.0.0.1:%%FULL%%;
                        proxy_connect_timeout 1s;
                    }
                    location /read-timeout/ {
                        proxy_pass http://127.0.0.1:%%APP%%/;
                        proxy_read_timeout 1s;
                    }
                    location /big-head/ {
                        proxy_pass http://127.0.0.1:%%BIGHEAD%%;
                    }
                    location /pretty/ {
                        proxy_pass http://127.0.0.1:%%APP%%/;
                        proxy_read_timeout 1s;
                        error_page 502 504 /50x.html;
                    }
                    location = /50x.html {
                        root html;
                    }
                }
            }
            """;

    private static final String CUSTOM_PAGE = "<html><body>Sorry, the application is away.</body></html>\n";

    private GunicornBehindPortico proxy;
    private Gunicorn app;
    private FullBacklogListener full;
    private RawUpstream bigHead;
    private int deadPort;
    private PorticoProcess server;

    @BeforeAll
    void start() {
        proxy = GunicornBehindPortico.start(4);
        app = proxy.app();
        full = FullBacklogListener.start();
        // A head bigger than proxy_buffer_size (4k or 8k, a memory page).
        bigHead = RawUpstream.answering("HTTP/1.1 200 OK\r\nX-Big: " + "z".repeat(16 * 1024)
                + "\r\nContent-Length: 0\r\n\r\n");
        deadPort = TestPrefix.freePort();
        proxy.prefix().write("html/50x.html", CUSTOM_PAGE);
        server = proxy.serve(CONFIG.replace("%%DEAD%%", Integer.toString(deadPort))
                .replace("%%FULL%%", Integer.toString(full.port()))
                .replace("%%BIGHEAD%%", Integer.toString(bigHead.port()))).server();
    }

    @AfterAll
    void stop() {
        try {
            proxy.close();
        } finally {
            full.close();
            bigHead.close();
        }
    }

    private RawClient.Response get(String target) throws IOException {
        return proxy.get("localhost", target);
    }

    /**
     * Waits for the error-log line nginx writes for a failed GET of {@code target}: level,
     * message, then the request's context, nothing after it.
     */
    private void assertLogged(String level, String message, String target, String upstream) {
        assertLogged(server, "localhost", level, message, target, upstream);
    }

    /** The same, for a GET with {@code Host: host} served by the server of that name. */
    static void assertLogged(PorticoProcess server, String host, String level, String message, String target,
                             String upstream) {
        String text = message + ", client: 127.0.0.1, server: " + host + ", request: \"GET " + target
                + " HTTP/1.1\", upstream: \"" + upstream + "\", host: \"" + host + "\"\n";
        String log = server.awaitErrorLog(text);
        assertThat(log).containsPattern(Pattern.compile(
                "(?m)^\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d \\[" + level + "\\] \\d+#\\d+: \\*\\d+ "
                        + Pattern.quote(text)));
    }

    private static void assertBuiltInPage(RawClient.Response r, int status, String title) {
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.header("Content-Type")).isEqualTo("text/html");
        assertThat(r.text()).contains("<title>" + status + " " + title + "</title>");
    }

    @Test
    void refusedConnectionIs502() throws Exception {
        assertBuiltInPage(get("/refused/x?y=1"), 502, "Bad Gateway");
        assertLogged("error", "connect() failed (111: Connection refused) while connecting to upstream",
                "/refused/x?y=1", "http://127.0.0.1:" + deadPort + "/refused/x?y=1");
    }

    @Test
    void missingUnixSocketIs502AndCritical() throws Exception {
        assertBuiltInPage(get("/missing/x"), 502, "Bad Gateway");
        String sock = proxy.prefix().path("missing.sock").toString();
        assertLogged("crit", "connect() to unix:" + sock + " failed (2: No such file or directory) while connecting"
                + " to upstream", "/missing/x", "http://unix:" + sock + ":/missing/x");
    }

    @Test
    void connectTimeoutIs504() throws Exception {
        assertBuiltInPage(get("/connect-timeout/x"), 504, "Gateway Time-out");
        assertLogged("error", "upstream timed out (110: Connection timed out) while connecting to upstream",
                "/connect-timeout/x", "http://127.0.0.1:" + full.port() + "/connect-timeout/x");
    }

    @Test
    void readTimeoutIs504() throws Exception {
        // The app answers after 3 s; proxy_read_timeout is 1s.
        assertBuiltInPage(get("/read-timeout/sleep?s=3"), 504, "Gateway Time-out");
        assertLogged("error", "upstream timed out (110: Connection timed out) while reading response header"
                + " from upstream", "/read-timeout/sleep?s=3", "http://127.0.0.1:" + app.port() + "/sleep?s=3");
    }

    @Test
    void upstreamClosingBeforeAFullHeaderIs502() throws Exception {
        String message = "upstream prematurely closed connection while reading response header from upstream";
        assertBuiltInPage(get("/close"), 502, "Bad Gateway");
        assertLogged("error", message, "/close", "http://127.0.0.1:" + app.port() + "/close");
        // After a status line and half a header.
        assertBuiltInPage(get("/close?partial=1"), 502, "Bad Gateway");
        assertLogged("error", message, "/close?partial=1", "http://127.0.0.1:" + app.port() + "/close?partial=1");
        assertBuiltInPage(get("/unix/close?partial=1"), 502, "Bad Gateway");
        assertLogged("error", message, "/unix/close?partial=1", "http://unix:" + app.socketPath() + ":/close?partial=1");
    }

    @Test
    void headerLargerThanProxyBufferSizeIs502() throws Exception {
        assertBuiltInPage(get("/big-head/x"), 502, "Bad Gateway");
        assertLogged("error", "upstream sent too big header while reading response header from upstream",
                "/big-head/x", "http://127.0.0.1:" + bigHead.port() + "/big-head/x");
    }

    @Test
    void errorPageServesTheCustomPageFromTheRootFor502And504() throws Exception {
        assertCustomPage("/pretty/close", 502,
                "upstream prematurely closed connection while reading response header from upstream", "/close");
        assertCustomPage("/pretty/sleep?s=3", 504,
                "upstream timed out (110: Connection timed out) while reading response header from upstream",
                "/sleep?s=3");
    }

    /** error_page answers with /50x.html under the failure's own status; the failure is still logged. */
    private void assertCustomPage(String target, int status, String message, String upstreamTarget)
            throws Exception {
        RawClient.Response r = get(target);
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.header("Content-Type")).isEqualTo("text/html");
        assertThat(r.text()).isEqualTo(CUSTOM_PAGE);
        assertLogged("error", message, target, "http://127.0.0.1:" + app.port() + upstreamTarget);
    }
}
