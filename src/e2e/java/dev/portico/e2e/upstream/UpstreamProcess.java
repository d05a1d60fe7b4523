package dev.portico.e2e.upstream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * What the back-end servers of the e2e tests share: a child process started from
 * examples/flaskapp, readiness by connecting to its sockets, and a stop that sends TERM to
 * the process (the server's master) and then kills it and whatever it left behind.
 */
public abstract class UpstreamProcess implements AutoCloseable {

    static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

    private final String name;
    private final Process process;
    private final Supplier<String> log;
    private boolean closed;

    UpstreamProcess(String name, Process process, Supplier<String> log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** examples/flaskapp under the project folder (system property portico.home, set by failsafe). */
    public static Path flaskAppDir() {
        String home = System.getProperty("portico.home");
        Path base = home != null ? Path.of(home) : Path.of("").toAbsolutePath();
        Path dir = base.resolve("examples/flaskapp").normalize();
        if (!Files.isRegularFile(dir.resolve("wsgi.py"))) {
            throw new AssertionError("no Flask test app at " + dir + " (is portico.home set?)");
        }
        return dir;
    }

    /** Fails the test (never skips) when a file a Debian package installs is missing. */
    static void requireInstalled(Path file, String debianPackage) {
        if (!Files.exists(file)) {
            throw new AssertionError(file + " is missing: install the Debian package " + debianPackage
                    + " (scripts/install-test-deps.sh installs every test dependency)");
        }
    }

    /** Starts {@code command} in {@code workDir}, stdout and stderr into workDir/{prefix}.stdout|stderr. */
    static Process launch(Path workDir, String prefix, List<String> command, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
        // The Debian servers run Debian's python3: keep a pyenv or virtualenv from leaking in.
        pb.environment().keySet().removeIf(k -> k.startsWith("PYTHON") || k.startsWith("PYENV")
                || k.equals("VIRTUAL_ENV") || k.startsWith("UWSGI_"));
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1"); // no __pycache__ in examples/flaskapp
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.redirectOutput(workDir.resolve(prefix + ".stdout").toFile());
        pb.redirectError(workDir.resolve(prefix + ".stderr").toFile());
        try {
            Files.createDirectories(workDir);
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /**
     * The app's identity (its work folder's name, in /echo's "instance" and /health) and the
     * folder whose file {@code unhealthy} makes /health answer 503.
     */
    static Map<String, String> instanceEnvironment(Path workDir) {
        return Map.of("FLASKAPP_INSTANCE", workDir.getFileName().toString(),
                "FLASKAPP_STATE_DIR", workDir.toAbsolutePath().toString());
    }

    /** Makes this instance's /health answer 503 (true) or 200 (false); other requests are unaffected. */
    public static void setUnhealthy(Path workDir, boolean unhealthy) throws IOException {
        Path flag = workDir.resolve("unhealthy");
        if (unhealthy) {
            Files.writeString(flag, "");
        } else {
            Files.deleteIfExists(flag);
        }
    }

    /** "unix:/path" or "/path" → the path; null for host:port. */
    static Path unixPath(String address) {
        if (address.startsWith("unix:")) {
            return Path.of(address.substring("unix:".length()));
        }
        return address.startsWith("/") || address.startsWith(".") ? Path.of(address) : null;
    }

    /** "host:port" → its port. */
    static int tcpPort(String address) {
        int colon = address.lastIndexOf(':');
        return Integer.parseInt(address.substring(colon + 1));
    }

    static String tcpHost(String address) {
        String host = address.substring(0, address.lastIndexOf(':'));
        return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    }

    /** True when something accepts a connection at {@code address} (unix path or host:port). */
    static boolean accepts(String address) {
        Path unix = unixPath(address);
        try {
            if (unix != null) {
                if (!Files.exists(unix)) {
                    return false;
                }
                try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    ch.connect(UnixDomainSocketAddress.of(unix));
                    return true;
                }
            }
            try (SocketChannel ch = SocketChannel.open()) {
                ch.connect(new InetSocketAddress(tcpHost(address), tcpPort(address)));
                return true;
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits until every address accepts; fails with the log when the process exits or time runs out. */
    void awaitAccepting(List<String> addresses) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        for (String address : addresses) {
            while (!accepts(address)) {
                if (!process.isAlive()) {
                    String why = name + " exited with status " + process.exitValue()
                            + " before accepting on " + address + "\n" + describe();
                    close();
                    throw new AssertionError(why);
                }
                if (System.nanoTime() > deadline) {
                    String why = name + " did not accept on " + address + " within " + START_TIMEOUT
                            + "\n" + describe();
                    close();
                    throw new AssertionError(why);
                }
                sleep(50);
            }
        }
    }

    String describe() {
        return "--- " + name + " log ---\n" + log.get();
    }

    /** The server's master process id (the process this harness started). */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Kills the server as a crash would: SIGKILL, by pid, to the master and then to each of its
     * workers (they hold the listening socket too, and would outlive a killed master), then
     * waits until every one has ended, so that the address refuses connections. Nothing is
     * closed gracefully; connections in progress are cut, and a unix socket's file stays behind
     * as after a crash ({@link #close()} still removes it).
     */
    public void kill() {
        List<ProcessHandle> workers = process.descendants().toList();
        process.destroyForcibly();
        workers.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        for (ProcessHandle h : Stream.concat(Stream.of(process.toHandle()), workers.stream()).toList()) {
            while (!ended(h)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(name + " process " + h.pid() + " outlived SIGKILL");
                }
                sleep(20);
            }
        }
    }

    /**
     * Gone, or a zombie: a killed worker is re-parented to the machine's first process,
     * which may be slow to reap it, but a zombie holds no socket any more.
     */
    private static boolean ended(ProcessHandle h) {
        if (!h.isAlive()) {
            return true;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + h.pid() + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return true; // no such process any more
        }
    }

    /** TERM to the master, a wait of up to 15 s, then KILL to it and any process it left. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy(); // SIGTERM
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
        afterStop();
    }

    /** Cleanup once the process is gone. */
    void afterStop() {
    }

    static String readIfExists(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
