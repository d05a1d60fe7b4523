package dev.portico.http;

import dev.portico.config.ConfSet;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A location block (or a server's own level, the root of its tree): how it
 * matches, its merged configuration and its nested locations split as nginx
 * keeps them: exact and prefix ones, then regex ones in file order.
 */
public final class Location {

    public enum Match { ROOT, EXACT, PREFIX, PREFIX_NO_REGEX, REGEX, REGEX_CASELESS, NAMED }

    private final String name;
    private final Match match;
    private final Pattern regex;
    private final ConfSet conf;
    private final Location parent;
    final List<Location> prefixes = new ArrayList<>();
    final List<Location> regexes = new ArrayList<>();
    final List<Location> named = new ArrayList<>();
    boolean internal;

    Location(String name, Match match, Pattern regex, ConfSet conf, Location parent) {
        this.name = name;
        this.match = match;
        this.regex = regex;
        this.conf = conf;
        this.parent = parent;
    }

    public String name() {
        return name;
    }

    public Match match() {
        return match;
    }

    public ConfSet conf() {
        return conf;
    }

    public Location parent() {
        return parent;
    }

    /** Reachable only through an internal redirect (the `internal` directive). */
    public boolean isInternal() {
        return internal;
    }

    public boolean isRegex() {
        return match == Match.REGEX || match == Match.REGEX_CASELESS;
    }

    List<Location> children() {
        List<Location> all = new ArrayList<>(prefixes);
        all.addAll(regexes);
        all.addAll(named);
        return all;
    }

    Matcher matcher(String uri) {
        return regex.matcher(uri);
    }

    @Override
    public String toString() {
        return switch (match) {
            case ROOT -> "server";
            case EXACT -> "location = " + name;
            case PREFIX -> "location " + name;
            case PREFIX_NO_REGEX -> "location ^~ " + name;
            case REGEX -> "location ~ " + name;
            case REGEX_CASELESS -> "location ~* " + name;
            case NAMED -> "location " + name;
        };
    }
}
