package dev.portico.config;

import dev.portico.config.syntax.AstArgument;
import dev.portico.config.syntax.AstBlock;
import dev.portico.config.syntax.AstDirective;
import dev.portico.config.syntax.SourceLocation;
import java.nio.file.Path;
import java.util.List;

/**
 * One occurrence of a directive being applied: its arguments, where it was
 * written, the frame it writes to, and nginx's value parsers with nginx's
 * error wording.
 */
public final class DirectiveCall {

    private final AstDirective ast;
    private final ConfFrame frame;
    private final ConfigLoader loader;

    DirectiveCall(AstDirective ast, ConfFrame frame, ConfigLoader loader) {
        this.ast = ast;
        this.frame = frame;
        this.loader = loader;
    }

    public String name() {
        return ast.name();
    }

    public int argCount() {
        return ast.args().size();
    }

    public String arg(int i) {
        return ast.args().get(i).value();
    }

    public boolean quoted(int i) {
        return ast.args().get(i).quoted();
    }

    public List<String> args() {
        return ast.argValues();
    }

    public List<AstArgument> astArgs() {
        return ast.args();
    }

    public AstBlock block() {
        return ast.block();
    }

    public SourceLocation where() {
        return ast.where();
    }

    public Context context() {
        return frame.context();
    }

    public ConfFrame frame() {
        return frame;
    }

    public ConfigBuild build() {
        return loader.build();
    }

    /** The object of {@code key} that this occurrence writes to. */
    public <T> T conf(ConfKey<T> key) {
        return frame.get(key);
    }

    /** The state object of the block this directive is in (an upstream, a map...). */
    public <T> T state(Class<T> type) {
        return type.cast(frame.state());
    }

    /** Applies the directives of this occurrence's block within {@code child}. */
    public void parseBlock(ConfFrame child) throws ConfigException {
        loader.apply(ast.block(), child);
    }

    // ---- errors, in nginx's words ----

    public ConfigException error(String message) {
        return new ConfigException(message, ast.where());
    }

    public ConfigException duplicate() {
        return error("\"" + name() + "\" directive is duplicate");
    }

    public ConfigException invalidValue(String value) {
        return error("invalid value \"" + value + "\" in \"" + name() + "\" directive");
    }

    public ConfigException invalidArgs() {
        return error("invalid number of arguments in \"" + name() + "\" directive");
    }

    public void warn(String message) {
        loader.build().warn(message, ast.where());
    }

    // ---- value parsers ----

    public boolean flag(int i) throws ConfigException {
        Boolean value = Values.flag(arg(i));
        if (value == null) {
            throw error("invalid value \"" + arg(i) + "\" in \"" + name() + "\" directive, it must be \"on\" or \"off\"");
        }
        return value;
    }

    public long size(int i) throws ConfigException {
        long v = Values.size(arg(i));
        if (v < 0) {
            throw error("\"" + name() + "\" directive invalid value");
        }
        return v;
    }

    public long offset(int i) throws ConfigException {
        long v = Values.offset(arg(i));
        if (v < 0) {
            throw error("\"" + name() + "\" directive invalid value");
        }
        return v;
    }

    public long millis(int i) throws ConfigException {
        long v = Values.millis(arg(i));
        if (v < 0) {
            throw error("\"" + name() + "\" directive invalid value");
        }
        return v;
    }

    public long seconds(int i) throws ConfigException {
        long v = Values.seconds(arg(i));
        if (v < 0) {
            throw error("\"" + name() + "\" directive invalid value");
        }
        return v;
    }

    public int number(int i) throws ConfigException {
        long v = Values.number(arg(i));
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw invalidValue(arg(i));
        }
        return (int) v;
    }

    /** A path relative to the prefix. */
    public Path path(int i) {
        return loader.build().resolve(arg(i));
    }

    /** A path relative to the configuration folder. */
    public Path confPath(int i) {
        return loader.build().resolveConf(arg(i));
    }
}
