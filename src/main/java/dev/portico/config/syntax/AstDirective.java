package dev.portico.config.syntax;

import java.util.List;
import java.util.Objects;

/**
 * One directive: its name, its parameters, an optional block and where it was
 * read. The location is the line of the terminating {@code ;} or opening
 * {@code {}, which is the line nginx reports for errors about the directive.
 * Immutable.
 */
public final class AstDirective {

    private final String name;
    private final List<AstArgument> args;
    private final AstBlock block;
    private final SourceLocation where;

    /** @param block the directive's block, or null when it was terminated by {@code ;} */
    public AstDirective(String name, List<AstArgument> args, AstBlock block, SourceLocation where) {
        this.name = Objects.requireNonNull(name, "name");
        this.args = List.copyOf(args);
        this.block = block;
        this.where = Objects.requireNonNull(where, "where");
    }

    public String name() {
        return name;
    }

    /** The parameters after the name. */
    public List<AstArgument> args() {
        return args;
    }

    /** The parameter values after the name. */
    public List<String> argValues() {
        return args.stream().map(AstArgument::value).toList();
    }

    /** The value of parameter {@code i}, counting from 0 after the name. */
    public String arg(int i) {
        return args.get(i).value();
    }

    /** The block, or null when the directive was terminated by {@code ;}. */
    public AstBlock block() {
        return block;
    }

    public boolean hasBlock() {
        return block != null;
    }

    public SourceLocation where() {
        return where;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof AstDirective d
                && name.equals(d.name)
                && args.equals(d.args)
                && Objects.equals(block, d.block)
                && where.equals(d.where);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, args, block, where);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(name);
        for (AstArgument arg : args) {
            text.append(' ').append(arg.quoted() ? "\"" + arg.value() + "\"" : arg.value());
        }
        return text.append(block == null ? ";" : " " + block).append(" @").append(where).toString();
    }
}
