package dev.portico.log;

import dev.portico.config.ConfKey;
import dev.portico.config.ConfLevel;
import dev.portico.config.ConfSet;
import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfigException;
import dev.portico.config.Context;
import dev.portico.config.Directive;
import dev.portico.config.Directive.Arity;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Module;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * `error_log FILE [LEVEL]` in the main context (the process's log) and in
 * http, server and location (where a request's errors go), as nginx's
 * ngx_errlog_module and the http core's error_log.
 */
public final class ErrorLogModule implements Module {

    /** The sinks written at one level; null until an error_log appears there. */
    public static final class ErrorLogConf {
        List<ErrorLog.Sink> sinks;
        ErrorLog log;
    }

    public static final ConfKey<ErrorLogConf> MAIN_LOG =
            ConfKey.of("error_log_main", ConfLevel.ROOT, ErrorLogConf::new);
    public static final ConfKey<ErrorLogConf> LOCATION_LOG =
            ConfKey.of("error_log", ConfLevel.LOCATION, ErrorLogConf::new, ErrorLogModule::merge);

    /** Every log this configuration opens, so that start-up opens and reopen reopens each once. */
    public static final class OpenLogs {
        private final Map<List<ErrorLog.Sink>, ErrorLog> logs = new HashMap<>();

        ErrorLog get(List<ErrorLog.Sink> sinks) {
            return logs.computeIfAbsent(sinks, ErrorLog::new);
        }

        public List<ErrorLog> all() {
            return new ArrayList<>(logs.values());
        }
    }

    @Override
    public String name() {
        return "errlog";
    }

    @Override
    public List<Directive> directives() {
        return List.of(Directive.of("error_log",
                EnumSet.of(Context.MAIN, Context.HTTP, Context.SERVER, Context.LOCATION),
                Arity.ONE_OR_MORE, ErrorLogModule::errorLog));
    }

    private static void errorLog(DirectiveCall c) throws ConfigException {
        ErrorLogConf conf = c.context() == Context.MAIN ? c.conf(MAIN_LOG) : c.conf(LOCATION_LOG);
        if (c.argCount() > 2) {
            throw c.invalidArgs();
        }
        String target = c.arg(0);
        Path file;
        if (target.equals("stderr")) {
            file = null;
        } else if (target.startsWith("syslog:") || target.startsWith("memory:")) {
            throw c.error("\"" + target.substring(0, target.indexOf(':')) + ":\" logging is not supported"
                    + " by portico");
        } else {
            file = c.path(0);
        }
        LogLevel level = LogLevel.ERROR;
        if (c.argCount() == 2) {
            level = LogLevel.parse(c.arg(1));
            if (level == null) {
                throw c.error("invalid log level \"" + c.arg(1) + "\"");
            }
        }
        List<ErrorLog.Sink> sinks = conf.sinks == null ? new ArrayList<>() : new ArrayList<>(conf.sinks);
        sinks.add(new ErrorLog.Sink(file, level));
        conf.sinks = List.copyOf(sinks);
    }

    private static void merge(ErrorLogConf parent, ErrorLogConf child) {
        if (child.sinks == null) {
            child.sinks = parent.sinks;
        }
    }

    @Override
    public void postConfiguration(ConfigBuild build) {
        for (ConfSet location : dev.portico.http.HttpCoreModule.locationConfs(build)) {
            bindLocation(location, build);
        }
    }

    /**
     * The process's log: the main error_log, else {@code fallback} (nginx's compiled-in
     * logs/error.log or the -e file).
     */
    public static ErrorLog processLog(ConfSet root, ErrorLog.Sink fallback, ConfigBuild build) {
        ErrorLogConf conf = root.get(MAIN_LOG);
        List<ErrorLog.Sink> sinks = conf.sinks != null ? conf.sinks : List.of(fallback);
        return build.shared(OpenLogs.class, OpenLogs::new).get(sinks);
    }

    /** Binds each location's log to an ErrorLog object (one per distinct set of sinks). */
    public static void bindLocation(ConfSet location, ConfigBuild build) {
        ErrorLogConf conf = location.get(LOCATION_LOG);
        if (conf.sinks != null && conf.log == null) {
            conf.log = build.shared(OpenLogs.class, OpenLogs::new).get(conf.sinks);
        }
    }

    /** Where a request with this location configuration logs its errors. */
    public static ErrorLog forLocation(ConfSet location) {
        if (location != null) {
            ErrorLogConf conf = location.get(LOCATION_LOG);
            if (conf != null && conf.log != null) {
                return conf.log;
            }
        }
        return ErrorLog.current();
    }

    /** Opens every log of the configuration; the message names the file as nginx does. */
    public static void openAll(ConfigBuild build) throws IOException {
        for (ErrorLog log : build.shared(OpenLogs.class, OpenLogs::new).all()) {
            log.open();
        }
    }
}
