package dev.portico.e2e.upstream;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Debian's uWSGI ({@code /usr/bin/uwsgi --plugin python3}) running examples/flaskapp with its
 * uwsgi.ini (master, processes, threads, chmod-socket = 660, vacuum, harakiri, buffer-size
 * 65535, die-on-term), speaking the uwsgi protocol on {@code socket}, until {@link #close()}.
 *
 * <p>The ini's socket and harakiri are set through the environment (FLASKAPP_SOCKET,
 * FLASKAPP_HARAKIRI): a {@code --socket} on the command line would add a second socket to the
 * ini's instead of replacing it. Everything goes to workDir/uwsgi.log ({@link #log()}: worker
 * spawns, "HARAKIRI" lines), the master's pid to workDir/uwsgi.pid.
 */
public final class Uwsgi extends UpstreamProcess {

    public static final Path BINARY = Path.of("/usr/bin/uwsgi");
    public static final Path PYTHON3_PLUGIN = Path.of("/usr/lib/uwsgi/plugins/python3_plugin.so");

    private final Path workDir;
    private final String socket;
    private final String httpSocket;

    private Uwsgi(Path workDir, String socket, String httpSocket, Process process) {
        super("uwsgi", process, () -> readIfExists(workDir.resolve("uwsgi.log"))
                + readIfExists(workDir.resolve("uwsgi.stderr")));
        this.workDir = workDir;
        this.socket = socket;
        this.httpSocket = httpSocket;
    }

    /**
     * Starts uWSGI and waits until {@code socket} accepts connections.
     *
     * @param socket   {@code "127.0.0.1:PORT"} or a unix socket path (created with mode 660)
     * @param harakiri a request running longer gets its worker killed ("HARAKIRI" in the log)
     */
    public static Uwsgi start(Path workDir, String socket, int processes, int threads, Duration harakiri) {
        return start(workDir, socket, processes, threads, harakiri, null);
    }

    /** As {@link #start(Path, String, int, int, Duration)}, plus plain HTTP on {@code httpSocket} ("127.0.0.1:PORT"). */
    public static Uwsgi start(Path workDir, String socket, int processes, int threads, Duration harakiri,
                              String httpSocket) {
        return start(workDir, socket, processes, threads, harakiri, httpSocket, null);
    }

    /**
     * As {@link #start(Path, String, int, int, Duration)}, plus the uwsgi protocol over TLS on
     * {@code suwsgiSocket} ("127.0.0.1:PORT"), with {@code certFile} (and its chain) and {@code keyFile}.
     */
    public static Uwsgi startWithTls(Path workDir, String socket, int processes, int threads, Duration harakiri,
                                     String suwsgiSocket, Path certFile, Path keyFile) {
        return start(workDir, socket, processes, threads, harakiri, null,
                List.of(suwsgiSocket, suwsgiSocket + "," + certFile + "," + keyFile));
    }

    /** @param suwsgi null, or the TLS socket's address and its --suwsgi-socket value */
    private static Uwsgi start(Path workDir, String socket, int processes, int threads, Duration harakiri,
                               String httpSocket, List<String> suwsgi) {
        requireInstalled(BINARY, "uwsgi");
        requireInstalled(PYTHON3_PLUGIN, "uwsgi-plugin-python3");
        requireInstalled(Path.of("/usr/lib/python3/dist-packages/flask"), "python3-flask");
        Path app = flaskAppDir();
        String harakiriSeconds = String.valueOf(Math.max(1, harakiri.toSeconds()));
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString(),
                "--plugin", "python3",
                "--ini", app.resolve("uwsgi.ini").toString(),
                // Options after --ini replace its single-valued settings.
                "--chdir", app.toString(),
                "--processes", String.valueOf(processes),
                "--threads", String.valueOf(threads),
                "--chmod-socket=660",
                "--harakiri", harakiriSeconds,
                "--logto", workDir.resolve("uwsgi.log").toString(),
                "--pidfile", workDir.resolve("uwsgi.pid").toString()));
        List<String> waitFor = new ArrayList<>(List.of(socket));
        if (httpSocket != null) {
            cmd.add("--http-socket");
            cmd.add(httpSocket);
            waitFor.add(httpSocket);
        }
        if (suwsgi != null) {
            cmd.add("--suwsgi-socket");
            cmd.add(suwsgi.get(1));
            waitFor.add(suwsgi.get(0));
        }
        Map<String, String> env = new java.util.HashMap<>(instanceEnvironment(workDir));
        env.put("FLASKAPP_SOCKET", socket);
        env.put("FLASKAPP_HARAKIRI", harakiriSeconds);
        Process p = launch(workDir, "uwsgi", cmd, env);
        Uwsgi u = new Uwsgi(workDir, socket, httpSocket, p);
        u.awaitAccepting(waitFor);
        u.awaitWorkers(processes);
        return u;
    }

    /** Waits for the app to be loaded and every worker spawned (uWSGI binds before loading the app). */
    private void awaitWorkers(int processes) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            String log = log();
            if (log.contains("WSGI app 0 (mountpoint='') ready")
                    && log.contains("spawned uWSGI worker " + processes + " ")) {
                return;
            }
            if (log.contains("no app loaded") || !isAlive() || System.nanoTime() > deadline) {
                String why = "uwsgi did not load examples/flaskapp\n" + describe();
                close();
                throw new AssertionError(why);
            }
            sleep(50);
        }
    }

    /** The uwsgi-protocol socket as given. */
    public String socket() {
        return socket;
    }

    /** The unix socket's path, or null on TCP. */
    public Path socketPath() {
        return unixPath(socket);
    }

    /** The TCP port of the uwsgi-protocol socket; fails for a unix socket. */
    public int port() {
        if (socketPath() != null) {
            throw new IllegalStateException("uwsgi listens on " + socket);
        }
        return tcpPort(socket);
    }

    /** The --http-socket port; fails when there is none. */
    public int httpPort() {
        if (httpSocket == null) {
            throw new IllegalStateException("uwsgi was started without --http-socket");
        }
        return tcpPort(httpSocket);
    }

    /** The text of workDir/uwsgi.log so far (harakiri lines: "HARAKIRI ON WORKER"). */
    public String log() {
        return readIfExists(workDir.resolve("uwsgi.log"));
    }

    public Path logFile() {
        return workDir.resolve("uwsgi.log");
    }

    @Override
    void afterStop() {
        // vacuum removes the socket on a clean exit; after a KILL it stays behind.
        Path unix = socketPath();
        if (unix != null) {
            try {
                Files.deleteIfExists(unix);
            } catch (java.io.IOException ignored) {
                // a leftover socket file in a temporary folder is harmless
            }
        }
    }
}
