package dev.portico.http;

import dev.portico.config.ConfSet;
import java.util.List;

/**
 * A `server` block as requests see it: its names, merged configuration and
 * location tree. The first name is $server_name.
 */
public final class VirtualServer {

    private final List<String> names;
    private final ConfSet serverConf;
    private final Location root;
    private final dev.portico.config.syntax.SourceLocation where;

    VirtualServer(List<String> names, ConfSet serverConf, Location root,
                  dev.portico.config.syntax.SourceLocation where) {
        this.names = names;
        this.serverConf = serverConf;
        this.root = root;
        this.where = where;
    }

    public String name() {
        return names.isEmpty() ? "" : names.get(0);
    }

    public List<String> names() {
        return names;
    }

    public ConfSet serverConf() {
        return serverConf;
    }

    /** The server block's own location-level configuration, parent of its locations. */
    public Location root() {
        return root;
    }

    public dev.portico.config.syntax.SourceLocation where() {
        return where;
    }

    @Override
    public String toString() {
        return "server " + names + " at " + where;
    }
}
