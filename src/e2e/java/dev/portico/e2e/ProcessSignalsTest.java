package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Daemon start-up, bind failures and the signals: QUIT, TERM, HUP (reload), USR1 (reopen). */
class ProcessSignalsTest {

    /** Every 404 becomes a redirect whose Location tells which configuration answered. */
    private static String config(String generation, String extraListen) {
        return """
                daemon off;
                error_log logs/error.log info;
                events {
                }
                http {
                    server {
                        listen 127.0.0.1:%%PORT%%;
                        EXTRA
                        keepalive_requests 100000;
                        error_page 404 http://127.0.0.1/GEN;
                    }
                }
                """.replace("GEN", generation).replace("EXTRA", extraListen);
    }

    @Test
    void daemonReturnsOnceListening() throws IOException {
        try (TestPrefix prefix = TestPrefix.withConfig(config("one", "").replace("daemon off;", "daemon on;"));
             PorticoProcess server = PorticoProcess.startDaemon(prefix)) {
            assertThat(server.pidFromFile()).isEqualTo(server.pid()).isNotEqualTo(server.launcherPid());
            assertThat(ProcessHandle.of(server.launcherPid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(server.isAlive()).isTrue();
            assertThat(Http.get(server.port(), "/missing").statusCode()).isEqualTo(302);

            server.signal("QUIT");
            server.waitForExit(Duration.ofSeconds(15));
            assertThat(prefix.pidFile()).doesNotExist();
        }
    }

    @Test
    void foregroundServerIsTheLauncherProcess() {
        try (TestPrefix prefix = TestPrefix.withConfig(config("one", ""));
             PorticoProcess server = PorticoProcess.start(prefix)) {
            // bin/portico exec's the JVM: one process, whose pid is in the pid file.
            assertThat(server.pidFromFile()).isEqualTo(server.launcherPid());
            server.awaitErrorLog("started, pid " + server.pid());
        }
    }

    @Test
    void bindFailureExitsWithNginxMessage() throws IOException {
        try (TestPrefix prefix = TestPrefix.withConfig(config("one", ""));
             ServerSocket taken = new ServerSocket(prefix.port(), 1, InetAddress.getByName("127.0.0.1"))) {
            CommandResult r = Portico.run(prefix, "-p", prefix.dir().toString(), "-c", TestPrefix.CONF);
            String message = "bind() to 127.0.0.1:" + prefix.port() + " failed (98: Address already in use)";
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.stderr()).contains("portico: [emerg] " + message);
            assertThat(prefix.errorLog()).contains("[emerg]").contains(message);
            assertThat(prefix.pidFile()).doesNotExist();
            assertThat(taken.isBound()).isTrue();
        }
    }

    @Test
    void quitExitsGracefullyAndRemovesThePidFile() {
        try (TestPrefix prefix = TestPrefix.withConfig(config("one", ""));
             PorticoProcess server = PorticoProcess.start(prefix);
             RawConnection idle = RawConnection.open(server.port())) {
            idle.send("GET /missing HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(idle.readResponse().header("Connection")).isEqualTo("keep-alive");

            server.signal("QUIT");
            assertThat(server.waitForExit(Duration.ofSeconds(10))).isZero();
            assertThat(prefix.pidFile()).doesNotExist();
            assertThat(idle.awaitClosed(Duration.ofSeconds(2))).isTrue();
            assertThat(server.errorLog()).contains("signal 3 (SIGQUIT) received, shutting down")
                    .contains("gracefully shutting down").contains("[notice]").contains(": exit");
        }
    }

    @Test
    void termExitsPromptly() {
        try (TestPrefix prefix = TestPrefix.withConfig(config("one", ""));
             PorticoProcess server = PorticoProcess.start(prefix);
             RawConnection busy = RawConnection.open(server.port())) {
            busy.send("GET /missing HTTP/1.1\r\nHost: localhost\r\n\r\n");
            busy.readResponse();
            busy.send("GET /missing HTTP/1.1\r\n"); // a request that never completes

            long start = System.nanoTime();
            server.signal("TERM");
            assertThat(server.waitForExit(Duration.ofSeconds(5))).isZero();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            assertThat(prefix.pidFile()).doesNotExist();
            assertThat(server.errorLog()).contains("signal 15 (SIGTERM) received, exiting");
        }
    }

    @Test
    void reloadUnderLoadLosesNoRequest() throws Exception {
        try (TestPrefix prefix = TestPrefix.withConfig(config("old", ""));
             PorticoProcess server = PorticoProcess.start(prefix)) {
            int port = server.port();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger keepAliveCount = new AtomicInteger();
            AtomicInteger freshCount = new AtomicInteger();
            ConcurrentLinkedQueue<String> keepAliveSeen = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<String> freshSeen = new ConcurrentLinkedQueue<>();

            Thread keepAlive = new Thread(() -> {
                RawConnection c = RawConnection.open(port);
                String last = "";
                try {
                    while (running.get()) {
                        c.send("GET /k HTTP/1.1\r\nHost: localhost\r\n\r\n");
                        RawResponse r = c.readResponse();
                        keepAliveCount.incrementAndGet();
                        String gen = checkRedirect(r, failures, "keep-alive");
                        if (!gen.equals(last)) {
                            keepAliveSeen.add(gen);
                            last = gen;
                        }
                        if ("close".equals(r.header("Connection"))) {
                            c.close(); // keepalive_requests reached: a polite close, reconnect
                            c = RawConnection.open(port);
                        }
                    }
                } catch (RuntimeException | AssertionError e) {
                    failures.add("keep-alive: " + e);
                } finally {
                    c.close();
                }
            });
            Thread fresh = new Thread(() -> {
                String last = "";
                try {
                    while (running.get()) {
                        RawConnection.Result res = RawConnection.exchange(port,
                                "GET /f HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
                        freshCount.incrementAndGet();
                        if (!res.closed()) {
                            failures.add("new connection: not closed after Connection: close");
                        }
                        String gen = checkRedirect(res.response(), failures, "new connection");
                        if (!gen.equals(last)) {
                            freshSeen.add(gen);
                            last = gen;
                        }
                    }
                } catch (RuntimeException | AssertionError e) {
                    failures.add("new connection: " + e);
                }
            });
            keepAlive.start();
            fresh.start();
            try {
                // Both loops are under way on the old configuration before the reload.
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                        .until(() -> keepAliveSeen.contains("old") && freshSeen.contains("old"));
                prefix.config(config("new", "listen 127.0.0.1:%%PORT2%%;"));
                server.signal("HUP");
                server.awaitErrorLog("signal 1 (SIGHUP) received, reconfiguring");
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (!PorticoProcess.accepts(server.port(2)) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                // Load goes on until both loops have seen the new configuration and some more requests.
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                        .until(() -> keepAliveSeen.contains("new") && freshSeen.contains("new"));
                int keepAliveMark = keepAliveCount.get();
                int freshMark = freshCount.get();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                        .until(() -> keepAliveCount.get() > keepAliveMark + 20 && freshCount.get() > freshMark + 20);
            } finally {
                running.set(false);
                keepAlive.join(10_000);
                fresh.join(10_000);
            }

            assertThat(failures).as("failed requests").isEmpty();
            assertThat(keepAliveSeen).as("keep-alive loop, %d requests", keepAliveCount.get())
                    .containsExactly("old", "new");
            assertThat(freshSeen).as("new-connection loop, %d requests", freshCount.get())
                    .containsExactly("old", "new");
            assertThat(Http.get(server.port(2), "/missing").headers().firstValue("Location"))
                    .hasValue("http://127.0.0.1/new");
            assertThat(server.errorLog()).doesNotContain("[emerg]");
        }
    }

    private static String checkRedirect(RawResponse r, ConcurrentLinkedQueue<String> failures, String who) {
        String location = r.header("Location");
        if (r.status() != 302 || location == null || !location.startsWith("http://127.0.0.1/")) {
            failures.add(who + ": unexpected response " + r.statusLine() + " Location: " + location);
            return "?";
        }
        return location.substring("http://127.0.0.1/".length());
    }

    @Test
    void reloadWithBrokenConfigKeepsServing() {
        try (TestPrefix prefix = TestPrefix.withConfig(config("old", ""));
             PorticoProcess server = PorticoProcess.start(prefix)) {
            prefix.config(config("new", "bogus_directive on;"));
            server.signal("HUP");
            server.awaitErrorLog("unknown directive \"bogus_directive\" in "
                    + prefix.path(TestPrefix.CONF) + ":8");
            assertThat(server.errorLog()).containsPattern("\\[emerg\\] \\d+#\\d+: unknown directive \"bogus_directive\"");

            assertThat(server.isAlive()).isTrue();
            assertThat(Http.get(server.port(), "/missing").headers().firstValue("Location"))
                    .hasValue("http://127.0.0.1/old");

            // Fixed, the next reload applies.
            prefix.config(config("new", ""));
            server.signal("HUP");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            String location = "";
            while (System.nanoTime() < deadline && !location.endsWith("/new")) {
                location = Http.get(server.port(), "/missing").headers().firstValue("Location").orElse("");
                PorticoProcess.sleep(50);
            }
            assertThat(location).isEqualTo("http://127.0.0.1/new");
        }
    }

    @Test
    void usr1ReopensTheErrorLog() throws IOException {
        try (TestPrefix prefix = TestPrefix.withConfig(config("one", ""));
             PorticoProcess server = PorticoProcess.start(prefix)) {
            Files.move(prefix.path("logs/error.log"), prefix.path("logs/error.log.1"));
            server.signal("USR1");
            PorticoProcess.awaitText(() -> prefix.read("logs/error.log.1"),
                    "signal 10 (SIGUSR1) received, reopening logs", Duration.ofSeconds(10));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!Files.exists(prefix.path("logs/error.log")) && System.nanoTime() < deadline) {
                PorticoProcess.sleep(20);
            }
            assertThat(prefix.path("logs/error.log")).exists();

            RawConnection.Result r = RawConnection.exchange(server.port(), "GET /missing HTTP/1.1\r\nHost: a/b\r\n\r\n");
            assertThat(r.response().status()).isEqualTo(400);
            server.awaitErrorLog("client sent invalid host header while reading client request headers");
            assertThat(prefix.read("logs/error.log.1")).doesNotContain("invalid host header");
            assertThat(List.of(prefix.errorLog().split("\n")))
                    .anyMatch(l -> l.contains("[info]") && l.contains("host: \"a/b\""));
        }
    }
}
