package dev.portico.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The virtual servers behind one address:port and nginx's order for choosing
 * among them by Host: exact name, longest wildcard starting with `*` (or `.`),
 * longest wildcard ending with `*`, the first matching regex, then the
 * default server.
 */
public final class ServerNames {

    /** The chosen server and, for a regex name, its match (for captures). */
    public record Selection(VirtualServer server, Matcher captures) {
    }

    private record Wildcard(String suffixOrPrefix, VirtualServer server) {
    }

    private record RegexName(Pattern pattern, VirtualServer server) {
    }

    private final Map<String, VirtualServer> exact = new HashMap<>();
    private final List<Wildcard> leading = new ArrayList<>();
    private final List<Wildcard> trailing = new ArrayList<>();
    private final List<RegexName> regexes = new ArrayList<>();
    private final List<VirtualServer> servers = new ArrayList<>();
    private VirtualServer defaultServer;

    /** Adds a server; the first one added is the default unless one says default_server. */
    void add(VirtualServer server, List<String> names, List<Pattern> namePatterns, boolean isDefault) {
        servers.add(server);
        if (isDefault || defaultServer == null) {
            defaultServer = server;
        }
        int regexIndex = 0;
        for (String name : names) {
            if (name.startsWith("~")) {
                regexes.add(new RegexName(namePatterns.get(regexIndex++), server));
            } else if (name.startsWith("*.")) {
                leading.add(new Wildcard(name.substring(1), server));
            } else if (name.startsWith(".")) {
                exact.putIfAbsent(name.substring(1), server);
                leading.add(new Wildcard(name, server));
            } else if (name.endsWith(".*")) {
                trailing.add(new Wildcard(name.substring(0, name.length() - 1), server));
            } else {
                exact.putIfAbsent(name, server);
            }
        }
    }

    boolean hasDefaultServerFlag(VirtualServer server) {
        return defaultServer == server;
    }

    public VirtualServer defaultServer() {
        return defaultServer;
    }

    public List<VirtualServer> servers() {
        return servers;
    }

    /** Finds the server for a normalized host (lower case, no port, no trailing dot); null host = none sent. */
    public Selection select(String host) {
        Selection found = find(host);
        return found != null ? found : new Selection(defaultServer, null);
    }

    /**
     * The server a name selects, or null when none does (nginx's ngx_http_find_virtual_server): an
     * empty or null name is looked up among the exact names only, where `server_name ""` put it.
     */
    public Selection find(String host) {
        String key = host == null ? "" : host;
        VirtualServer s = exact.get(key);
        if (s != null) {
            return new Selection(s, null);
        }
        if (host != null && !host.isEmpty()) {
            Wildcard best = null;
            for (Wildcard w : leading) {
                if (host.endsWith(w.suffixOrPrefix())
                        && (best == null || w.suffixOrPrefix().length() > best.suffixOrPrefix().length())) {
                    best = w;
                }
            }
            if (best != null) {
                return new Selection(best.server(), null);
            }
            for (Wildcard w : trailing) {
                if (host.startsWith(w.suffixOrPrefix())
                        && (best == null || w.suffixOrPrefix().length() > best.suffixOrPrefix().length())) {
                    best = w;
                }
            }
            if (best != null) {
                return new Selection(best.server(), null);
            }
            for (RegexName r : regexes) {
                Matcher m = r.pattern().matcher(host);
                if (m.find()) {
                    return new Selection(r.server(), m);
                }
            }
        }
        return null;
    }
}
