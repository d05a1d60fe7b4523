package dev.portico.config;

/**
 * The configuration objects of every module at one level of one block: the
 * runtime's view of a server or a location. After loading, nothing writes to
 * it; requests read it from any thread.
 */
public final class ConfSet {

    private final ConfLevel level;
    private final Object[] values;

    ConfSet(ConfLevel level) {
        this.level = level;
        this.values = new Object[ConfKey.count()];
        for (ConfKey<?> key : ConfKey.all()) {
            if (key.level() == level) {
                values[key.index()] = key.create();
            }
        }
    }

    public ConfLevel level() {
        return level;
    }

    @SuppressWarnings("unchecked")
    public <T> T get(ConfKey<T> key) {
        return (T) values[key.index()];
    }

    /** Merges every key of this level from {@code parent} into this set. */
    public void mergeFrom(ConfSet parent) throws ConfigException {
        for (ConfKey<?> key : ConfKey.all()) {
            if (key.level() == level) {
                key.merge(parent.values[key.index()], values[key.index()]);
            }
        }
    }
}
