package dev.portico.testing;

import dev.portico.config.ConfSet;
import dev.portico.config.ConfigException;
import dev.portico.core.Snapshot;
import dev.portico.files.HttpDates;
import dev.portico.http.ContentHandler;
import dev.portico.http.Flow;
import dev.portico.http.HeaderNames;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.RequestProcessor;
import dev.portico.http.ResponseBody;
import dev.portico.log.ErrorLog;
import dev.portico.log.LogLevel;
import dev.portico.server.HttpServer;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real configuration on a real server for request-level tests: writes the
 * configuration into a folder that is also the prefix (with logs/), loads and
 * prepares it, and serves it on a free port of 127.0.0.1.
 */
public final class TestServer implements AutoCloseable {

    /** Replaced by the chosen port in configuration text. */
    public static final String PORT = "@PORT@";

    private final Snapshot snapshot;
    private final HttpServer server;
    private final int port;
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private TestServer(Snapshot snapshot, HttpServer server, int port) {
        this.snapshot = snapshot;
        this.server = server;
        this.port = port;
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads {@code conf} from {@code dir}/nginx.conf with {@code dir} as the prefix; nothing is opened. */
    public static Snapshot load(Path dir, String conf) throws IOException, ConfigException {
        Files.createDirectories(dir.resolve("logs"));
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, conf, StandardCharsets.UTF_8);
        return Snapshot.load(dir, Snapshot.Source.file(file), null, new ErrorLog.Sink(null, LogLevel.ERROR));
    }

    /**
     * Starts {@code conf} (with {@link #PORT} replaced). Every location gets a
     * content handler that answers a URI ending in "ok" with 200 and the body "ok"
     * (Last-Modified from the "lm" argument in epoch seconds, an ETag "orig");
     * other URIs fall through to nginx's 404.
     */
    public static TestServer start(Path dir, String conf) throws IOException, ConfigException {
        int port = freePort();
        Snapshot snapshot = load(dir, conf.replace(PORT, Integer.toString(port)));
        for (ConfSet set : HttpCoreModule.locationConfs(snapshot.build())) {
            set.get(HttpCoreModule.CORE).setHandler(OK_HANDLER);
        }
        snapshot.prepare();
        HttpServer server = new HttpServer(1, 256);
        try {
            server.start(snapshot.http());
        } catch (IOException e) {
            server.stopNow();
            snapshot.close();
            throw e;
        }
        return new TestServer(snapshot, server, port);
    }

    private static final ContentHandler OK_HANDLER = x -> {
        if (!x.uri().endsWith("ok")) {
            return Flow.NEXT;
        }
        String lm = dev.portico.testing.TestServer.arg(x.args(), "lm");
        if (lm != null) {
            x.responseHeaders().set(HeaderNames.LAST_MODIFIED, HttpDates.formatSeconds(Long.parseLong(lm)));
        }
        x.responseHeaders().set(HeaderNames.ETAG, "\"orig\"");
        x.responseHeaders().set(HeaderNames.CONTENT_TYPE, "text/plain");
        RequestProcessor.send(x, 200, new ResponseBody.Bytes(
                Unpooled.wrappedBuffer("ok".getBytes(StandardCharsets.US_ASCII))));
        return Flow.DONE;
    };

    static String arg(String args, String name) {
        if (args == null) {
            return null;
        }
        for (String part : args.split("&")) {
            if (part.startsWith(name + "=")) {
                return part.substring(name.length() + 1);
            }
        }
        return null;
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    public int port() {
        return port;
    }

    /** GET {@code path} with header name/value pairs. */
    public HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.GET().build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
    }

    @Override
    public void close() {
        server.stopNow();
        snapshot.close();
    }
}
