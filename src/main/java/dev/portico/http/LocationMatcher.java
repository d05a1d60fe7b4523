package dev.portico.http;

import java.util.regex.Matcher;

/**
 * nginx's location search (ngx_http_core_find_location): the longest matching
 * prefix, done at once for an exact match or `^~`; otherwise the nested
 * locations of that prefix, then the regex locations in file order, the first
 * match winning.
 */
public final class LocationMatcher {

    /** The chosen location and, for a regex location, its match (for captures). */
    public record Result(Location location, Matcher captures) {
    }

    private LocationMatcher() {
    }

    public static Result find(Location server, String uri) {
        Result[] found = {new Result(server, null)};
        search(server, uri, found);
        return found[0];
    }

    /** Returns true when the search is final (exact match, `^~`, or a regex matched). */
    private static boolean search(Location parent, String uri, Result[] found) {
        Location prefix = longestPrefix(parent, uri);
        boolean noRegex = false;
        if (prefix != null) {
            found[0] = new Result(prefix, null);
            if (prefix.match() == Location.Match.EXACT) {
                return true;
            }
            noRegex = prefix.match() == Location.Match.PREFIX_NO_REGEX;
            if (search(prefix, uri, found)) {
                return true;
            }
            if (noRegex) {
                return true;
            }
        }
        for (Location regex : parent.regexes) {
            Matcher m = regex.matcher(uri);
            if (m.find()) {
                found[0] = new Result(regex, m);
                search(regex, uri, found);
                if (found[0].location() == regex) {
                    found[0] = new Result(regex, m);
                }
                return true;
            }
        }
        return false;
    }

    private static Location longestPrefix(Location parent, String uri) {
        Location best = null;
        for (Location candidate : parent.prefixes) {
            String name = candidate.name();
            if (candidate.match() == Location.Match.EXACT) {
                if (uri.equals(name)) {
                    return candidate;
                }
                continue;
            }
            if (uri.startsWith(name) && (best == null || name.length() > best.name().length())) {
                best = candidate;
            }
        }
        // An exact location and a prefix location of the same name: equality picks the exact one above.
        return best;
    }

    /** A named location (`@name`) of the server, or null. */
    public static Location named(Location server, String name) {
        for (Location l : server.named) {
            if (l.name().equals(name)) {
                return l;
            }
        }
        return null;
    }
}
