package dev.portico.proxy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Gunicorn serving examples/flaskapp on 127.0.0.1:{@code port} and on the unix socket
 * {@code dir/app.sock} (4 sync workers): a short form of
 * {@link dev.portico.e2e.upstream.Gunicorn}, the one launcher, which new tests use directly.
 */
public final class Gunicorn implements AutoCloseable {

    private final dev.portico.e2e.upstream.Gunicorn server;
    public final int port;
    public final Path socket;

    private Gunicorn(dev.portico.e2e.upstream.Gunicorn server, int port, Path socket) {
        this.server = server;
        this.port = port;
        this.socket = socket;
    }

    /** Starts Gunicorn in {@code dir} (its logs go there) and waits until both sockets accept. */
    public static Gunicorn start(Path dir, int port) throws IOException, InterruptedException {
        Path socket = dir.resolve("app.sock");
        return new Gunicorn(dev.portico.e2e.upstream.Gunicorn.start(dir,
                List.of("127.0.0.1:" + port, "unix:" + socket), 4, "sync", Duration.ofSeconds(60)), port, socket);
    }

    /** The launcher's own handle: logs, pid. */
    public dev.portico.e2e.upstream.Gunicorn server() {
        return server;
    }

    @Override
    public void close() throws InterruptedException {
        server.close();
    }
}
