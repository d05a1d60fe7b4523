package dev.portico.core;

import static dev.portico.config.Contexts.EVENTS;
import static dev.portico.config.Contexts.MAIN;

import dev.portico.config.ConfKey;
import dev.portico.config.ConfLevel;
import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfigException;
import dev.portico.config.Context;
import dev.portico.config.Directive;
import dev.portico.config.Directive.Arity;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Module;
import dev.portico.config.Slots;
import java.util.List;

/**
 * The main context (ngx_core_module and ngx_events_module): daemon, user, pid,
 * worker_processes (event-loop threads here) and the events block.
 */
public final class CoreModule implements Module {

    public static final ConfKey<CoreConf> CORE = ConfKey.of("core", ConfLevel.ROOT, CoreConf::new);

    @Override
    public String name() {
        return "core";
    }

    @Override
    public List<Directive> directives() {
        return List.of(
                Slots.flag("daemon", MAIN, CORE, c -> c.daemon, (c, v) -> c.daemon = v),
                // One process serves all connections; the flag is accepted for compatibility.
                Slots.flag("master_process", MAIN, CORE, c -> c.masterProcess, (c, v) -> c.masterProcess = v),
                Directive.of("user", MAIN, Arity.ONE_OR_TWO, c -> {
                    CoreConf conf = c.conf(CORE);
                    if (conf.user != null) {
                        throw c.duplicate();
                    }
                    conf.user = c.arg(0);
                    conf.group = c.argCount() == 2 ? c.arg(1) : null;
                }),
                Directive.of("pid", MAIN, Arity.ONE, c -> {
                    CoreConf conf = c.conf(CORE);
                    if (conf.pid != null || conf.pidOff) {
                        throw c.duplicate();
                    }
                    if (c.arg(0).equals("off")) {
                        conf.pidOff = true;
                    } else {
                        conf.pid = c.path(0);
                    }
                }),
                Directive.of("worker_processes", MAIN, Arity.ONE, c -> {
                    CoreConf conf = c.conf(CORE);
                    if (conf.workerProcesses != null) {
                        throw c.duplicate();
                    }
                    if (c.arg(0).equals("auto")) {
                        conf.workerProcesses = Runtime.getRuntime().availableProcessors();
                    } else {
                        int n = c.number(0);
                        if (n < 1) {
                            throw c.invalidValue(c.arg(0));
                        }
                        conf.workerProcesses = n;
                    }
                }),
                Directive.of("worker_rlimit_nofile", MAIN, Arity.ONE, c -> c.conf(CORE).workerRlimitNofile =
                        (long) c.number(0)),
                Directive.of("worker_shutdown_timeout", MAIN, Arity.ONE, c -> c.conf(CORE).workerShutdownTimeout =
                        c.millis(0)),
                Directive.of("pcre_jit", MAIN, Arity.ONE, c -> c.flag(0)),
                Directive.block("events", MAIN, Arity.NONE, c -> {
                    CoreConf conf = c.conf(CORE);
                    if (conf.eventsSeen) {
                        throw c.duplicate();
                    }
                    conf.eventsSeen = true;
                    c.parseBlock(c.frame().withContext(Context.EVENTS, null));
                }),
                Directive.of("worker_connections", EVENTS, Arity.ONE, c -> {
                    CoreConf conf = c.conf(CORE);
                    if (conf.workerConnections != null) {
                        throw c.duplicate();
                    }
                    int n = c.number(0);
                    if (n < 1) {
                        throw c.invalidValue(c.arg(0));
                    }
                    conf.workerConnections = n;
                }),
                Directive.of("use", EVENTS, Arity.ONE, c -> {
                    // io_uring: Portico's own method name, beside nginx's Linux ones.
                    String method = c.arg(0);
                    if (!method.equals("epoll") && !method.equals("poll") && !method.equals("select")
                            && !method.equals("io_uring")) {
                        throw c.error("invalid event type \"" + method + "\"");
                    }
                    CoreConf conf = c.conf(CORE);
                    if (conf.eventMethod != null) {
                        throw c.duplicate();
                    }
                    conf.eventMethod = method;
                }),
                Directive.of("multi_accept", EVENTS, Arity.ONE, c -> c.flag(0)),
                Directive.of("accept_mutex", EVENTS, Arity.ONE, c -> c.flag(0)),
                Directive.of("accept_mutex_delay", EVENTS, Arity.ONE, c -> c.millis(0))
        );
    }

    @Override
    public void postConfiguration(ConfigBuild build) throws ConfigException {
    }
}
