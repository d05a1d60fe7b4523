package dev.portico.core;

import dev.portico.config.ConfFrame;
import dev.portico.config.ConfSet;
import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfigException;
import dev.portico.config.ConfigLoader;
import dev.portico.config.Modules;
import dev.portico.config.syntax.AstBlock;
import dev.portico.config.syntax.ConfigParser;
import dev.portico.config.syntax.ParsedConfig;
import dev.portico.http.HttpConfig;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.TempPaths;
import dev.portico.log.ErrorLog;
import dev.portico.log.ErrorLogModule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One loaded configuration: parsed, applied, merged and frozen. Requests run
 * against the snapshot they started with; a reload builds a new one beside it.
 */
public final class Snapshot {

    private final ConfigBuild build;
    private final ConfSet root;
    private final HttpConfig http;
    private final ErrorLog errorLog;

    private Snapshot(ConfigBuild build, ConfSet root, HttpConfig http, ErrorLog errorLog) {
        this.build = build;
        this.root = root;
        this.http = http;
        this.errorLog = errorLog;
    }

    /** Where the configuration text comes from: a file, or the embedded default. */
    public record Source(Path confFile, String embeddedText, Path includeBase) {
        public static Source file(Path confFile) {
            return new Source(confFile, null, confFile.toAbsolutePath().getParent());
        }

        public static Source embedded(String text, Path includeBase) {
            return new Source(null, text, includeBase);
        }
    }

    /**
     * Loads a configuration. {@code globalDirectives} is nginx's -g text;
     * {@code fallbackLog} is where the process logs without a main error_log.
     */
    public static Snapshot load(Path prefix, Source source, String globalDirectives, ErrorLog.Sink fallbackLog)
            throws ConfigException {
        ParsedConfig parsed = source.confFile() != null
                ? ConfigParser.parseFile(source.confFile(), source.includeBase())
                : ConfigParser.parseString(source.embeddedText(), "embedded default configuration",
                        source.includeBase());
        ConfigBuild build = new ConfigBuild(prefix, source.includeBase(), source.confFile(), parsed);
        ConfigLoader loader = new ConfigLoader(Modules.ALL, build);
        ConfFrame main;
        if (globalDirectives != null && !globalDirectives.isBlank()) {
            AstBlock extra = ConfigParser.parseCommandLine(globalDirectives, source.includeBase());
            main = loader.load(parsed.root(), extra);
        } else {
            main = loader.load(parsed.root(), null);
        }
        HttpConfig http = HttpCoreModule.freeze(build);
        ErrorLog log = ErrorLogModule.processLog(main.rootSet(), fallbackLog, build);
        return new Snapshot(build, main.rootSet(), http, log);
    }

    public ConfigBuild build() {
        return build;
    }

    public ParsedConfig parsed() {
        return build.parsed();
    }

    public CoreConf core() {
        return root.get(CoreModule.CORE);
    }

    /** The http block, or null when the configuration has none. */
    public HttpConfig http() {
        return http;
    }

    public ErrorLog errorLog() {
        return errorLog;
    }

    public List<ConfigBuild.Warning> warnings() {
        return build.warnings();
    }

    /** Creates temp folders and opens every log file; run before the snapshot serves. */
    public void prepare() throws IOException {
        TempPaths.of(build).createMissing();
        ErrorLogModule.openAll(build);
        for (PrepareHooks.Hook hook : build.shared(PrepareHooks.class, PrepareHooks::new).hooks()) {
            hook.run();
        }
    }

    /** Reopens every log file of this snapshot (USR1). */
    public void reopenLogs() {
        for (ErrorLog log : build.shared(ErrorLogModule.OpenLogs.class, ErrorLogModule.OpenLogs::new).all()) {
            log.reopen();
        }
        for (Runnable r : build.shared(ReopenHooks.class, ReopenHooks::new).hooks()) {
            r.run();
        }
    }

    /** Closes what this snapshot opened, once no request uses it any more. */
    public void close() {
        for (ErrorLog log : build.shared(ErrorLogModule.OpenLogs.class, ErrorLogModule.OpenLogs::new).all()) {
            if (log != ErrorLog.current()) {
                log.close();
            }
        }
        for (Runnable r : build.shared(CloseHooks.class, CloseHooks::new).hooks()) {
            r.run();
        }
    }

    /** Things modules open before the snapshot serves (access log files); a failure stops the start. */
    public static final class PrepareHooks {
        /** One step of {@link #prepare()}; its exception message is nginx's emerg text. */
        @FunctionalInterface
        public interface Hook {
            void run() throws IOException;
        }

        private final java.util.List<Hook> hooks = new java.util.ArrayList<>();

        public void add(Hook hook) {
            hooks.add(hook);
        }

        List<Hook> hooks() {
            return hooks;
        }
    }

    /** Things modules reopen on USR1 (access logs). */
    public static final class ReopenHooks {
        private final java.util.List<Runnable> hooks = new java.util.ArrayList<>();

        public void add(Runnable r) {
            hooks.add(r);
        }

        List<Runnable> hooks() {
            return hooks;
        }
    }

    /** Things modules close when their snapshot retires (access log writers). */
    public static final class CloseHooks {
        private final java.util.List<Runnable> hooks = new java.util.ArrayList<>();

        public void add(Runnable r) {
            hooks.add(r);
        }

        List<Runnable> hooks() {
            return hooks;
        }
    }
}
