package dev.portico.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Real signals sent with /bin/kill to a child JVM that runs ProcessSignals. */
class ProcessSignalsTest {

    private static final long WAIT_MS = 15_000;

    @Test
    void nativeHandlersReceiveHupUsr1IntAndQuit() throws Exception {
        try (ChildJvm child = ChildJvm.start(SignalEchoMain.class, List.of(), Map.of())) {
            String ready = child.nextLine(WAIT_MS, l -> l.startsWith("ready"));
            assertThat(ready).isEqualTo("ready native signal handlers");

            for (String name : List.of("HUP", "USR1", "INT", "HUP")) {
                sendKill(name, child.process.pid());
                assertThat(child.nextLine(WAIT_MS)).isEqualTo("signal " + name);
            }
            // QUIT would print a thread dump if the JVM still owned it.
            sendKill("QUIT", child.process.pid());
            assertThat(child.nextLine(WAIT_MS)).isEqualTo("signal QUIT");
            assertThat(child.nextLine(WAIT_MS)).isEqualTo("exiting");
            assertThat(child.process.waitFor(WAIT_MS, TimeUnit.MILLISECONDS)).isTrue();
            assertThat(child.process.exitValue()).isZero();
            assertThat(child.drain()).isEmpty();
        }
    }

    @Test
    void nativeHandlersReceiveTerm() throws Exception {
        try (ChildJvm child = ChildJvm.start(SignalEchoMain.class, List.of(), Map.of())) {
            assertThat(child.nextLine(WAIT_MS, l -> l.startsWith("ready"))).isNotNull();
            NativeProcess.kill(child.process.pid(), "TERM");
            assertThat(child.nextLine(WAIT_MS)).isEqualTo("signal TERM");
            assertThat(child.process.waitFor(WAIT_MS, TimeUnit.MILLISECONDS)).isTrue();
            // Exit 0 from main, not 143 from the JVM's own TERM handling.
            assertThat(child.process.exitValue()).isZero();
        }
    }

    @Test
    void fallbackWithoutNativeLibraryHandlesAllButQuit() throws Exception {
        try (ChildJvm child = ChildJvm.start(SignalEchoMain.class, List.of("-Dportico.native=off"), Map.of())) {
            String ready = child.nextLine(WAIT_MS, l -> l.startsWith("ready"));
            assertThat(ready).startsWith("ready sun.misc.Signal handlers (disabled by -Dportico.native=off)")
                    .endsWith("QUIT unavailable");

            for (String name : List.of("HUP", "USR1")) {
                sendKill(name, child.process.pid());
                assertThat(child.nextLine(WAIT_MS)).isEqualTo("signal " + name);
            }
            // The JVM keeps QUIT: it prints a thread dump and the process goes on.
            sendKill("QUIT", child.process.pid());
            assertThat(child.nextLine(WAIT_MS, l -> l.startsWith("Full thread dump"))).isNotNull();
            sendKill("TERM", child.process.pid());
            assertThat(child.nextLine(WAIT_MS, l -> l.startsWith("signal "))).isEqualTo("signal TERM");
            assertThat(child.process.waitFor(WAIT_MS, TimeUnit.MILLISECONDS)).isTrue();
            assertThat(child.process.exitValue()).isZero();
        }
    }

    @Test
    void signalCommandsMapToNginxSignals() {
        assertThat(ProcessSignal.fromCommand("stop")).isEqualTo(ProcessSignal.STOP);
        assertThat(ProcessSignal.fromCommand("quit")).isEqualTo(ProcessSignal.QUIT);
        assertThat(ProcessSignal.fromCommand("reopen")).isEqualTo(ProcessSignal.REOPEN);
        assertThat(ProcessSignal.fromCommand("reload")).isEqualTo(ProcessSignal.RELOAD);
        assertThat(ProcessSignal.STOP.signalName()).isEqualTo("TERM");
        assertThat(ProcessSignal.QUIT.signalName()).isEqualTo("QUIT");
        assertThat(ProcessSignal.REOPEN.signalName()).isEqualTo("USR1");
        assertThat(ProcessSignal.RELOAD.signalName()).isEqualTo("HUP");
        assertThat(ProcessSignal.INTERRUPT.signalName()).isEqualTo("INT");
        assertThat(ProcessSignal.fromSignalName("USR1")).contains(ProcessSignal.REOPEN);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ProcessSignal.fromCommand("restart"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static void sendKill(String name, long pid) throws Exception {
        Process kill = new ProcessBuilder("/bin/kill", "-s", name, Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }
}
