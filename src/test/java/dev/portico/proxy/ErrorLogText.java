package dev.portico.proxy;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** An error log written by the server's log thread, read once it holds what a test waits for. */
final class ErrorLogText {

    private ErrorLogText() {
    }

    /** The log's text once it contains {@code expected}; fails with the text after five seconds. */
    static String containing(Path log, String expected) {
        String[] text = {""};
        try {
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> {
                text[0] = read(log);
                return text[0].contains(expected);
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("error log lacks [" + expected + "]:\n" + text[0], e);
        }
        return text[0];
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
