package dev.portico.proxy;

import dev.portico.config.ConfigException;
import dev.portico.core.Snapshot;
import dev.portico.log.ErrorLog;
import dev.portico.log.LogLevel;
import dev.portico.server.HttpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A configuration file in a prefix folder, loaded, prepared and served in this JVM. */
final class RunningServer implements AutoCloseable {

    private final Snapshot snapshot;
    private final HttpServer server;

    private RunningServer(Snapshot snapshot, HttpServer server) {
        this.snapshot = snapshot;
        this.server = server;
    }

    static RunningServer start(Path prefix, String conf) throws IOException, ConfigException {
        return start(prefix, conf, 1);
    }

    /**
     * An http block's {@code body} served on {@code eventLoops} threads, with its error log at info in
     * prefix/error.log; "PORT" in the body stands for {@code port}.
     */
    static RunningServer http(Path prefix, int port, String body, int eventLoops) throws IOException,
            ConfigException {
        String conf = """
                events {}
                http {
                    error_log ERRLOG info;
                    access_log off;
                    BODY
                }
                """.replace("BODY", body).replace("ERRLOG", prefix.resolve("error.log").toString())
                .replace("PORT", Integer.toString(port));
        return start(prefix, conf, eventLoops);
    }

    /** The server on {@code eventLoops} threads (worker_processes' counterpart). */
    static RunningServer start(Path prefix, String conf, int eventLoops) throws IOException, ConfigException {
        Files.createDirectories(prefix.resolve("logs"));
        Path file = prefix.resolve("portico.conf");
        Files.writeString(file, conf);
        Snapshot snapshot = Snapshot.load(prefix, Snapshot.Source.file(file), null,
                new ErrorLog.Sink(null, LogLevel.ERROR));
        snapshot.prepare();
        HttpServer server = new HttpServer(eventLoops, 256);
        try {
            server.start(snapshot.http());
        } catch (IOException e) {
            server.stopNow();
            snapshot.close();
            throw e;
        }
        return new RunningServer(snapshot, server);
    }

    /** Closes what a test class started, those that started (null is skipped), in order. */
    static void closeAll(AutoCloseable... started) throws Exception {
        for (AutoCloseable c : started) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Override
    public void close() {
        server.stopNow();
        snapshot.close();
    }
}
