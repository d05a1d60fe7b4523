package dev.portico.core;

import java.nio.file.Path;

/** The main context's settings (ngx_core_conf_t and the events block). */
public final class CoreConf {
    Boolean daemon;
    Boolean masterProcess;
    String user;
    String group;
    Path pid;
    boolean pidOff;
    Integer workerProcesses;
    Integer workerConnections;
    Long workerRlimitNofile;
    Long workerShutdownTimeout;
    boolean eventsSeen;
    String eventMethod;

    public boolean daemon() { return daemon == null || daemon; }
    public boolean masterProcess() { return masterProcess == null || masterProcess; }
    /** The account to run as after binding, or null to stay as started. */
    public String user() { return user; }
    public String group() { return group; }
    /** The pid file named by `pid`, or null when not set. */
    public Path pid() { return pid; }
    public boolean pidOff() { return pidOff; }
    public int workerThreads() {
        return workerProcesses == null ? 1 : workerProcesses;
    }
    public int workerConnections() { return workerConnections == null ? 512 : workerConnections; }
    /** The method `use` named ("epoll", "io_uring", "poll", "select"), or null for the default. */
    public String eventMethod() { return eventMethod; }
    public Long workerRlimitNofile() { return workerRlimitNofile; }
    /** How long a graceful shutdown waits for requests in flight; nginx waits indefinitely by default. */
    public long workerShutdownTimeoutMillis() {
        return workerShutdownTimeout == null ? Long.MAX_VALUE / 4 : workerShutdownTimeout;
    }
}
