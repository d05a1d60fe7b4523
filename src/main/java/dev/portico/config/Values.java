package dev.portico.config;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * nginx's value syntaxes: sizes ("10M", "1k"), times ("30d", "1h 30m", "500ms",
 * a bare number being seconds) and flags. Each parser returns -1 where nginx's
 * returns NGX_ERROR, so the caller can word the error for its directive.
 */
public final class Values {

    private Values() {
    }

    /** ngx_parse_size: bytes with an optional k or m suffix. */
    public static long size(String text) {
        return scaled(text, false);
    }

    /** ngx_parse_offset: as {@link #size} and also g. */
    public static long offset(String text) {
        return scaled(text, true);
    }

    private static long scaled(String text, boolean allowGiga) {
        if (text.isEmpty()) {
            return -1;
        }
        char unit = text.charAt(text.length() - 1);
        long scale;
        String digits;
        switch (unit) {
            case 'k', 'K' -> { scale = 1024L; digits = text.substring(0, text.length() - 1); }
            case 'm', 'M' -> { scale = 1024L * 1024; digits = text.substring(0, text.length() - 1); }
            case 'g', 'G' -> {
                if (!allowGiga) {
                    return -1;
                }
                scale = 1024L * 1024 * 1024;
                digits = text.substring(0, text.length() - 1);
            }
            default -> { scale = 1; digits = text; }
        }
        long n = number(digits);
        if (n < 0 || n > Long.MAX_VALUE / scale) {
            return -1;
        }
        return n * scale;
    }

    /** A non-negative decimal integer, or -1. */
    public static long number(String text) {
        if (text.isEmpty() || text.length() > 18) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** ngx_parse_time in milliseconds: units y M w d h m s ms, parts optionally spaced ("1h 30m", "1h30m"); bare = seconds. */
    public static long millis(String text) {
        return time(text, false);
    }

    /** ngx_parse_time in seconds; "ms" is not accepted. */
    public static long seconds(String text) {
        return time(text, true);
    }

    private static long time(String text, boolean wholeSeconds) {
        int i = 0;
        int n = text.length();
        long total = 0;
        boolean any = false;
        int lastRank = Integer.MAX_VALUE;
        while (i < n) {
            while (i < n && text.charAt(i) == ' ') {
                i++;
            }
            if (i == n) {
                break;
            }
            int start = i;
            while (i < n && Character.isDigit(text.charAt(i))) {
                i++;
            }
            if (start == i) {
                return -1;
            }
            long value = number(text.substring(start, i));
            if (value < 0) {
                return -1;
            }
            long unitMillis;
            int rank;
            if (i == n || text.charAt(i) == ' ') {
                unitMillis = 1000; rank = 1;  // a bare number means seconds
            } else {
                char u = text.charAt(i++);
                switch (u) {
                    case 'y' -> { unitMillis = 365L * 24 * 3600 * 1000; rank = 8; }
                    case 'M' -> { unitMillis = 30L * 24 * 3600 * 1000; rank = 7; }
                    case 'w' -> { unitMillis = 7L * 24 * 3600 * 1000; rank = 6; }
                    case 'd' -> { unitMillis = 24L * 3600 * 1000; rank = 5; }
                    case 'h' -> { unitMillis = 3600L * 1000; rank = 4; }
                    case 'm' -> {
                        if (i < n && text.charAt(i) == 's') {
                            if (wholeSeconds) {
                                return -1;
                            }
                            i++;
                            unitMillis = 1; rank = 0;
                        } else {
                            unitMillis = 60L * 1000; rank = 3;
                        }
                    }
                    case 's' -> { unitMillis = 1000; rank = 2; }
                    default -> { return -1; }
                }
                // nginx allows the next part right after a unit ("15h30m"); anything
                // else that follows is refused by the next round, which wants digits.
            }
            // Units must come in decreasing order, each once, as nginx requires.
            if (rank >= lastRank) {
                return -1;
            }
            lastRank = rank;
            if (value > Long.MAX_VALUE / unitMillis) {
                return -1;
            }
            total += value * unitMillis;
            any = true;
        }
        if (!any) {
            return -1;
        }
        return wholeSeconds ? total / 1000 : total;
    }

    /** "on" / "off" in any case; null when neither. */
    public static Boolean flag(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.equals("on")) {
            return Boolean.TRUE;
        }
        if (lower.equals("off")) {
            return Boolean.FALSE;
        }
        return null;
    }

    /**
     * nginx's ngx_conf_set_bitmask_slot: values in any case, more than one directive at a
     * level adds up, a repeated value is a warning, an unknown one an error. The words are
     * kept lower-case, in the order first given; {@code current} (null: none yet) is added to.
     */
    public static Set<String> bitmask(DirectiveCall c, Set<String> current, List<String> known)
            throws ConfigException {
        Set<String> names = current == null ? new LinkedHashSet<>() : current;
        for (String v : c.args()) {
            String word = null;
            for (String k : known) {
                if (k.equalsIgnoreCase(v)) {
                    word = k.toLowerCase(Locale.ROOT);
                }
            }
            if (word == null) {
                throw c.error("invalid value \"" + v + "\"");
            }
            if (!names.add(word)) {
                c.warn("duplicate value \"" + v + "\"");
            }
        }
        return names;
    }
}
