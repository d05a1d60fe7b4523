package dev.portico.cli;

import dev.portico.config.ConfigException;
import dev.portico.core.Snapshot;
import dev.portico.log.ErrorLog;
import dev.portico.log.LogLevel;
import dev.portico.server.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The running server: binds, writes the pid file, then serves until a signal
 * says otherwise. Signals are handled one at a time on the main thread, so a
 * reload never races a shutdown.
 */
final class ServerProcess {

    private final Path prefix;
    private final Snapshot.Source source;
    private final String globalDirectives;
    private final ErrorLog.Sink fallbackLog;
    private final BlockingQueue<ProcessSignal> signals = new LinkedBlockingQueue<>();
    private final ScheduledExecutorService retirer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "portico-retire");
        t.setDaemon(true);
        return t;
    });
    private Snapshot snapshot;
    private HttpServer server;

    ServerProcess(Path prefix, Snapshot.Source source, String globalDirectives, ErrorLog.Sink fallbackLog) {
        this.prefix = prefix;
        this.source = source;
        this.globalDirectives = globalDirectives;
        this.fallbackLog = fallbackLog;
    }

    static Path defaultPid(Snapshot snapshot) {
        return snapshot.build().prefix().resolve("logs/portico.pid");
    }

    private Path pidFile() {
        if (snapshot.core().pidOff()) {
            return null;
        }
        return snapshot.core().pid() != null ? snapshot.core().pid() : defaultPid(snapshot);
    }

    int run(Snapshot initial, PrintStream err) {
        this.snapshot = initial;
        boolean daemonChild = Daemon.isChild();
        try {
            snapshot.prepare();
            ErrorLog.install(snapshot.errorLog());
            server = new HttpServer(snapshot.core().workerThreads(), snapshot.core().workerConnections(),
                    snapshot.core().eventMethod());
            server.start(snapshot.http());
            switchUser();
        } catch (IOException e) {
            err.println("portico: [emerg] " + e.getMessage());
            ErrorLog.current().log(LogLevel.EMERG, e.getMessage());
            ErrorLog.current().flush();
            if (server != null) {
                server.stopNow();
            }
            reportFailed(daemonChild);
            return 1;
        }
        // Handlers first: whoever sees the pid file may signal at once (-s reload right after start).
        // Signals that arrive before the serve loop wait in the queue.
        try {
            ProcessSignals handlers = ProcessSignals.start(signals::add);
            if (!handlers.handles(ProcessSignal.QUIT)) {
                ErrorLog.current().log(LogLevel.WARN, "graceful shutdown by QUIT is unavailable: "
                        + handlers.description());
            }
        } catch (IOException e) {
            ErrorLog.current().log(LogLevel.ALERT, "signal handlers could not be installed: " + e.getMessage());
        }
        Path pid = pidFile();
        long myPid = ProcessHandle.current().pid();
        try {
            if (pid != null) {
                PidFile.write(pid, myPid);
            }
        } catch (IOException e) {
            err.println("portico: [emerg] " + e.getMessage());
            ErrorLog.current().log(LogLevel.EMERG, e.getMessage());
            server.stopNow();
            reportFailed(daemonChild);
            return 1;
        }
        ErrorLog.current().log(LogLevel.NOTICE, "using the \"" + server.transportName() + "\" event method");
        ErrorLog.current().log(LogLevel.NOTICE, "portico/" + VersionInfo.VERSION + " started, pid " + myPid);
        if (daemonChild) {
            try {
                Daemon.reportReady();
                Daemon.detachStdio();
                snapshot.errorLog().redirectStderr(new PrintStream(OutputStream.nullOutputStream()));
            } catch (IOException e) {
                ErrorLog.current().log(LogLevel.ALERT, "could not detach: " + e.getMessage());
            }
        }
        return serve(pid, myPid);
    }

    private void switchUser() throws IOException {
        String user = snapshot.core().user();
        if (user == null || !NativeProcess.isAvailable()) {
            return;
        }
        var ids = NativeProcess.lookupUser(user)
                .orElseThrow(() -> new IOException("getpwnam(\"" + user + "\") failed"));
        long gid = ids.gid();
        if (snapshot.core().group() != null) {
            String group = snapshot.core().group();
            gid = NativeProcess.lookupGroup(group)
                    .orElseThrow(() -> new IOException("getgrnam(\"" + group + "\") failed"));
        }
        if (NativeProcess.getpid() > 0 && ProcessHandle.current().info().user().map("root"::equals).orElse(false)) {
            NativeProcess.setUser(user, ids.uid(), gid);
        }
    }

    private static void reportFailed(boolean daemonChild) {
        if (daemonChild) {
            try {
                Daemon.reportFailed();
            } catch (IOException ignored) {
                // The parent also notices the child's exit.
            }
        }
    }

    private int serve(Path pid, long myPid) {
        while (true) {
            ProcessSignal signal;
            try {
                signal = signals.take();
            } catch (InterruptedException e) {
                signal = ProcessSignal.STOP;
            }
            ErrorLog log = ErrorLog.current();
            switch (signal) {
                case RELOAD -> {
                    log.log(LogLevel.NOTICE, "signal 1 (SIGHUP) received, reconfiguring");
                    reload();
                }
                case REOPEN -> {
                    log.log(LogLevel.NOTICE, "signal 10 (SIGUSR1) received, reopening logs");
                    snapshot.reopenLogs();
                }
                case QUIT -> {
                    log.log(LogLevel.NOTICE, "signal 3 (SIGQUIT) received, shutting down");
                    log.log(LogLevel.NOTICE, "gracefully shutting down");
                    server.shutdownGracefully(snapshot.core().workerShutdownTimeoutMillis());
                    return exit(pid, myPid);
                }
                case STOP, INTERRUPT -> {
                    log.log(LogLevel.NOTICE, "signal " + (signal == ProcessSignal.STOP ? "15 (SIGTERM)" : "2 (SIGINT)")
                            + " received, exiting");
                    server.stopNow();
                    return exit(pid, myPid);
                }
            }
        }
    }

    private int exit(Path pid, long myPid) {
        if (pid != null) {
            try {
                PidFile.remove(pid, myPid);
            } catch (IOException e) {
                ErrorLog.current().log(LogLevel.ALERT, "could not remove pid file: " + e.getMessage());
            }
        }
        snapshot.close();
        ErrorLog.current().log(LogLevel.NOTICE, "exit");
        ErrorLog.current().flush();
        return 0;
    }

    /** Builds the new configuration beside the old; any failure leaves the old one serving. */
    private void reload() {
        Snapshot next;
        try {
            next = Snapshot.load(prefix, source, globalDirectives, fallbackLog);
            next.prepare();
        } catch (ConfigException e) {
            ErrorLog.current().log(LogLevel.EMERG, e.getMessage());
            return;
        } catch (IOException e) {
            ErrorLog.current().log(LogLevel.EMERG, e.getMessage());
            return;
        }
        try {
            server.reload(next.http());
        } catch (IOException e) {
            ErrorLog.current().log(LogLevel.EMERG, e.getMessage());
            next.close();
            return;
        }
        Snapshot old = snapshot;
        snapshot = next;
        try {
            ErrorLog.install(next.errorLog());
        } catch (IOException e) {
            ErrorLog.current().log(LogLevel.ALERT, e.getMessage());
        }
        // Requests that started on the old configuration may still write to its logs for a while.
        retirer.schedule(old::close, 60, TimeUnit.SECONDS);
    }
}
