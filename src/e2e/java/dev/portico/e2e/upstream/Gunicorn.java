package dev.portico.e2e.upstream;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Debian's Gunicorn ({@code /usr/bin/gunicorn}) serving examples/flaskapp ({@code wsgi:application})
 * over HTTP on a TCP or unix socket, until {@link #close()}.
 *
 * <pre>
 * try (Gunicorn g = Gunicorn.start(dir, "127.0.0.1:" + port, 2, "sync", Duration.ofSeconds(30))) {
 *     ... http://127.0.0.1:port/echo ...
 * }
 * </pre>
 *
 * Logs go to workDir: gunicorn-access.log, gunicorn-error.log, gunicorn.stdout/.stderr; the
 * master's pid to gunicorn.pid. Sync workers answer every request with {@code Connection: close};
 * gthread workers keep HTTP/1.1 connections alive.
 */
public final class Gunicorn extends UpstreamProcess {

    public static final Path BINARY = Path.of("/usr/bin/gunicorn");

    private final Path workDir;
    private final String bind;

    private Gunicorn(Path workDir, String bind, Process process) {
        super("gunicorn", process, () -> readIfExists(workDir.resolve("gunicorn-error.log"))
                + readIfExists(workDir.resolve("gunicorn.stderr")));
        this.workDir = workDir;
        this.bind = bind;
    }

    /**
     * Starts Gunicorn and waits until {@code bind} accepts connections.
     *
     * @param bind        {@code "127.0.0.1:PORT"} or {@code "unix:/path.sock"}
     * @param workerClass {@code "sync"} or {@code "gthread"} (the classes Debian's gunicorn runs without
     *                    extra packages)
     * @param timeout     --timeout: a worker silent for longer is killed and restarted
     */
    public static Gunicorn start(Path workDir, String bind, int workers, String workerClass, Duration timeout) {
        requireInstalled(BINARY, "gunicorn");
        requireInstalled(Path.of("/usr/lib/python3/dist-packages/flask"), "python3-flask");
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString(),
                "--chdir", flaskAppDir().toString(),
                "--bind", bind,
                "--workers", String.valueOf(workers),
                "--worker-class", workerClass,
                "--timeout", String.valueOf(Math.max(1, timeout.toSeconds())),
                // TERM is graceful: waits for requests in flight up to this long.
                "--graceful-timeout", "5",
                "--access-logfile", workDir.resolve("gunicorn-access.log").toString(),
                "--error-logfile", workDir.resolve("gunicorn-error.log").toString(),
                "--pid", workDir.resolve("gunicorn.pid").toString(),
                "wsgi:application"));
        Process p = launch(workDir, "gunicorn", cmd, Map.of());
        Gunicorn g = new Gunicorn(workDir, bind, p);
        g.awaitAccepting(List.of(bind));
        return g;
    }

    /** The bind address as given. */
    public String bind() {
        return bind;
    }

    /** The TCP port; fails for a unix socket. */
    public int port() {
        if (socketPath() != null) {
            throw new IllegalStateException("gunicorn listens on " + bind);
        }
        return tcpPort(bind);
    }

    /** http://host:port{path} for a TCP bind. */
    public URI uri(String path) {
        return URI.create("http://" + bind.substring(0, bind.lastIndexOf(':')) + ":" + port() + path);
    }

    /** The unix socket's path, or null on TCP. */
    public Path socketPath() {
        return unixPath(bind);
    }

    public String errorLog() {
        return readIfExists(workDir.resolve("gunicorn-error.log"));
    }

    public String accessLog() {
        return readIfExists(workDir.resolve("gunicorn-access.log"));
    }
}
