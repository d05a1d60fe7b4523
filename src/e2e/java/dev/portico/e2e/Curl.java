package dev.portico.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Runs /usr/bin/curl; a missing curl fails the test (scripts/install-test-deps.sh installs it). */
public final class Curl {

    public static final Path CURL = Path.of("/usr/bin/curl");

    private Curl() {
    }

    /** {@code curl -sS --max-time 20 args...}. */
    public static CommandResult run(String... args) {
        if (!Files.isExecutable(CURL)) {
            throw new AssertionError(CURL + " is missing; run scripts/install-test-deps.sh");
        }
        List<String> command = new ArrayList<>(List.of(CURL.toString(), "-sS", "--max-time", "20"));
        command.addAll(List.of(args));
        return Portico.exec(new ProcessBuilder(command), Duration.ofSeconds(30));
    }

    /** Runs curl, which must succeed, and parses the first response in its output (curl -i / -I). */
    public static RawResponse response(String... args) {
        CommandResult r = run(args);
        if (r.exitCode() != 0) {
            throw new AssertionError("curl failed: " + r);
        }
        return RawConnection.parseAll(r.stdout()).get(0);
    }
}
