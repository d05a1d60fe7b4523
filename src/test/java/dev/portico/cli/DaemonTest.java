package dev.portico.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starts DaemonTestMain as a parent JVM that relaunches itself as the daemon. */
class DaemonTest {

    @TempDir
    Path dir;

    private Path pidFile() {
        return dir.resolve("daemon.pid");
    }

    @Test
    void parentReturnsZeroOnceTheChildIsReadyAndTheChildStaysUp() throws Exception {
        long started = System.nanoTime();
        try (ChildJvm parent = ChildJvm.start(DaemonTestMain.class, List.of(), Map.of(),
                "ready", pidFile().toString(), "30000")) {
            String first = parent.nextLine(15_000);
            assertThat(first).startsWith("parent ");
            assertThat(parent.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertThat(parent.process.exitValue()).isZero();
            // Well inside the child's two minutes of sleep: the parent left on "ready".
            assertThat(tookMs).isLessThan(25_000);
            // The child's output is not the parent's.
            assertThat(parent.drain()).isEmpty();

            long childPid = PidFile.read(pidFile());
            assertThat(childPid).isNotEqualTo(parent.process.pid());
            ProcessHandle child = ProcessHandle.of(childPid).orElseThrow();
            try {
                assertThat(child.isAlive()).isTrue();
                // setsid made it a session leader, away from the test's session.
                assertThat(sessionOf(childPid)).isEqualTo(childPid);
                assertThat(sessionOf(childPid)).isNotEqualTo(sessionOf(ProcessHandle.current().pid()));
                // stdin, stdout and stderr now point at /dev/null.
                for (int fd = 0; fd <= 2; fd++) {
                    assertThat(Files.readSymbolicLink(Path.of("/proc/" + childPid + "/fd/" + fd)))
                            .hasToString("/dev/null");
                }
            } finally {
                child.destroyForcibly();
                child.onExit().get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void parentReturnsOneAndShowsTheChildsErrorsWhenItFails() throws Exception {
        try (ChildJvm parent = ChildJvm.start(DaemonTestMain.class, List.of(), Map.of(),
                "fail", pidFile().toString(), "30000")) {
            assertThat(parent.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(parent.process.exitValue()).isEqualTo(1);
            assertThat(parent.drain()).contains(
                    "portico: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)");
            awaitGone(PidFile.read(pidFile()));
        }
    }

    @Test
    void parentReturnsOneWhenTheChildExitsWithoutReporting() throws Exception {
        try (ChildJvm parent = ChildJvm.start(DaemonTestMain.class, List.of(), Map.of(),
                "die", pidFile().toString(), "30000")) {
            assertThat(parent.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(parent.process.exitValue()).isEqualTo(1);
            List<String> output = parent.drain();
            assertThat(output).contains("dying before ready");
            assertThat(output).anyMatch(l -> l.matches("portico: daemon process \\d+ exited with code 3 before it was ready"));
        }
    }

    @Test
    void parentKillsAChildThatNeverReports() throws Exception {
        try (ChildJvm parent = ChildJvm.start(DaemonTestMain.class, List.of(), Map.of(),
                "silent", pidFile().toString(), "3000")) {
            assertThat(parent.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(parent.process.exitValue()).isEqualTo(1);
            assertThat(parent.drain()).anyMatch(l -> l.matches("portico: daemon process \\d+ did not start within 3000 ms; killing it"));
            awaitGone(PidFile.read(pidFile()));
        }
    }

    @Test
    void notAChildWithoutTheEnvironmentVariable() {
        // Surefire's JVM is started without PORTICO_DAEMON_READY.
        assertThat(Daemon.isChild()).isFalse();
    }

    @Test
    void currentCommandLineStartsWithThisJava() throws Exception {
        List<String> cmd = Daemon.currentCommandLine();
        assertThat(Path.of(cmd.get(0)).getFileName().toString()).isEqualTo("java");
        assertThat(cmd.size()).isGreaterThan(1);
    }

    private static void awaitGone(long pid) throws Exception {
        ProcessHandle h = ProcessHandle.of(pid).orElse(null);
        if (h != null) {
            h.onExit().get(10, TimeUnit.SECONDS);
        }
    }

    /** Field 6 of /proc/PID/stat, after the parenthesised command name. */
    private static long sessionOf(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[3]);
    }
}
