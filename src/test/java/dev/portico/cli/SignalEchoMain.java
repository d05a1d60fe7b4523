package dev.portico.cli;

import java.util.concurrent.CountDownLatch;

/**
 * Child process for ProcessSignalsTest: prints "ready &lt;description&gt;", then the name of
 * each signal it is handed, and exits 0 after QUIT or TERM.
 */
public final class SignalEchoMain {
    public static void main(String[] args) throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        ProcessSignals signals = ProcessSignals.start(s -> {
            System.out.println("signal " + s.signalName());
            System.out.flush();
            if (s == ProcessSignal.QUIT || s == ProcessSignal.STOP) {
                done.countDown();
            }
        });
        System.out.println("ready " + signals.description());
        System.out.flush();
        done.await();
        System.out.println("exiting");
        System.out.flush();
    }
}
