package dev.portico.config;

import dev.portico.core.Snapshot;
import dev.portico.log.ErrorLog;
import dev.portico.log.LogLevel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads a configuration text from a real file, as the server does. */
public final class ConfigFixture {

    private ConfigFixture() {
    }

    public static Path write(Path dir, String text) {
        try {
            Files.createDirectories(dir.resolve("conf"));
            Path file = dir.resolve("conf/portico.conf");
            Files.writeString(file, text);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Snapshot load(Path dir, String text) throws ConfigException {
        Path file = write(dir, text);
        return Snapshot.load(dir, Snapshot.Source.file(file), null,
                new ErrorLog.Sink(null, LogLevel.ERROR));
    }
}
