package dev.portico.files;

import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * HTTP dates as nginx writes ({@code ngx_http_time}) and reads them
 * ({@code ngx_parse_http_time}).
 */
public final class HttpDates {

    private static final String[] WEEK = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    private static final String[] MONTHS = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
    };
    private static final int[] MDAY = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    private static final class Cached {
        final long second;
        final String text;

        Cached(long second, String text) {
            this.second = second;
            this.text = text;
        }
    }

    private static volatile Cached cachedNow = new Cached(Long.MIN_VALUE, "");
    /** The last time {@link #formatSeconds} wrote: a file's Last-Modified, the same for each of its responses. */
    private static volatile Cached lastFormatted = new Cached(Long.MIN_VALUE, "");

    private HttpDates() {
    }

    /** Formats a time as RFC 1123 GMT, e.g. {@code Mon, 23 Nov 2026 10:00:00 GMT}. */
    public static String format(long epochMillis) {
        return formatSeconds(Math.floorDiv(epochMillis, 1000L));
    }

    /** Formats whole epoch seconds as {@link #format} does. */
    public static String formatSeconds(long epochSeconds) {
        Cached last = lastFormatted;
        if (last.second == epochSeconds) {
            return last.text;
        }
        String text = formatUncached(epochSeconds);
        lastFormatted = new Cached(epochSeconds, text);
        return text;
    }

    private static String formatUncached(long epochSeconds) {
        // Plain arithmetic on UTC: atZone(UTC) would look up the zone's rules on every call.
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSeconds, 0, ZoneOffset.UTC);
        StringBuilder sb = new StringBuilder(29);
        sb.append(WEEK[t.getDayOfWeek().getValue() - 1]).append(", ");
        two(sb, t.getDayOfMonth());
        sb.append(' ').append(MONTHS[t.getMonthValue() - 1]).append(' ');
        int year = t.getYear();
        if (year < 1000) {
            sb.append(year < 10 ? "   " : year < 100 ? "  " : " ");
        }
        sb.append(year).append(' ');
        two(sb, t.getHour());
        sb.append(':');
        two(sb, t.getMinute());
        sb.append(':');
        two(sb, t.getSecond());
        return sb.append(" GMT").toString();
    }

    /**
     * The current time formatted for a Date header. The string is rebuilt at
     * most once per wall-clock second, like nginx's cached time.
     */
    public static String now() {
        return now(System.currentTimeMillis());
    }

    static String now(long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000L);
        Cached c = cachedNow;
        if (c.second != second) {
            c = new Cached(second, formatUncached(second));
            cachedNow = c;
        }
        return c.text;
    }

    private static void two(StringBuilder sb, int v) {
        if (v < 10) {
            sb.append('0');
        }
        sb.append(v);
    }

    /**
     * Parses an HTTP date the way {@code ngx_parse_http_time} does and returns
     * epoch <em>seconds</em>, or -1 when the value is not a date. Accepts
     * RFC 1123 ({@code Tue, 10 Nov 2002 23:50:13}), RFC 850
     * ({@code Tuesday, 10-Dec-02 23:50:13}) and asctime
     * ({@code Tue Dec 10 23:50:13 2002}); like nginx it ignores the weekday
     * and anything after the time (the zone name is not checked).
     */
    public static long parse(String value) {
        if (value == null) {
            return -1;
        }
        int len = value.length();
        final int no = 0, rfc822 = 1, rfc850 = 2, isoc = 3;
        int fmt = no;
        int p;
        for (p = 0; p < len; p++) {
            char c = value.charAt(p);
            if (c == ',') {
                break;
            }
            if (c == ' ') {
                fmt = isoc;
                break;
            }
        }
        for (p++; p < len; p++) {
            if (value.charAt(p) != ' ') {
                break;
            }
        }
        if (len - p < 18) {
            return -1;
        }

        int day = 0;
        int year = 0;
        if (fmt != isoc) {
            if (!digit(value, p) || !digit(value, p + 1)) {
                return -1;
            }
            day = num(value, p, 2);
            p += 2;
            char c = at(value, p);
            if (c == ' ') {
                if (len - p < 18) {
                    return -1;
                }
                fmt = rfc822;
            } else if (c == '-') {
                fmt = rfc850;
            } else {
                return -1;
            }
            p++;
        }

        int month;
        // nginx looks at as few letters as tell the months apart.
        switch (at(value, p)) {
            case 'J' -> month = at(value, p + 1) == 'a' ? 0 : at(value, p + 2) == 'n' ? 5 : 6;
            case 'F' -> month = 1;
            case 'M' -> month = at(value, p + 2) == 'r' ? 2 : 4;
            case 'A' -> month = at(value, p + 1) == 'p' ? 3 : 7;
            case 'S' -> month = 8;
            case 'O' -> month = 9;
            case 'N' -> month = 10;
            case 'D' -> month = 11;
            default -> {
                return -1;
            }
        }
        p += 3;

        if ((fmt == rfc822 && at(value, p) != ' ') || (fmt == rfc850 && at(value, p) != '-')) {
            return -1;
        }
        p++;

        if (fmt == rfc822) {
            if (!digits(value, p, 4)) {
                return -1;
            }
            year = num(value, p, 4);
            p += 4;
        } else if (fmt == rfc850) {
            if (!digits(value, p, 2)) {
                return -1;
            }
            year = num(value, p, 2);
            year += year < 70 ? 2000 : 1900;
            p += 2;
        }

        if (fmt == isoc) {
            if (at(value, p) == ' ') {
                p++;
            }
            if (!digit(value, p)) {
                return -1;
            }
            day = at(value, p++) - '0';
            if (at(value, p) != ' ') {
                if (!digit(value, p)) {
                    return -1;
                }
                day = day * 10 + (at(value, p++) - '0');
            }
            if (len - p < 14) {
                return -1;
            }
        }

        if (at(value, p++) != ' ') {
            return -1;
        }
        if (!digits(value, p, 2)) {
            return -1;
        }
        int hour = num(value, p, 2);
        p += 2;
        if (at(value, p++) != ':') {
            return -1;
        }
        if (!digits(value, p, 2)) {
            return -1;
        }
        int min = num(value, p, 2);
        p += 2;
        if (at(value, p++) != ':') {
            return -1;
        }
        if (!digits(value, p, 2)) {
            return -1;
        }
        int sec = num(value, p, 2);

        if (fmt == isoc) {
            p += 2;
            if (at(value, p++) != ' ') {
                return -1;
            }
            if (!digits(value, p, 4)) {
                return -1;
            }
            year = num(value, p, 4);
        }

        if (hour > 23 || min > 59 || sec > 59) {
            return -1;
        }
        if (day == 29 && month == 1) {
            if ((year & 3) != 0 || (year % 100 == 0 && year % 400 != 0)) {
                return -1;
            }
        } else if (day > MDAY[month]) {
            return -1;
        }

        // Gauss' formula with the year starting on March 1, as in nginx.
        if (--month <= 0) {
            month += 12;
            year -= 1;
        }
        long days = 365L * year + year / 4 - year / 100 + year / 400
                + 367L * month / 12 - 30
                + day - 1
                - 719527 + 31 + 28;
        return days * 86400 + hour * 3600L + min * 60L + sec;
    }

    private static char at(String s, int i) {
        return i < s.length() ? s.charAt(i) : '\0';
    }

    private static boolean digit(String s, int i) {
        char c = at(s, i);
        return c >= '0' && c <= '9';
    }

    private static boolean digits(String s, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (!digit(s, i)) {
                return false;
            }
        }
        return true;
    }

    private static int num(String s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            v = v * 10 + (s.charAt(i) - '0');
        }
        return v;
    }
}
