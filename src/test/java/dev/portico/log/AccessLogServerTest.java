package dev.portico.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portico.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLogServerTest {

    @TempDir
    Path dir;

    private List<String> lines(String name) {
        Path file = dir.resolve("logs").resolve(name);
        try {
            if (!Files.exists(file)) {
                return List.of();
            }
            String text = Files.readString(file, StandardCharsets.ISO_8859_1);
            String[] parts = text.split("\n", -1);
            return List.of(parts).subList(0, parts.length - 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> awaitLines(String name, int count) {
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> lines(name).size() >= count);
        return lines(name);
    }

    private static final String TIME = "\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4}";

    @Test
    void defaultCombinedLineAsNginxWritesIt() throws Exception {
        String conf = "events {}\nhttp {\n server { listen 127.0.0.1:@PORT@; } }\n";
        try (TestServer s = TestServer.start(dir, conf)) {
            HttpResponse<String> r = s.get("/some/path?a=1&b=%22", "Referer", "http://ref.example/x",
                    "User-Agent", "agent \"quoted\" \\ back");
            assertThat(r.statusCode()).isEqualTo(404);
            int bodyLength = r.body().getBytes(StandardCharsets.ISO_8859_1).length;
            String line = awaitLines("access.log", 1).get(0);
            Pattern expected = Pattern.compile(Pattern.quote("127.0.0.1 - - [") + TIME + Pattern.quote("] "
                    + "\"GET /some/path?a=1&b=%22 HTTP/1.1\" 404 " + bodyLength + " \"http://ref.example/x\" "
                    + "\"agent \\x22quoted\\x22 \\x5C back\""));
            assertThat(line).matches(expected);

            s.get("/ok");
            String second = awaitLines("access.log", 2).get(1);
            assertThat(second).matches(Pattern.quote("127.0.0.1 - - [") + TIME
                    + Pattern.quote("] \"GET /ok HTTP/1.1\" 200 2 \"-\" \"") + "Java-http-client/.*\"");
        }
    }

    @Test
    void customJsonFormatConditionAndOff() throws Exception {
        String conf = """
                events {}
                http {
                    log_format json escape=json '{"uri":"$uri","test":"$http_x_test",'
                                                '"missing":"$http_x_missing","status":$status}';
                    log_format raw escape=none '$http_x_test|$http_x_missing|';
                    access_log logs/json.log json;
                    access_log logs/raw.log raw;
                    server {
                        listen 127.0.0.1:@PORT@;
                        location /quiet/ {
                            access_log off;
                        }
                        location /own/ {
                            access_log logs/own.log combined if=$arg_log;
                        }
                    }
                }
                """;
        try (TestServer s = TestServer.start(dir, conf)) {
            s.get("/a", "X-Test", "q\"b\\s");
            s.get("/quiet/x", "X-Test", "quiet");
            s.get("/own/x?log=1");
            s.get("/own/x?log=0");
            s.get("/own/x");
            s.get("/b", "X-Test", "last");
            List<String> json = awaitLines("json.log", 2);
            assertThat(json).containsExactly(
                    "{\"uri\":\"/a\",\"test\":\"q\\\"b\\\\s\",\"missing\":\"\",\"status\":404}",
                    "{\"uri\":\"/b\",\"test\":\"last\",\"missing\":\"\",\"status\":404}");
            assertThat(awaitLines("raw.log", 2)).containsExactly("q\"b\\s||", "last||");
            List<String> own = awaitLines("own.log", 1);
            assertThat(own).hasSize(1);
            assertThat(own.get(0)).contains("\"GET /own/x?log=1 HTTP/1.1\" 404");
            AccessLogModule.state(s.snapshot().build()).writer().sync();
            assertThat(lines("json.log")).noneMatch(l -> l.contains("quiet") || l.contains("/own/"));
            assertThat(lines("own.log")).hasSize(1);
        }
    }

    @Test
    void bufferedLinesWaitForFlushTime() throws Exception {
        String conf = "events {}\nhttp {\n access_log logs/buf.log combined buffer=64k flush=1s;\n"
                + " server { listen 127.0.0.1:@PORT@; } }\n";
        try (TestServer s = TestServer.start(dir, conf)) {
            long start = System.nanoTime();
            s.get("/one");
            // the line is handed over after the response; once the writer has it, it sits in the buffer
            Thread.sleep(200);
            AccessLogModule.state(s.snapshot().build()).writer().sync();
            if (System.nanoTime() - start < 700_000_000L) {
                assertThat(lines("buf.log")).isEmpty();
            }
            List<String> written = awaitLines("buf.log", 1);
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(900_000_000L);
            assertThat(written.get(0)).contains("\"GET /one HTTP/1.1\" 404");
        }
    }

    @Test
    void fullBufferIsWrittenAndCloseFlushesTheRest() throws Exception {
        String conf = "events {}\nhttp {\n log_format tiny '$request_uri';\n"
                + " access_log logs/small.log tiny buffer=40;\n server { listen 127.0.0.1:@PORT@; } }\n";
        TestServer s = TestServer.start(dir, conf);
        try {
            for (int i = 0; i < 5; i++) {
                s.get("/request-number-" + i);   // 18 bytes with the line feed: two fit in 40
            }
            List<String> early = awaitLines("small.log", 4);
            assertThat(early).containsExactly("/request-number-0", "/request-number-1", "/request-number-2",
                    "/request-number-3");
        } finally {
            s.close();
        }
        assertThat(lines("small.log")).hasSize(5).endsWith("/request-number-4");
    }

    @Test
    void reopenAfterRenameStartsANewFile() throws Exception {
        String conf = "events {}\nhttp {\n log_format u '$uri';\n access_log logs/r.log u;\n"
                + " server { listen 127.0.0.1:@PORT@; } }\n";
        try (TestServer s = TestServer.start(dir, conf)) {
            s.get("/before");
            awaitLines("r.log", 1);
            Files.move(dir.resolve("logs/r.log"), dir.resolve("logs/r.log.1"));
            s.get("/renamed");
            await().atMost(Duration.ofSeconds(5)).until(() -> lines("r.log.1").size() == 2);
            s.snapshot().reopenLogs();
            s.get("/after");
            assertThat(awaitLines("r.log", 1)).containsExactly("/after");
            assertThat(lines("r.log.1")).containsExactly("/before", "/renamed");
        }
    }

    @Test
    void aLevelWithItsOwnAccessLogDoesNotInherit() throws Exception {
        String conf = """
                events {}
                http {
                    log_format u '$uri';
                    access_log logs/http.log u;
                    server {
                        listen 127.0.0.1:@PORT@;
                        location /inherit/ { }
                        location /own/ {
                            access_log logs/loc.log u;
                            access_log logs/loc2.log u;
                        }
                    }
                }
                """;
        try (TestServer s = TestServer.start(dir, conf)) {
            s.get("/inherit/x");
            s.get("/own/y");
            assertThat(awaitLines("loc.log", 1)).containsExactly("/own/y");
            assertThat(awaitLines("loc2.log", 1)).containsExactly("/own/y");
            AccessLogModule.state(s.snapshot().build()).writer().sync();
            assertThat(lines("http.log")).containsExactly("/inherit/x");
            assertThat(Files.exists(dir.resolve("logs/access.log"))).isFalse();
        }
    }
}
