package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** access_log (combined, log_format escape=json, off, buffer/flush, reopen) and error.log lines. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessLogTest {

    private static final String CONFIG = """
            daemon off;
            error_log logs/error.log info;
            events {
            }
            http {
                log_format jsonlog escape=json '{"uri":"$request_uri","ua":"$http_user_agent","status":$status}';
                server {
                    listen 127.0.0.1:%%PORT%%;
                    server_name logs.test;
                    root html;
                    access_log logs/access.log;
                    access_log logs/json.log jsonlog;
                    location /quiet/ {
                        access_log off;
                    }
                }
                server {
                    listen 127.0.0.1:%%PORT2%%;
                    server_name buffered.test;
                    access_log logs/buffered.log combined buffer=64k flush=1s;
                    return 200 "buffered";
                }
            }
            """;

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String TIME = "\\[\\d\\d/[A-Z][a-z]{2}/\\d{4}:\\d\\d:\\d\\d:\\d\\d [+-]\\d{4}\\]";

    private TestPrefix prefix;
    private PorticoProcess server;

    @BeforeAll
    void start() {
        prefix = TestPrefix.withConfig(CONFIG);
        prefix.write("html/hello.txt", "hello\n");
        prefix.write("html/quiet/q.txt", "quiet\n");
        server = PorticoProcess.start(prefix);
    }

    @AfterAll
    void stop() {
        PorticoProcess.stop(server, prefix);
    }

    private void curl(String... args) {
        CommandResult r = Curl.run(args);
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    private String awaitLog(String file, String text) {
        return PorticoProcess.awaitText(() -> prefix.read(file), text, WAIT);
    }

    @Test
    void combinedLineHasEveryField() {
        curl("-o", "/dev/null", "-A", "Agent \"quoted\"/1.0", "-e", "http://referer.test/page",
                server.url("/hello.txt?combined=1"));
        String log = awaitLog("logs/access.log", "/hello.txt?combined=1");
        assertThat(log).containsPattern(Pattern.compile("(?m)^127\\.0\\.0\\.1 - - " + TIME + " "
                + Pattern.quote("\"GET /hello.txt?combined=1 HTTP/1.1\" 200 6 \"http://referer.test/page\" "
                        + "\"Agent \\x22quoted\\x22/1.0\"") + "$"));

        curl("-o", "/dev/null", "-A", "plain", server.url("/no-such-file?combined=2"));
        log = awaitLog("logs/access.log", "/no-such-file?combined=2");
        assertThat(log).containsPattern(Pattern.compile("(?m)^127\\.0\\.0\\.1 - - " + TIME + " "
                + Pattern.quote("\"GET /no-such-file?combined=2 HTTP/1.1\" 404 154 \"-\" \"plain\"") + "$"));
    }

    @Test
    void customFormatWithJsonEscaping() {
        curl("-o", "/dev/null", "-A", "json \"agent\"\\", server.url("/hello.txt?json=1"));
        String log = awaitLog("logs/json.log", "/hello.txt?json=1");
        assertThat(log).contains("{\"uri\":\"/hello.txt?json=1\",\"ua\":\"json \\\"agent\\\"\\\\\",\"status\":200}\n");
    }

    @Test
    void accessLogOffWritesNothing() throws Exception {
        curl("-o", "/dev/null", server.url("/quiet/q.txt?silenced=1"));
        curl("-o", "/dev/null", server.url("/hello.txt?after-off=1"));
        // Lines are written in order: once the later request is logged, the earlier would be too.
        awaitLog("logs/access.log", "/hello.txt?after-off=1");
        awaitLog("logs/json.log", "/hello.txt?after-off=1");
        assertThat(prefix.read("logs/access.log")).doesNotContain("silenced=1");
        assertThat(prefix.read("logs/json.log")).doesNotContain("silenced=1");
    }

    @Test
    void bufferedLinesAreFlushedWithinTheFlushTime() {
        CommandResult r = Curl.run("-A", "buffered-agent", "http://127.0.0.1:" + server.port(2) + "/buffered-1");
        assertThat(r.stdout()).isEqualTo("buffered");
        long start = System.nanoTime();
        String log = PorticoProcess.awaitText(() -> prefix.read("logs/buffered.log"), "/buffered-1",
                Duration.ofMillis(2500));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
        assertThat(log).containsPattern(Pattern.compile("(?m)^127\\.0\\.0\\.1 - - " + TIME + " "
                + Pattern.quote("\"GET /buffered-1 HTTP/1.1\" 200 8 \"-\" \"buffered-agent\"") + "$"));
    }

    @Test
    void reopenAfterRenameCreatesANewFile() throws Exception {
        curl("-o", "/dev/null", server.url("/hello.txt?before-reopen=1"));
        awaitLog("logs/access.log", "before-reopen=1");
        Files.move(prefix.path("logs/access.log"), prefix.path("logs/access.log.1"));

        CommandResult r = Portico.run(prefix, "-p", prefix.dir().toString(), "-c", TestPrefix.CONF, "-s", "reopen");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        PorticoProcess.awaitText(server::errorLog, "signal 10 (SIGUSR1) received, reopening logs", WAIT);
        PorticoProcess.awaitText(() -> Files.exists(prefix.path("logs/access.log")) ? "exists" : "",
                "exists", WAIT);

        curl("-o", "/dev/null", server.url("/hello.txt?after-reopen=1"));
        String fresh = awaitLog("logs/access.log", "after-reopen=1");
        assertThat(fresh).doesNotContain("before-reopen=1");
        assertThat(prefix.read("logs/access.log.1")).contains("before-reopen=1").doesNotContain("after-reopen=1");
    }

    @Test
    void missingFileIsLoggedInNginxFormat() {
        curl("-o", "/dev/null", server.url("/missing"));
        String log = server.awaitErrorLog("\"GET /missing HTTP/1.1\"");
        String expected = "open() \"" + prefix.path("html/missing") + "\" failed (2: No such file or directory)"
                + ", client: 127.0.0.1, server: logs.test, request: \"GET /missing HTTP/1.1\", host: \"127.0.0.1:"
                + server.port() + "\"";
        assertThat(log).containsPattern(Pattern.compile("(?m)^\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d \\[error\\] "
                + server.pid() + "#\\d+: \\*\\d+ " + Pattern.quote(expected) + "$"));
    }
}
