package dev.portico.filter.headers;

import dev.portico.config.Values;
import dev.portico.files.HttpDates;
import dev.portico.http.HeaderNames;
import dev.portico.http.Template;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * One {@code expires} setting: its kind, its time in seconds (negative for
 * "-1h") or the template that yields it per request, and how it turns into
 * Expires and Cache-Control, as ngx_http_set_expires.
 */
record Expires(Type type, long time, Template value) {

    enum Type { OFF, EPOCH, MAX, ACCESS, MODIFIED, DAILY }

    static final Expires OFF = new Expires(Type.OFF, 0, null);

    static final String EPOCH_DATE = "Thu, 01 Jan 1970 00:00:01 GMT";
    static final String MAX_DATE = "Thu, 31 Dec 2037 23:55:55 GMT";

    /** A value that ngx_http_parse_expires refuses; the message is nginx's. */
    static final class InvalidExpiresException extends Exception {
        InvalidExpiresException(String message) {
            super(message, null, false, false);
        }
    }

    /** ngx_http_parse_expires: epoch, max, off, [+|-]time or @time-of-day. */
    static Expires parse(String text, boolean modified) throws InvalidExpiresException {
        if (!modified) {
            switch (text) {
                case "epoch" -> { return new Expires(Type.EPOCH, 0, null); }
                case "max" -> { return new Expires(Type.MAX, 0, null); }
                case "off" -> { return OFF; }
                default -> { }
            }
        }
        Type type = modified ? Type.MODIFIED : Type.ACCESS;
        boolean minus = false;
        String t = text;
        if (t.startsWith("@")) {
            if (modified) {
                throw new InvalidExpiresException("daily time cannot be used with \"modified\" parameter");
            }
            type = Type.DAILY;
            t = t.substring(1);
        } else if (t.startsWith("+")) {
            t = t.substring(1);
        } else if (t.startsWith("-")) {
            t = t.substring(1);
            minus = true;
        }
        long seconds = Values.seconds(t);
        if (seconds < 0) {
            throw new InvalidExpiresException("invalid value");
        }
        if (type == Type.DAILY && seconds > 24 * 60 * 60) {
            throw new InvalidExpiresException("daily time value must be less than 24 hours");
        }
        return new Expires(type, minus ? -seconds : seconds, null);
    }

    /**
     * Sets Expires and Cache-Control on {@code headers}. {@code lastModified} is the
     * response's Last-Modified in epoch seconds or -1; {@code configuredNegative}
     * is nginx's "conf->expires_time < 0".
     */
    void apply(HttpHeaders headers, long now, long lastModified, boolean configuredNegative) {
        String[] values = compute(now, lastModified, configuredNegative, ZoneId.systemDefault());
        headers.set(HeaderNames.EXPIRES, values[0]);
        headers.set(HeaderNames.CACHE_CONTROL, values[1]);
    }

    /** The Expires and Cache-Control values at {@code now} (epoch seconds). */
    String[] compute(long now, long lastModified, boolean configuredNegative, ZoneId zone) {
        switch (type) {
            case EPOCH -> { return new String[] {EPOCH_DATE, "no-cache"}; }
            case MAX -> { return new String[] {MAX_DATE, "max-age=315360000"}; }
            default -> { }
        }
        if (time == 0 && type != Type.DAILY) {
            return new String[] {HttpDates.formatSeconds(now), "max-age=0"};
        }
        long expiresAt;
        long maxAge;
        if (type == Type.DAILY) {
            expiresAt = nextTime(time, now, zone);
            maxAge = expiresAt - now;
        } else if (type == Type.ACCESS || lastModified == -1) {
            maxAge = time;
            expiresAt = now + time;
        } else {
            expiresAt = lastModified + time;
            maxAge = expiresAt - now;
        }
        String date = HttpDates.formatSeconds(expiresAt);
        if (configuredNegative || maxAge < 0) {
            return new String[] {date, "no-cache"};
        }
        return new String[] {date, "max-age=" + maxAge};
    }

    /** ngx_next_time: the next moment, after now, whose local time of day is {@code secondsOfDay}. */
    static long nextTime(long secondsOfDay, long now, ZoneId zone) {
        LocalDate today = ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(now), zone).toLocalDate();
        long next = today.atStartOfDay().plusSeconds(secondsOfDay).atZone(zone).toEpochSecond();
        if (next - now > 0) {
            return next;
        }
        return today.plusDays(1).atStartOfDay().plusSeconds(secondsOfDay).atZone(zone).toEpochSecond();
    }
}
