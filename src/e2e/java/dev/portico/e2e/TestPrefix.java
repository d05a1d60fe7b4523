package dev.portico.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A temporary server prefix (conf/, logs/, html/) with free loopback ports.
 *
 * <p>Text written through {@link #write} and {@link #config} has its placeholders replaced:
 * {@code %%PORT%%}, {@code %%PORT2%%}, {@code %%PORT3%%} (free ports on 127.0.0.1) and
 * {@code %%PREFIX%%} (the prefix folder). The folder is deleted by {@link #close} unless the
 * system property {@code portico.keepPrefix} is set.
 */
public final class TestPrefix implements AutoCloseable {

    public static final String CONF = "conf/portico.conf";

    private final Path dir;
    private final int[] ports = new int[3];

    private TestPrefix(Path dir) {
        this.dir = dir;
        for (int i = 0; i < ports.length; i++) {
            ports[i] = freePort();
        }
    }

    /** A new prefix with empty conf/, logs/ and html/ folders. */
    public static TestPrefix create() {
        try {
            Path dir = Files.createTempDirectory("portico-e2e-").toRealPath();
            Files.createDirectories(dir.resolve("conf"));
            Files.createDirectories(dir.resolve("logs"));
            Files.createDirectories(dir.resolve("html"));
            return new TestPrefix(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new prefix whose conf/portico.conf is {@code config} (placeholders replaced). */
    public static TestPrefix withConfig(String config) {
        TestPrefix p = create();
        p.config(config);
        return p;
    }

    /** A port nobody listens on right now (bound to 127.0.0.1:0, then closed). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path dir() {
        return dir;
    }

    public Path path(String relative) {
        return dir.resolve(relative);
    }

    /** %%PORT%%. */
    public int port() {
        return ports[0];
    }

    /** 1: %%PORT%%, 2: %%PORT2%%, 3: %%PORT3%%. */
    public int port(int n) {
        return ports[n - 1];
    }

    public String substitute(String text) {
        return text.replace("%%PORT%%", String.valueOf(ports[0]))
                .replace("%%PORT2%%", String.valueOf(ports[1]))
                .replace("%%PORT3%%", String.valueOf(ports[2]))
                .replace("%%PREFIX%%", dir.toString());
    }

    /** Writes conf/portico.conf. */
    public TestPrefix config(String text) {
        return write(CONF, text);
    }

    /** Writes a file under the prefix (folders created), placeholders replaced. */
    public TestPrefix write(String relative, String text) {
        try {
            Path p = dir.resolve(relative);
            Files.createDirectories(p.getParent());
            Files.writeString(p, substitute(text), StandardCharsets.UTF_8);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The text of a file under the prefix, "" when it does not exist. */
    public String read(String relative) {
        Path p = dir.resolve(relative);
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String errorLog() {
        return read("logs/error.log");
    }

    public String accessLog() {
        return read("logs/access.log");
    }

    public Path pidFile() {
        return dir.resolve("logs/portico.pid");
    }

    @Override
    public void close() {
        if (System.getProperty("portico.keepPrefix") != null) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder left behind is harmless
        }
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
