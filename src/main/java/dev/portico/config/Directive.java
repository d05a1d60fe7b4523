package dev.portico.config;

import java.util.EnumSet;
import java.util.Set;

/**
 * One directive as its module declares it: name, the contexts it may appear
 * in, how many arguments it takes, whether it opens a block, and what it does.
 * The loader checks context and arity before calling the handler, so handlers
 * see only well-formed calls.
 */
public final class Directive {

    /** Applies one occurrence of a directive to the configuration being built. */
    @FunctionalInterface
    public interface Handler {
        void apply(DirectiveCall call) throws ConfigException;
    }

    /** Argument counts, as nginx's NGX_CONF_TAKE* / FLAG / 1MORE / 2MORE / ANY. */
    public record Arity(int min, int max) {
        public static final Arity NONE = new Arity(0, 0);
        public static final Arity ONE = new Arity(1, 1);
        public static final Arity TWO = new Arity(2, 2);
        public static final Arity THREE = new Arity(3, 3);
        public static final Arity ONE_OR_TWO = new Arity(1, 2);
        public static final Arity ONE_TO_THREE = new Arity(1, 3);
        public static final Arity TWO_OR_THREE = new Arity(2, 3);
        public static final Arity ONE_OR_MORE = new Arity(1, Integer.MAX_VALUE);
        public static final Arity TWO_OR_MORE = new Arity(2, Integer.MAX_VALUE);
        public static final Arity ANY = new Arity(0, Integer.MAX_VALUE);

        public static Arity between(int min, int max) {
            return new Arity(min, max);
        }

        boolean accepts(int count) {
            return count >= min && count <= max;
        }
    }

    private final String name;
    private final Set<Context> contexts;
    private final Arity arity;
    private final boolean block;
    private final Handler handler;

    private Directive(String name, Set<Context> contexts, Arity arity, boolean block, Handler handler) {
        this.name = name;
        this.contexts = contexts;
        this.arity = arity;
        this.block = block;
        this.handler = handler;
    }

    public static Directive of(String name, Set<Context> contexts, Arity arity, Handler handler) {
        return new Directive(name, EnumSet.copyOf(contexts), arity, false, handler);
    }

    public static Directive block(String name, Set<Context> contexts, Arity arity, Handler handler) {
        return new Directive(name, EnumSet.copyOf(contexts), arity, true, handler);
    }

    public String name() {
        return name;
    }

    public Set<Context> contexts() {
        return contexts;
    }

    public Arity arity() {
        return arity;
    }

    public boolean isBlock() {
        return block;
    }

    Handler handler() {
        return handler;
    }
}
