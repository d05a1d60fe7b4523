package dev.portico.config;

import dev.portico.config.Directive.Arity;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Directives that set one field from one argument, as nginx's generic slot
 * setters (ngx_conf_set_flag_slot, _size_slot, _msec_slot ...): the field is
 * null until set, a second occurrence at the same level is "is duplicate",
 * and the value is parsed with nginx's parser and error wording.
 */
public final class Slots {

    /** Parses the directive's first argument. */
    @FunctionalInterface
    public interface Parser<V> {
        V parse(DirectiveCall call) throws ConfigException;
    }

    private Slots() {
    }

    public static <T, V> Directive slot(String name, Set<Context> contexts, ConfKey<T> key,
                                        Function<T, V> get, BiConsumer<T, V> set, Parser<V> parser) {
        return Directive.of(name, contexts, Arity.ONE, c -> {
            T conf = c.conf(key);
            if (get.apply(conf) != null) {
                throw c.duplicate();
            }
            set.accept(conf, parser.parse(c));
        });
    }

    /** on | off. */
    public static <T> Directive flag(String name, Set<Context> contexts, ConfKey<T> key,
                                     Function<T, Boolean> get, BiConsumer<T, Boolean> set) {
        return slot(name, contexts, key, get, set, c -> c.flag(0));
    }

    /** A size: bytes with an optional k or m. */
    public static <T> Directive size(String name, Set<Context> contexts, ConfKey<T> key,
                                     Function<T, Long> get, BiConsumer<T, Long> set) {
        return slot(name, contexts, key, get, set, c -> c.size(0));
    }

    /** An offset: a size that may also use g. */
    public static <T> Directive offset(String name, Set<Context> contexts, ConfKey<T> key,
                                       Function<T, Long> get, BiConsumer<T, Long> set) {
        return slot(name, contexts, key, get, set, c -> c.offset(0));
    }

    /** A time in milliseconds ("60s", "1m", "500ms", a bare number of seconds). */
    public static <T> Directive millis(String name, Set<Context> contexts, ConfKey<T> key,
                                       Function<T, Long> get, BiConsumer<T, Long> set) {
        return slot(name, contexts, key, get, set, c -> c.millis(0));
    }

    /** A time in whole seconds. */
    public static <T> Directive seconds(String name, Set<Context> contexts, ConfKey<T> key,
                                        Function<T, Long> get, BiConsumer<T, Long> set) {
        return slot(name, contexts, key, get, set, c -> c.seconds(0));
    }

    /** A non-negative number. */
    public static <T> Directive number(String name, Set<Context> contexts, ConfKey<T> key,
                                       Function<T, Integer> get, BiConsumer<T, Integer> set) {
        return slot(name, contexts, key, get, set, c -> c.number(0));
    }
}
