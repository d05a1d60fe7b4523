package dev.portico.config;

import dev.portico.config.syntax.ParsedConfig;
import dev.portico.config.syntax.SourceLocation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one load of the configuration shares across modules: where relative
 * paths resolve, the warnings to report, and the objects modules publish for
 * each other (looked up by type) before the snapshot is frozen.
 */
public final class ConfigBuild {

    /** A warning with its place, printed as nginx's "[warn] ... in FILE:LINE". */
    public record Warning(String message, SourceLocation where) {
        @Override
        public String toString() {
            return where == null ? message : message + " in " + where;
        }
    }

    private final Path prefix;
    private final Path confPrefix;
    private final Path confFile;
    private final ParsedConfig parsed;
    private final List<Warning> warnings = new ArrayList<>();
    private final Map<Class<?>, Object> shared = new HashMap<>();

    public ConfigBuild(Path prefix, Path confPrefix, Path confFile, ParsedConfig parsed) {
        this.prefix = prefix;
        this.confPrefix = confPrefix;
        this.confFile = confFile;
        this.parsed = parsed;
    }

    /** nginx's prefix (-p): where relative paths of most directives resolve. */
    public Path prefix() {
        return prefix;
    }

    /** The folder of the main configuration file, where include and types files resolve. */
    public Path confPrefix() {
        return confPrefix;
    }

    public Path confFile() {
        return confFile;
    }

    public ParsedConfig parsed() {
        return parsed;
    }

    /** Resolves a path against the prefix, as ngx_conf_full_name(cycle, name, 0). */
    public Path resolve(String path) {
        return prefix.resolve(path).normalize();
    }

    /** Resolves a path against the configuration folder, as ngx_conf_full_name(cycle, name, 1). */
    public Path resolveConf(String path) {
        return confPrefix.resolve(path).normalize();
    }

    public void warn(String message, SourceLocation where) {
        warnings.add(new Warning(message, where));
    }

    public List<Warning> warnings() {
        return warnings;
    }

    /** Returns the shared object of this type, creating it on first use. */
    @SuppressWarnings("unchecked")
    public <T> T shared(Class<T> type, java.util.function.Supplier<T> factory) {
        return (T) shared.computeIfAbsent(type, t -> factory.get());
    }

    @SuppressWarnings("unchecked")
    public <T> T sharedOrNull(Class<T> type) {
        return (T) shared.get(type);
    }
}
