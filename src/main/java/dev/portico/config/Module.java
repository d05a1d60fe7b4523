package dev.portico.config;

import java.util.List;

/**
 * A feature: the directives it owns and what it does once every directive is
 * applied. Modules are listed in {@link Modules#ALL}; that order is the order
 * of phase handlers and filters, as nginx's module order is.
 */
public interface Module {

    /** The module's name as nginx's configure knows it, e.g. "http_gzip". */
    String name();

    List<Directive> directives();

    /** Runs after the whole configuration is applied and merged. */
    default void postConfiguration(ConfigBuild build) throws ConfigException {
    }

    /** The words this module contributes to `-V`'s "configure arguments:" line. */
    default List<String> configureArguments() {
        return List.of();
    }
}
