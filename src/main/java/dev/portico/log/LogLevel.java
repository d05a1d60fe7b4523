package dev.portico.log;

import java.util.Locale;

/** nginx's error log levels, most severe first. */
public enum LogLevel {
    EMERG, ALERT, CRIT, ERROR, WARN, NOTICE, INFO, DEBUG;

    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True when a message at this level passes a log set to {@code threshold}. */
    public boolean passes(LogLevel threshold) {
        return ordinal() <= threshold.ordinal();
    }

    public static LogLevel parse(String text) {
        for (LogLevel l : values()) {
            if (l.tag().equals(text)) {
                return l;
            }
        }
        return null;
    }
}
