package dev.portico.config;

import dev.portico.config.syntax.SourceLocation;

/**
 * A configuration error. {@link #getMessage()} is worded as nginx logs it:
 * {@code MESSAGE in FILE:LINE}, {@code MESSAGE in command line} for {@code -g}
 * text, or just {@code MESSAGE} when there is no location.
 */
public class ConfigException extends Exception {

    private final String bareMessage;
    private final SourceLocation where;

    /** @param where the location to report, or null when there is none */
    public ConfigException(String message, SourceLocation where) {
        this(message, where, null);
    }

    /** @param where the location to report, or null when there is none */
    public ConfigException(String message, SourceLocation where, Throwable cause) {
        super(where == null ? message : message + " in " + where, cause);
        this.bareMessage = message;
        this.where = where;
    }

    /** The message without the location suffix. */
    public String bareMessage() {
        return bareMessage;
    }

    /** Where the error was found; null when there is no location. */
    public SourceLocation where() {
        return where;
    }
}
