package dev.portico.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A running server started with {@code bin/portico -p PREFIX -c conf/portico.conf} (JAVA_OPTS
 * carrying Netty's leak detection level), ready once its pid file exists and its port accepts
 * connections.
 *
 * <p>{@link #close()} stops it (QUIT, then TERM, then a forced kill) and then fails the test if
 * Netty reported a leaked buffer ("LEAK:") in the error log or on stderr.
 */
public final class PorticoProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final TestPrefix prefix;
    private final Process process;       // null for a daemon: not our child
    private final ProcessHandle handle;
    private final Path stdout;
    private final Path stderr;
    private final int port;
    private final long launcherPid;
    private boolean closed;

    private PorticoProcess(TestPrefix prefix, Process process, ProcessHandle handle, int port, long launcherPid) {
        this.prefix = prefix;
        this.launcherPid = launcherPid;
        this.process = process;
        this.handle = handle;
        this.stdout = prefix.path("portico.stdout");
        this.stderr = prefix.path("portico.stderr");
        this.port = port;
    }

    /** Starts on the prefix's conf/portico.conf (which must say {@code daemon off;}), waits for %%PORT%%. */
    public static PorticoProcess start(TestPrefix prefix) {
        return start(prefix, prefix.port(), "-p", prefix.dir().toString(), "-c", TestPrefix.CONF);
    }

    /** Starts {@code bin/portico args...} in the foreground, waits for the pid file and {@code port}. */
    public static PorticoProcess start(TestPrefix prefix, int port, String... args) {
        ProcessBuilder pb = Portico.builder(prefix.dir(), List.of(args));
        pb.redirectOutput(prefix.path("portico.stdout").toFile());
        pb.redirectError(prefix.path("portico.stderr").toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PorticoProcess server = new PorticoProcess(prefix, p, p.toHandle(), port, p.pid());
        try {
            server.awaitReady();
        } catch (AssertionError | RuntimeException e) {
            server.stopQuietly();
            throw e;
        }
        return server;
    }

    /**
     * Starts with {@code daemon on;} in the configuration: the launcher must return 0 once
     * the server listens; the server is then known by the pid in the pid file.
     */
    public static PorticoProcess startDaemon(TestPrefix prefix) {
        ProcessBuilder pb = Portico.builder(prefix.dir(),
                List.of("-p", prefix.dir().toString(), "-c", TestPrefix.CONF));
        pb.redirectOutput(prefix.path("launcher.stdout").toFile());
        pb.redirectError(prefix.path("launcher.stderr").toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        long launcherPid;
        int code;
        try {
            Process launcher = pb.start();
            launcherPid = launcher.pid();
            if (!launcher.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                launcher.destroyForcibly();
                throw new AssertionError("the daemon launcher did not return within " + START_TIMEOUT);
            }
            code = launcher.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        if (code != 0) {
            throw new AssertionError("daemon start failed with code " + code + "\n--- stderr ---\n"
                    + read(prefix.path("launcher.stderr")) + "--- error.log ---\n" + prefix.errorLog());
        }
        long pid = readPid(prefix.pidFile());
        ProcessHandle h = ProcessHandle.of(pid)
                .orElseThrow(() -> new AssertionError("pid " + pid + " from the pid file is not running"));
        PorticoProcess server = new PorticoProcess(prefix, null, h, prefix.port(), launcherPid);
        server.awaitReady();
        return server;
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!handle.isAlive()) {
                throw new AssertionError("portico exited during start-up"
                        + (process != null ? " with code " + process.exitValue() : "")
                        + "\n--- stderr ---\n" + stderr() + "--- error.log ---\n" + errorLog());
            }
            if (Files.exists(prefix.pidFile()) && accepts(port)) {
                return;
            }
            sleep(50);
        }
        throw new AssertionError("portico did not start listening on 127.0.0.1:" + port + " within "
                + START_TIMEOUT + "\n--- stderr ---\n" + stderr() + "--- error.log ---\n" + errorLog());
    }

    /** True when something accepts TCP connections on 127.0.0.1:port. */
    public static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static long readPid(Path pidFile) {
        try {
            return Long.parseLong(Files.readString(pidFile).trim());
        } catch (IOException e) {
            throw new AssertionError("cannot read the pid file " + pidFile + ": " + e);
        }
    }

    public long pid() {
        return handle.pid();
    }

    /** The pid of the bin/portico process this test started (the server itself unless daemonized). */
    public long launcherPid() {
        return launcherPid;
    }

    /** The pid written in logs/portico.pid. */
    public long pidFromFile() {
        return readPid(prefix.pidFile());
    }

    public TestPrefix prefix() {
        return prefix;
    }

    /** %%PORT%%. */
    public int port() {
        return prefix.port();
    }

    /** %%PORT2%%, %%PORT3%%. */
    public int port(int n) {
        return prefix.port(n);
    }

    public String errorLog() {
        return prefix.errorLog();
    }

    public String accessLog() {
        return prefix.accessLog();
    }

    public String stderr() {
        return read(stderr);
    }

    public String stdout() {
        return read(stdout);
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean isAlive() {
        return handle.isAlive();
    }

    /** Sends a signal by name: HUP, QUIT, TERM, USR1 ... */
    public void signal(String name) {
        Portico.kill(pid(), name);
    }

    /**
     * Waits for the process to end; its exit code, or -1 for a daemon (not our child).
     * Fails the test if it is still running after {@code timeout}.
     */
    public int waitForExit(Duration timeout) {
        try {
            if (process != null) {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new AssertionError("portico (pid " + pid() + ") still runs after " + timeout);
                }
                return process.exitValue();
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (handle.isAlive()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("portico (pid " + pid() + ") still runs after " + timeout);
                }
                sleep(50);
            }
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Polls {@code text()} until it contains {@code expected}; fails after {@code timeout}. */
    public static String awaitText(java.util.function.Supplier<String> text, String expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String t = text.get();
        while (!t.contains(expected)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("\"" + expected + "\" did not appear within " + timeout + " in:\n" + t);
            }
            sleep(50);
            t = text.get();
        }
        return t;
    }

    /** Waits until the error log contains {@code expected}. */
    public String awaitErrorLog(String expected) {
        return awaitText(this::errorLog, expected, Duration.ofSeconds(10));
    }

    /** http://127.0.0.1:PORT + path, for the first port of the prefix. */
    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    /** A test class's teardown: stops {@code server} (checking for leaks), then removes {@code prefix}. */
    public static void stop(PorticoProcess server, TestPrefix prefix) {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            if (prefix != null) {
                prefix.close();
            }
        }
    }

    /** The same, then stops the back ends the test started (those not null). */
    public static void stop(PorticoProcess server, TestPrefix prefix,
                            dev.portico.e2e.upstream.UpstreamProcess... upstreams) {
        try {
            stop(server, prefix);
        } finally {
            for (dev.portico.e2e.upstream.UpstreamProcess u : upstreams) {
                if (u != null) {
                    u.close();
                }
            }
        }
    }

    /** Stops the server if it still runs, then fails on any leak report. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopQuietly();
        List<String> leaks = new ArrayList<>();
        for (String source : List.of(errorLog(), stderr())) {
            for (String line : source.split("\n")) {
                if (line.contains("LEAK:")) {
                    leaks.add(line);
                }
            }
        }
        if (!leaks.isEmpty()) {
            throw new AssertionError("Netty reported leaked buffers:\n" + String.join("\n", leaks)
                    + "\n--- error.log ---\n" + errorLog() + "--- stderr ---\n" + stderr());
        }
    }

    private void stopQuietly() {
        if (!handle.isAlive()) {
            return;
        }
        trySignal("QUIT");
        if (awaitDeath(Duration.ofSeconds(15))) {
            return;
        }
        trySignal("TERM");
        if (awaitDeath(Duration.ofSeconds(5))) {
            return;
        }
        handle.destroyForcibly();
        awaitDeath(Duration.ofSeconds(10));
    }

    private void trySignal(String name) {
        try {
            signal(name);
        } catch (AssertionError e) {
            // it may have exited meanwhile
        }
    }

    private boolean awaitDeath(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (handle.isAlive()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleep(50);
        }
        if (process != null) {
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return true;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
