package dev.portico.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

/**
 * A typed slot for one module's configuration object at one level. Keys are
 * created once, as static fields of the module that owns them; each gets an
 * index so that a frozen block finds its object with one array load.
 */
public final class ConfKey<T> {

    /** Fills the unset fields of {@code child} from {@code parent}, or from defaults. */
    @FunctionalInterface
    public interface Merger<T> {
        void merge(T parent, T child) throws ConfigException;
    }

    private static final List<ConfKey<?>> ALL = new ArrayList<>();

    private final String name;
    private final ConfLevel level;
    private final Supplier<T> factory;
    private final Merger<T> merger;
    private final int index;

    private ConfKey(String name, ConfLevel level, Supplier<T> factory, Merger<T> merger) {
        this.name = name;
        this.level = level;
        this.factory = factory;
        this.merger = merger;
        synchronized (ALL) {
            this.index = ALL.size();
            ALL.add(this);
        }
    }

    public static <T> ConfKey<T> of(String name, ConfLevel level, Supplier<T> factory, Merger<T> merger) {
        return new ConfKey<>(name, level, factory, merger);
    }

    public static <T> ConfKey<T> of(String name, ConfLevel level, Supplier<T> factory) {
        return new ConfKey<>(name, level, factory, (p, c) -> { });
    }

    static List<ConfKey<?>> all() {
        synchronized (ALL) {
            return Collections.unmodifiableList(new ArrayList<>(ALL));
        }
    }

    static int count() {
        synchronized (ALL) {
            return ALL.size();
        }
    }

    public String name() {
        return name;
    }

    public ConfLevel level() {
        return level;
    }

    public int index() {
        return index;
    }

    T create() {
        return factory.get();
    }

    @SuppressWarnings("unchecked")
    void merge(Object parent, Object child) throws ConfigException {
        merger.merge((T) parent, (T) child);
    }

    @Override
    public String toString() {
        return name + "@" + level;
    }
}
