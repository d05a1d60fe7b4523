package dev.portico.cli;

import dev.portico.core.Snapshot;
import dev.portico.log.ErrorLog;
import dev.portico.log.LogLevel;
import dev.portico.server.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The build's training run for the JVM's class-data archive (AppCDS): it loads
 * a configuration, starts the server on a free loopback port and sends it a few
 * requests, so that the classes of a real start and request are in the archive
 * that `bin/portico` then maps at start-up (roughly halving the time to listen).
 * Started by the build with PORTICO_CDS_TRAINING set; not a user-facing mode.
 */
final class ClassDataTraining {

    private ClassDataTraining() {
    }

    static int run() throws Exception {
        Path prefix = Files.createTempDirectory("portico-cds-");
        Files.createDirectories(prefix.resolve("logs"));
        Files.createDirectories(prefix.resolve("html"));
        Files.writeString(prefix.resolve("html/index.html"), "<html>training</html>\n");
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        String text = "daemon off;\nevents { }\nhttp {\n  access_log logs/access.log;\n  server {\n"
                + "    listen 127.0.0.1:" + port + ";\n    location / { root html; }\n"
                + "    location = /r { return 301 /; }\n  }\n}\n";
        Path conf = prefix.resolve("portico.conf");
        Files.writeString(conf, text);
        Snapshot snapshot = Snapshot.load(prefix, Snapshot.Source.file(conf), null,
                new ErrorLog.Sink(prefix.resolve("logs/error.log"), LogLevel.ERROR));
        snapshot.prepare();
        // The requests log (a 404 among them) into the training prefix, not on the build's console.
        ErrorLog.install(snapshot.errorLog());
        HttpServer server = new HttpServer(1, 64);
        try {
            server.start(snapshot.http());
            for (String path : new String[] {"/", "/index.html", "/missing", "/r"}) {
                request(port, path);
            }
        } finally {
            server.stopNow();
            snapshot.close();
            ErrorLog.current().flush();
            deleteTree(prefix);
        }
        return 0;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void request(int port, String path) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: training\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            while (in.read() >= 0) {
                // Read the whole response so that the server completes it.
            }
        }
    }
}
