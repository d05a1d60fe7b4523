package dev.portico.cli;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Child process for DaemonTest. As parent it exits with launchAndWait's result. As the
 * daemon child it writes its pid to args[1], then acts by args[0]: "ready" reports ready
 * after a short sleep and stays up; "fail" prints an error and reports failure; "die" prints
 * an error and exits without a report; "silent" never reports.
 */
public final class DaemonTestMain {
    public static void main(String[] args) throws Exception {
        if (!Daemon.isChild()) {
            System.out.println("parent " + ProcessHandle.current().pid());
            System.out.flush();
            System.exit(Daemon.launchAndWait(Duration.ofMillis(Long.parseLong(args[2]))));
        }
        PidFile.write(Path.of(args[1]), ProcessHandle.current().pid());
        Thread.sleep(300);
        switch (args[0]) {
            case "ready" -> {
                Daemon.reportReady();
                Daemon.detachStdio();
                System.err.println("this goes nowhere");
                Thread.sleep(120_000);
            }
            case "fail" -> {
                System.err.println("portico: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)");
                Daemon.reportFailed();
                System.exit(1);
            }
            case "die" -> {
                System.err.println("dying before ready");
                System.exit(3);
            }
            default -> Thread.sleep(120_000);
        }
    }
}
