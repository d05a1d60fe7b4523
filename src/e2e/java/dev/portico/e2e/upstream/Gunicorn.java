package dev.portico.e2e.upstream;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Debian's Gunicorn ({@code /usr/bin/gunicorn}) serving examples/flaskapp ({@code wsgi:application})
 * over HTTP on one or more TCP and unix sockets (or over HTTPS: {@link #startTls}), until {@link #close()}. The in-JVM proxy tests
 * and the end-to-end tests both use it.
 *
 * <pre>
 * try (Gunicorn g = Gunicorn.start(dir, List.of("127.0.0.1:" + port, "unix:" + dir.resolve("app.sock")),
 *         2, "sync", Duration.ofSeconds(30))) {
 *     ... http://127.0.0.1:port/echo ... or g.socketPath() ...
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
    private final List<String> binds;

    private Gunicorn(Path workDir, List<String> binds, Process process) {
        super("gunicorn", process, () -> readIfExists(workDir.resolve("gunicorn-error.log"))
                + readIfExists(workDir.resolve("gunicorn.stderr")));
        this.workDir = workDir;
        this.binds = binds;
    }

    /**
     * Starts Gunicorn on one address and waits until it accepts connections.
     *
     * @param bind        {@code "127.0.0.1:PORT"} or {@code "unix:/path.sock"}
     * @param workerClass {@code "sync"} or {@code "gthread"} (the classes Debian's gunicorn runs without
     *                    extra packages)
     * @param timeout     --timeout: a worker silent for longer is killed and restarted
     */
    public static Gunicorn start(Path workDir, String bind, int workers, String workerClass, Duration timeout) {
        return start(workDir, List.of(bind), workers, workerClass, timeout);
    }

    /** Starts Gunicorn listening on every address of {@code binds} and waits until each accepts. */
    public static Gunicorn start(Path workDir, List<String> binds, int workers, String workerClass,
                                 Duration timeout) {
        return start(workDir, binds, workers, workerClass, timeout, List.of());
    }

    /**
     * Starts Gunicorn serving HTTPS on {@code bind}: {@code certFile} (the server's certificate, then
     * its intermediates) and {@code keyFile} as Gunicorn's --certfile and --keyfile.
     */
    public static Gunicorn startTls(Path workDir, String bind, int workers, String workerClass, Duration timeout,
                                    Path certFile, Path keyFile) {
        return start(workDir, List.of(bind), workers, workerClass, timeout,
                List.of("--certfile", certFile.toString(), "--keyfile", keyFile.toString()));
    }

    private static Gunicorn start(Path workDir, List<String> binds, int workers, String workerClass,
                                  Duration timeout, List<String> tls) {
        requireInstalled(BINARY, "gunicorn");
        requireInstalled(Path.of("/usr/lib/python3/dist-packages/flask"), "python3-flask");
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--chdir", flaskAppDir().toString()));
        for (String bind : binds) {
            cmd.addAll(List.of("--bind", bind));
        }
        cmd.addAll(List.of(
                "--workers", String.valueOf(workers),
                "--worker-class", workerClass,
                "--timeout", String.valueOf(Math.max(1, timeout.toSeconds())),
                // TERM is graceful: waits for requests in flight up to this long.
                "--graceful-timeout", "5",
                "--access-logfile", workDir.resolve("gunicorn-access.log").toString(),
                "--error-logfile", workDir.resolve("gunicorn-error.log").toString(),
                "--pid", workDir.resolve("gunicorn.pid").toString()));
        cmd.addAll(tls);
        cmd.add("wsgi:application");
        Process p = launch(workDir, "gunicorn", cmd, instanceEnvironment(workDir));
        Gunicorn g = new Gunicorn(workDir, List.copyOf(binds), p);
        g.awaitAccepting(binds);
        return g;
    }

    /** The first bind address as given. */
    public String bind() {
        return binds.get(0);
    }

    /** The port of the first TCP bind address; fails when every address is a unix socket. */
    public int port() {
        return tcpPort(tcpBind());
    }

    /** http://host:port{path} for the first TCP bind address. */
    public URI uri(String path) {
        String bind = tcpBind();
        return URI.create("http://" + bind.substring(0, bind.lastIndexOf(':')) + ":" + tcpPort(bind) + path);
    }

    /** The path of the first unix socket bind address, or null when every address is TCP. */
    public Path socketPath() {
        return binds.stream().map(UpstreamProcess::unixPath).filter(p -> p != null).findFirst().orElse(null);
    }

    private String tcpBind() {
        return binds.stream().filter(b -> unixPath(b) == null).findFirst()
                .orElseThrow(() -> new IllegalStateException("gunicorn listens on " + binds + " only"));
    }

    public String errorLog() {
        return readIfExists(workDir.resolve("gunicorn-error.log"));
    }

    public String accessLog() {
        return readIfExists(workDir.resolve("gunicorn-access.log"));
    }
}
