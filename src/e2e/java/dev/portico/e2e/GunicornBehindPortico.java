package dev.portico.e2e;

import dev.portico.e2e.upstream.Gunicorn;
import dev.portico.proxy.RawClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The proxy_pass tests' set-up: a fresh prefix, Gunicorn running examples/flaskapp on a free
 * TCP port and on the unix socket app/app.sock of the prefix, and bin/portico started on a
 * configuration in which {@code %%APP%%} stands for Gunicorn's port and {@code %%SOCK%%} for its
 * socket (besides the prefix's own placeholders). {@link #close()} stops both, checks Portico for
 * leaks and removes the prefix.
 */
final class GunicornBehindPortico implements AutoCloseable {

    private final TestPrefix prefix;
    private final Gunicorn app;
    private PorticoProcess server;

    private GunicornBehindPortico(TestPrefix prefix, Gunicorn app) {
        this.prefix = prefix;
        this.app = app;
    }

    /** Starts Gunicorn with {@code workers} sync workers; Portico starts with {@link #serve}. */
    static GunicornBehindPortico start(int workers) {
        TestPrefix prefix = TestPrefix.create();
        Path appDir = prefix.path("app");
        try {
            return new GunicornBehindPortico(prefix, Gunicorn.start(appDir,
                    List.of("127.0.0.1:" + TestPrefix.freePort(), "unix:" + appDir.resolve("app.sock")), workers,
                    "sync", Duration.ofSeconds(60)));
        } catch (RuntimeException | Error e) {
            prefix.close();
            throw e;
        }
    }

    /** Writes conf/portico.conf from {@code config} and starts bin/portico on it. */
    GunicornBehindPortico serve(String config) {
        prefix.config(config.replace("%%APP%%", Integer.toString(app.port()))
                .replace("%%SOCK%%", app.socketPath().toString()));
        server = PorticoProcess.start(prefix);
        return this;
    }

    TestPrefix prefix() {
        return prefix;
    }

    Gunicorn app() {
        return app;
    }

    PorticoProcess server() {
        return server;
    }

    /** GET {@code target} with {@code Host: host} on a connection of its own; the whole response. */
    RawClient.Response get(String host, String target) throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            c.send("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
            return c.read(false);
        }
    }

    @Override
    public void close() {
        try {
            PorticoProcess.stop(server, prefix);
        } finally {
            app.close();
        }
    }
}
