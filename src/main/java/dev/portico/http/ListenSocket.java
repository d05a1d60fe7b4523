package dev.portico.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A socket the server binds, and the servers reached through it: a wildcard
 * socket (*:80) also serves the servers that listen on a specific address of
 * that port, chosen by the connection's local address as nginx does when it
 * binds only the wildcard.
 */
public final class ListenSocket {

    private final ListenSpec spec;
    private final ServerNames wildcardServers = new ServerNames();
    private final Map<InetAddress, ServerNames> byAddress = new LinkedHashMap<>();

    ListenSocket(ListenSpec spec) {
        this.spec = spec;
    }

    public ListenSpec spec() {
        return spec;
    }

    public SocketAddress address() {
        return spec.address();
    }

    ServerNames serversFor(InetAddress specific) {
        if (specific == null) {
            return wildcardServers;
        }
        return byAddress.computeIfAbsent(specific, a -> new ServerNames());
    }

    /** True when servers differ by the local address a connection arrived at. */
    public boolean dependsOnLocalAddress() {
        return !byAddress.isEmpty();
    }

    /** Per-snapshot data a server keeps for this socket (its decoder limits), made once. */
    private volatile Object connectionSettings;

    public Object connectionSettings() {
        return connectionSettings;
    }

    public void connectionSettings(Object settings) {
        this.connectionSettings = settings;
    }

    /** The servers for a connection that arrived at {@code local} (may be null when not needed). */
    public ServerNames serverNames(SocketAddress local) {
        if (!byAddress.isEmpty() && local instanceof InetSocketAddress inet) {
            ServerNames names = byAddress.get(inet.getAddress());
            if (names != null) {
                return names;
            }
        }
        return wildcardServers.defaultServer() != null ? wildcardServers : byAddress.values().iterator().next();
    }
}
