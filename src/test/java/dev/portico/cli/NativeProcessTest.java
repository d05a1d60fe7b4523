package dev.portico.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NativeProcessTest {

    @Test
    void libraryLoadsFromTheClasspath() {
        assertThat(NativeProcess.unavailableReason()).isEmpty();
        assertThat(NativeProcess.isAvailable()).isTrue();
    }

    @Test
    void getpidMatchesTheJvm() {
        assertThat(NativeProcess.getpid()).isEqualTo(ProcessHandle.current().pid());
    }

    @Test
    void signalNumbersAreLinuxs() {
        assertThat(NativeProcess.signalNumber("HUP")).isEqualTo(1);
        assertThat(NativeProcess.signalNumber("INT")).isEqualTo(2);
        assertThat(NativeProcess.signalNumber("QUIT")).isEqualTo(3);
        assertThat(NativeProcess.signalNumber("USR1")).isEqualTo(10);
        assertThat(NativeProcess.signalNumber("TERM")).isEqualTo(15);
        assertThatThrownBy(() -> NativeProcess.signalNumber("NOPE")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void killOfAMissingProcessUsesNginxWording() throws Exception {
        long gone = finishedPid();
        assertThat(NativeProcess.kill(gone, 0)).isEqualTo(3);
        assertThatThrownBy(() -> NativeProcess.kill(gone, "HUP"))
                .isInstanceOf(IOException.class)
                .hasMessage("kill(" + gone + ", 1) failed (3: No such process)");
    }

    @Test
    void killStopsARealProcess() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        NativeProcess.kill(sleeper.pid(), "TERM");
        assertThat(sleeper.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(sleeper.exitValue()).isEqualTo(128 + 15);
    }

    @Test
    void killFallsBackToBinKillWithoutTheLibrary() throws Exception {
        // The fallback path runs in a JVM where the library is switched off.
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try (ChildJvm child = ChildJvm.start(KillMain.class, List.of("-Dportico.native=off"), Map.of(),
                Long.toString(sleeper.pid()), "USR1", Long.toString(finishedPid()))) {
            assertThat(child.nextLine(15_000)).isEqualTo("available false");
            assertThat(child.nextLine(15_000)).isEqualTo("sent");
            assertThat(child.nextLine(15_000)).startsWith("failed: /bin/kill -s USR1 ");
            assertThat(sleeper.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(sleeper.exitValue()).isEqualTo(128 + 10);
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void strerrorIsTheCLibrarys() {
        assertThat(NativeProcess.strerror(2)).isEqualTo("No such file or directory");
        assertThat(NativeProcess.strerror(1)).isEqualTo("Operation not permitted");
    }

    @Test
    void lookupUserAndGroup() throws Exception {
        assertThat(NativeProcess.lookupUser("root")).contains(new NativeProcess.UserIds(0, 0));
        assertThat(NativeProcess.lookupUser("no-such-user-portico")).isEmpty();
        assertThat(NativeProcess.lookupGroup("root")).contains(0L);
        assertThat(NativeProcess.lookupGroup("no-such-group-portico")).isEmpty();
    }

    @Test
    void setUserSwitchesEveryThreadAndCannotBeUndone() throws Exception {
        assumeTrue(NativeProcess.lookupUser("root").isPresent());
        assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0, "needs root");
        NativeProcess.UserIds nobody = NativeProcess.lookupUser("nobody").orElseThrow();
        try (ChildJvm child = ChildJvm.start(SetUserMain.class, List.of(), Map.of(), "nobody")) {
            assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            List<String> lines = child.drain();
            String expected = "thread uid " + same(nobody.uid()) + " gid " + same(nobody.gid());
            List<String> threads = lines.stream().filter(l -> l.startsWith("thread ")).toList();
            // A JVM has a dozen or more threads; every one of them changed.
            assertThat(threads).hasSizeGreaterThan(5).allMatch(expected::equals);
            assertThat(lines).contains("cannot go back: setgid(0) failed (1: Operation not permitted)");
        }
    }

    private static String same(long id) {
        return id + " " + id + " " + id + " " + id;
    }

    /** The pid of a process that has exited and been reaped. */
    private static long finishedPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }
}
