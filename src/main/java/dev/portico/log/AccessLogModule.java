package dev.portico.log;

import dev.portico.config.ConfKey;
import dev.portico.config.ConfLevel;
import dev.portico.config.ConfSet;
import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfigException;
import dev.portico.config.Context;
import dev.portico.config.Contexts;
import dev.portico.config.Directive;
import dev.portico.config.Directive.Arity;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Module;
import dev.portico.config.Values;
import dev.portico.core.Snapshot;
import dev.portico.http.Flow;
import dev.portico.http.HttpConfig;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.HttpExchange;
import dev.portico.http.Phase;
import dev.portico.http.Template;
import dev.portico.http.VariableTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * nginx's ngx_http_log_module: {@code log_format}, {@code access_log} and
 * {@code open_log_file_cache}. Lines are rendered on the event loop in the
 * LOG phase and appended by the configuration's {@link AccessLogWriter}.
 */
public final class AccessLogModule implements Module {

    /** One access_log: where, in which format, and the if= condition (or null). */
    public record LogTarget(AccessLogWriter.LogFile file, LogFormat format, Template condition) {
    }

    /** open_log_file_cache, checked as nginx does; files are kept open for the configuration's life anyway. */
    public record OpenFileCache(int max, long inactiveSeconds, int minUses, long validSeconds) {
    }

    /** The location-level configuration; null fields are unset until merged. */
    public static final class AccessLogConf {
        List<LogTarget> logs;
        boolean off;
        boolean useDefault;
        OpenFileCache cache;
        boolean cacheSet;

        public List<LogTarget> logs() {
            return logs == null ? List.of() : logs;
        }

        public boolean off() {
            return off;
        }

        static void merge(AccessLogConf parent, AccessLogConf child) {
            if (!child.cacheSet) {
                child.cacheSet = parent.cacheSet;
                child.cache = parent.cache;
            }
            if (child.logs != null || child.off || child.useDefault) {
                return;
            }
            child.logs = parent.logs;
            child.off = parent.off;
            child.useDefault = parent.useDefault;
            if (child.logs != null || child.off || child.useDefault) {
                return;
            }
            // nginx's default: logs/access.log in the combined format, bound in postConfiguration.
            child.useDefault = true;
        }
    }

    public static final ConfKey<AccessLogConf> ACCESS_LOG =
            ConfKey.of("http_log", ConfLevel.LOCATION, AccessLogConf::new, AccessLogConf::merge);

    /** The default access_log path, relative to the prefix. */
    public static final String DEFAULT_PATH = "logs/access.log";

    /** What one configuration shares: its formats (combined first), its files and their writer. */
    public static final class State {
        final List<LogFormat> formats = new ArrayList<>();
        final AccessLogWriter writer = new AccessLogWriter();
        List<LogTarget> defaultLogs;

        public AccessLogWriter writer() {
            return writer;
        }

        LogFormat find(String name) {
            for (LogFormat f : formats) {
                if (f.name().equalsIgnoreCase(name)) {
                    return f;
                }
            }
            return null;
        }
    }

    /** The state of {@code build}, created with the combined format on first use. */
    public static State state(ConfigBuild build) throws ConfigException {
        State existing = build.sharedOrNull(State.class);
        if (existing != null) {
            return existing;
        }
        State state = build.shared(State.class, State::new);
        state.formats.add(LogFormat.compile("combined", List.of(LogFormat.COMBINED), VariableTable.of(build), null));
        Snapshot.PrepareHooks prepare = build.shared(Snapshot.PrepareHooks.class, Snapshot.PrepareHooks::new);
        prepare.add(state.writer::open);
        build.shared(Snapshot.ReopenHooks.class, Snapshot.ReopenHooks::new).add(state.writer::reopen);
        build.shared(Snapshot.CloseHooks.class, Snapshot.CloseHooks::new).add(state.writer::close);
        return state;
    }

    private static final Set<Context> ACCESS_LOG_CONTEXTS = EnumSet.of(Context.HTTP, Context.SERVER,
            Context.LOCATION, Context.LOCATION_IF, Context.LIMIT_EXCEPT);

    @Override
    public String name() {
        return "http_log";
    }

    @Override
    public List<Directive> directives() {
        return List.of(
                Directive.of("log_format", Contexts.HTTP, Arity.TWO_OR_MORE, AccessLogModule::logFormat),
                Directive.of("access_log", ACCESS_LOG_CONTEXTS, Arity.ONE_OR_MORE, AccessLogModule::accessLog),
                Directive.of("open_log_file_cache", Contexts.HTTP_SERVER_LOCATION, Arity.between(1, 4),
                        AccessLogModule::openLogFileCache));
    }

    private static void logFormat(DirectiveCall c) throws ConfigException {
        State state = state(c.build());
        String name = c.arg(0);
        for (LogFormat f : state.formats) {
            if (f.name().equals(name)) {
                throw c.error("duplicate \"log_format\" name \"" + name + "\"");
            }
        }
        List<String> strings = c.args().subList(1, c.argCount());
        state.formats.add(LogFormat.compile(name, strings, VariableTable.of(c.build()), c.where()));
    }

    private static void accessLog(DirectiveCall c) throws ConfigException {
        AccessLogConf conf = c.conf(ACCESS_LOG);
        if (c.arg(0).equals("off")) {
            conf.off = true;
            if (c.argCount() == 1) {
                return;
            }
            throw c.error("invalid parameter \"" + c.arg(1) + "\"");
        }
        State state = state(c.build());
        String target = c.arg(0);
        if (target.startsWith("syslog:")) {
            throw c.error("\"syslog:\" logging is not supported by portico");
        }
        if (target.indexOf('$') >= 0) {
            throw c.error("variables in \"access_log\" file names are not supported by portico");
        }
        Path path = c.path(0);
        String formatName = c.argCount() >= 2 ? c.arg(1) : "combined";
        LogFormat format = state.find(formatName);
        if (format == null) {
            throw c.error("unknown log format \"" + formatName + "\"");
        }
        long size = 0;
        long flush = 0;
        Template condition = null;
        for (int i = 2; i < c.argCount(); i++) {
            String v = c.arg(i);
            if (v.startsWith("buffer=")) {
                String s = v.substring(7);
                size = Values.size(s);
                if (size <= 0 || size > Integer.MAX_VALUE) {
                    throw c.error("invalid buffer size \"" + s + "\"");
                }
                continue;
            }
            if (v.startsWith("flush=")) {
                String s = v.substring(6);
                flush = Values.millis(s);
                if (flush <= 0) {
                    throw c.error("invalid flush time \"" + s + "\"");
                }
                continue;
            }
            if (v.startsWith("gzip") && (v.length() == 4 || v.charAt(4) == '=')) {
                throw c.error("gzip compression of access logs is not supported by portico");
            }
            if (v.startsWith("if=")) {
                condition = Template.compile(v.substring(3), VariableTable.of(c.build()), c.where());
                continue;
            }
            throw c.error("invalid parameter \"" + v + "\"");
        }
        if (flush > 0 && size == 0) {
            throw c.error("no buffer is defined for access_log \"" + target + "\"");
        }
        AccessLogWriter.LogFile file = state.writer.file(path);
        if (size > 0) {
            if (file.bufferSize > 0) {
                if (file.bufferSize != size || file.flushMillis != flush) {
                    throw c.error("access_log \"" + target + "\" already defined with conflicting parameters");
                }
            } else {
                file.bufferSize = (int) size;
                file.flushMillis = flush;
            }
        }
        List<LogTarget> logs = conf.logs == null ? new ArrayList<>() : new ArrayList<>(conf.logs);
        logs.add(new LogTarget(file, format, condition));
        conf.logs = List.copyOf(logs);
    }

    private static void openLogFileCache(DirectiveCall c) throws ConfigException {
        AccessLogConf conf = c.conf(ACCESS_LOG);
        if (conf.cacheSet) {
            throw c.duplicate();
        }
        long max = 0;
        long inactive = 10;
        long valid = 60;
        long minUses = 1;
        boolean off = false;
        for (String v : c.args()) {
            boolean ok;
            if (v.startsWith("max=")) {
                max = Values.number(v.substring(4));
                ok = max >= 0 && max <= Integer.MAX_VALUE;
            } else if (v.startsWith("inactive=")) {
                inactive = Values.seconds(v.substring(9));
                ok = inactive >= 0;
            } else if (v.startsWith("min_uses=")) {
                minUses = Values.number(v.substring(9));
                ok = minUses >= 0 && minUses <= Integer.MAX_VALUE;
            } else if (v.startsWith("valid=")) {
                valid = Values.seconds(v.substring(6));
                ok = valid >= 0;
            } else {
                ok = v.equals("off");
                off |= ok;
            }
            if (!ok) {
                throw c.error("invalid \"open_log_file_cache\" parameter \"" + v + "\"");
            }
        }
        conf.cacheSet = true;
        if (off) {
            conf.cache = null;
            return;
        }
        if (max == 0) {
            throw c.error("\"open_log_file_cache\" must have \"max\" parameter");
        }
        conf.cache = new OpenFileCache((int) max, inactive, (int) minUses, valid);
    }

    @Override
    public void postConfiguration(ConfigBuild build) throws ConfigException {
        List<ConfSet> confs = HttpCoreModule.locationConfs(build);
        if (confs.isEmpty()) {
            return;
        }
        State state = state(build);
        for (ConfSet set : confs) {
            AccessLogConf conf = set.get(ACCESS_LOG);
            if (conf.useDefault && conf.logs == null) {
                if (state.defaultLogs == null) {
                    AccessLogWriter.LogFile file = state.writer.file(build.resolve(DEFAULT_PATH));
                    state.defaultLogs = List.of(new LogTarget(file, state.formats.get(0), null));
                }
                conf.logs = state.defaultLogs;
            }
        }
        HttpConfig.registry(build).add(Phase.LOG, AccessLogModule::log);
    }

    private static final ThreadLocal<LogFormat.LineBuffer> LINE =
            ThreadLocal.withInitial(() -> new LogFormat.LineBuffer(512));

    /** The LOG phase: one line per access_log of the request's location. */
    static Flow log(HttpExchange x) {
        if (x.conf() == null) {
            return Flow.NEXT;
        }
        AccessLogConf conf = x.conf().get(ACCESS_LOG);
        if (conf == null || conf.off || conf.logs == null) {
            return Flow.NEXT;
        }
        for (LogTarget target : conf.logs) {
            if (target.condition() != null) {
                String v = target.condition().render(x);
                if (v.isEmpty() || v.equals("0")) {
                    continue;
                }
            }
            LogFormat.LineBuffer line = LINE.get();
            line.reset();
            target.format().render(x, line);
            line.append((byte) '\n');
            byte[] bytes = line.toArray();
            if (line.length() > 64 * 1024) {
                LINE.set(new LogFormat.LineBuffer(512));
            }
            target.file().writer().write(target.file(), bytes);
        }
        return Flow.NEXT;
    }
}
