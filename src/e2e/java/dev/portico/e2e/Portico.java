package dev.portico.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Where the built server is, and one-shot runs of {@code bin/portico} (-t, -v, -s ...). */
public final class Portico {

    private Portico() {
    }

    /** The project folder (system property portico.home, set by failsafe). */
    public static Path home() {
        String home = System.getProperty("portico.home");
        if (home == null || home.isEmpty()) {
            home = System.getProperty("user.dir");
        }
        return Path.of(home).toAbsolutePath().normalize();
    }

    public static Path launcher() {
        Path bin = home().resolve("bin/portico");
        if (!Files.isExecutable(bin)) {
            throw new AssertionError(bin + " is missing or not executable");
        }
        if (!Files.exists(home().resolve("target/portico.jar"))) {
            throw new AssertionError("target/portico.jar is missing; run the e2e tests with `mvn verify`");
        }
        return bin;
    }

    /** -Dio.netty.leakDetection.level from portico.leakLevel (paranoid unless told). */
    public static String javaOpts() {
        String level = System.getProperty("portico.leakLevel", "paranoid");
        return "-Dio.netty.leakDetection.level=" + level + " -Dio.netty.leakDetection.targetRecords=4";
    }

    /** A process builder for bin/portico with the test JAVA_OPTS, started in {@code workDir}. */
    static ProcessBuilder builder(Path workDir, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(launcher().toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
        Map<String, String> env = pb.environment();
        env.put("JAVA_OPTS", javaOpts());
        return pb;
    }

    /** Runs {@code bin/portico args...} in the prefix folder to completion (at most 60 s). */
    public static CommandResult run(TestPrefix prefix, String... args) {
        return run(prefix.dir(), Duration.ofSeconds(60), args);
    }

    /** Runs {@code bin/portico args...} in {@code workDir}; fails the test on a timeout. */
    public static CommandResult run(Path workDir, Duration timeout, String... args) {
        return exec(builder(workDir, List.of(args)), timeout);
    }

    /** Runs a command to completion with stdout and stderr captured to files; fails on a timeout. */
    static CommandResult exec(ProcessBuilder pb, Duration timeout) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("portico-e2e-out-", ".txt");
            err = Files.createTempFile("portico-e2e-err-", ".txt");
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", pb.command()) + " did not finish within " + timeout
                        + "\n--- stderr ---\n" + Files.readString(err));
            }
            return new CommandResult(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // temporary file
            }
        }
    }

    /** Sends a signal by name (HUP, QUIT, TERM, USR1 ...) with /bin/kill. */
    public static void kill(long pid, String signal) {
        CommandResult r = exec(new ProcessBuilder("/bin/kill", "-s", signal, Long.toString(pid)),
                Duration.ofSeconds(10));
        if (r.exitCode() != 0) {
            throw new AssertionError("kill -s " + signal + " " + pid + " failed: " + r);
        }
    }
}
