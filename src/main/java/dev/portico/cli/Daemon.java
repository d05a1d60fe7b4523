package dev.portico.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * nginx's {@code daemon on}. A JVM cannot fork, so the parent starts the same command line
 * again as a new process in its own session, waits until the child says it has started (or
 * failed, or died), and exits; the child is the server.
 *
 * <pre>
 *   if (daemon &amp;&amp; !Daemon.isChild()) System.exit(Daemon.launchAndWait(timeout));
 *   ... start ...
 *   if (Daemon.isChild()) { Daemon.reportReady(); Daemon.detachStdio(); }
 * </pre>
 */
public final class Daemon {

    /** Names the readiness file in the child's environment; its presence marks the child. */
    public static final String READY_ENV = "PORTICO_DAEMON_READY";

    private static final String SETSID = "/usr/bin/setsid";

    private Daemon() {
    }

    /** True in the process that {@link #launchAndWait} started. */
    public static boolean isChild() {
        String v = System.getenv(READY_ENV);
        return v != null && !v.isEmpty();
    }

    /**
     * Starts this JVM's command line again as a daemon and waits for it.
     *
     * @return 0 once the child reported ready; 1 when it reported failure, exited, or stayed
     *     silent past {@code timeout} (then it is killed); in those cases the child's captured
     *     output has been copied to this process's stderr
     */
    public static int launchAndWait(Duration timeout) throws IOException {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of(SETSID))) {
            // A new session: the daemon has no controlling terminal and a Ctrl-C in the shell
            // that started it does not reach it.
            command.add(SETSID);
        }
        command.addAll(currentCommandLine());

        Path ready = Files.createTempFile("portico-ready", ".state");
        Path output = Files.createTempFile("portico-start", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            pb.environment().put(READY_ENV, ready.toString());
            Process child = pb.start();

            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                String state = readState(ready);
                if (state.equals("ready")) {
                    return 0;
                }
                if (state.startsWith("failed")) {
                    copyOutput(output);
                    return 1;
                }
                if (!child.isAlive()) {
                    // It may have reported just before exiting.
                    state = readState(ready);
                    if (state.equals("ready")) {
                        return 0;
                    }
                    copyOutput(output);
                    if (!state.startsWith("failed")) {
                        System.err.println("portico: daemon process " + child.pid()
                                + " exited with code " + child.exitValue() + " before it was ready");
                    }
                    return 1;
                }
                if (System.nanoTime() - deadline > 0) {
                    copyOutput(output);
                    System.err.println("portico: daemon process " + child.pid()
                            + " did not start within " + timeout.toMillis() + " ms; killing it");
                    child.destroyForcibly();
                    return 1;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for the daemon", e);
                }
            }
        } finally {
            // The child keeps its open descriptors; the names are no longer needed.
            Files.deleteIfExists(ready);
            Files.deleteIfExists(output);
        }
    }

    /** In the child: tells the parent the server is up, so it exits 0. */
    public static void reportReady() throws IOException {
        report("ready");
    }

    /** In the child: tells the parent start-up failed, so it prints the child's output and exits 1. */
    public static void reportFailed() throws IOException {
        report("failed");
    }

    private static void report(String state) throws IOException {
        String path = System.getenv(READY_ENV);
        if (path == null || path.isEmpty()) {
            throw new IllegalStateException("not a daemon child: " + READY_ENV + " is not set");
        }
        Files.writeString(Path.of(path), state, StandardCharsets.US_ASCII);
    }

    /**
     * In the child once started: stdin, stdout and stderr go to /dev/null, as nginx's do.
     * With libportico the descriptors themselves are redirected (so the JVM's own messages
     * go too); System.out and System.err are replaced either way.
     */
    public static void detachStdio() {
        if (NativeProcess.isAvailable()) {
            try {
                NativeProcess.detachStdio();
            } catch (IOException e) {
                System.err.println("portico: " + e.getMessage());
            }
        }
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        System.setOut(nowhere);
        System.setErr(nowhere);
    }

    /** This JVM's command line: program and arguments, as the kernel has them. */
    static List<String> currentCommandLine() throws IOException {
        ProcessHandle.Info info = ProcessHandle.current().info();
        Optional<String> program = info.command();
        Optional<String[]> arguments = info.arguments();
        if (program.isPresent() && arguments.isPresent()) {
            List<String> out = new ArrayList<>();
            out.add(program.get());
            out.addAll(Arrays.asList(arguments.get()));
            return out;
        }
        byte[] raw = Files.readAllBytes(Path.of("/proc/self/cmdline"));
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                out.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < raw.length) {
            out.add(new String(raw, start, raw.length - start, StandardCharsets.UTF_8));
        }
        if (out.isEmpty()) {
            throw new IOException("cannot find this process's command line");
        }
        // argv[0] may be a bare "java" found through PATH; the running binary is exact.
        Path exe = Path.of("/proc/self/exe");
        if (Files.exists(exe)) {
            out.set(0, exe.toRealPath().toString());
        }
        return out;
    }

    private static String readState(Path ready) {
        try {
            return Files.readString(ready, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "";
        }
    }

    private static void copyOutput(Path output) {
        try {
            System.err.write(Files.readAllBytes(output));
            System.err.flush();
        } catch (IOException e) {
            System.err.println("portico: cannot read the daemon's output: " + e.getMessage());
        }
    }
}
