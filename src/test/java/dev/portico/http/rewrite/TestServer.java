package dev.portico.http.rewrite;

import dev.portico.config.ConfigException;
import dev.portico.core.Snapshot;
import dev.portico.log.ErrorLog;
import dev.portico.log.LogLevel;
import dev.portico.server.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A real server on 127.0.0.1 for request-level tests: the http block's text
 * (with {@code PORT} standing for a free port) is written to a file in a
 * temporary folder, loaded as a snapshot and served by {@link HttpServer}.
 */
public final class TestServer implements AutoCloseable {

    /** One response as read off the wire; {@code status} is -1 when the server closed without answering. */
    public record Response(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final HttpServer server;
    private final int port;
    private final Path errorLog;

    private TestServer(HttpServer server, int port, Path errorLog) {
        this.server = server;
        this.port = port;
        this.errorLog = errorLog;
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Loads the configuration only (for error tests): the http block's text in a file named portico.conf. */
    public static Snapshot load(Path dir, String http) throws IOException, ConfigException {
        // A prefix has a logs/ folder, where the default access log goes.
        java.nio.file.Files.createDirectories(dir.resolve("logs"));
        Path file = dir.resolve("portico.conf");
        Files.writeString(file, "events {}\nhttp {\n" + http + "\n}\n");
        return Snapshot.load(dir, Snapshot.Source.file(file), null, new ErrorLog.Sink(null, LogLevel.ERROR));
    }

    public static TestServer start(Path dir, String http) throws Exception {
        int port = freePort();
        Path log = dir.resolve("error.log");
        Snapshot snapshot = load(dir, "error_log " + log + " notice;\n" + http.replace("PORT", Integer.toString(port)));
        snapshot.prepare();
        HttpServer server = new HttpServer(1, 256);
        server.start(snapshot.http());
        return new TestServer(server, port, log);
    }

    public int port() {
        return port;
    }

    public Response get(String target, String host) throws IOException {
        return request("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
    }

    public Response get(String target) throws IOException {
        return get(target, "localhost");
    }

    /** Sends raw request text and reads until the server closes the connection. */
    public Response request(String raw) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    all.write(buf, 0, n);
                }
            } catch (SocketTimeoutException e) {
                throw new IOException("no end of response within 5s: " + all.toString(StandardCharsets.ISO_8859_1));
            } catch (java.net.SocketException e) {
                // reset by the server (444): what was read is the answer
            }
            return parse(all.toString(StandardCharsets.UTF_8));
        }
    }

    private static Response parse(String text) {
        if (text.isEmpty()) {
            return new Response(-1, Map.of(), "");
        }
        int end = text.indexOf("\r\n\r\n");
        String head = end < 0 ? text : text.substring(0, end);
        String body = end < 0 ? "" : text.substring(end + 4);
        String[] lines = head.split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        return new Response(status, headers, body);
    }

    /** Waits up to two seconds for the error log to contain {@code text}; returns the log. */
    public String awaitLog(String text) throws Exception {
        long deadline = System.currentTimeMillis() + 2000;
        String content = "";
        while (System.currentTimeMillis() < deadline) {
            content = Files.exists(errorLog) ? Files.readString(errorLog) : "";
            if (content.contains(text)) {
                return content;
            }
            Thread.sleep(20);
        }
        return content;
    }

    @Override
    public void close() {
        server.stopNow();
    }
}
