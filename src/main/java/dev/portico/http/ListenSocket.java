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
    /** Any `listen` on this socket says ssl: nginx ORs the flag over one address:port's listens. */
    private boolean ssl;
    /** Any `listen` on this socket says http2: nginx ORs that flag too. */
    private boolean http2;
    /** Puts TLS in front of HTTP on a new connection (set by dev.portico.tls for an ssl socket). */
    private java.util.function.Consumer<io.netty.channel.Channel> tls;

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

    void addSsl(boolean ssl) {
        this.ssl |= ssl;
    }

    void addHttp2(boolean http2) {
        this.http2 |= http2;
    }

    /** True when a `listen ... http2` names this socket (`http2 on` in a server is dev.portico.http2's). */
    public boolean http2() {
        return http2;
    }

    /** True when a `listen ... ssl` names this socket: its connections speak TLS. */
    public boolean ssl() {
        return ssl;
    }

    /** Every group of servers behind this socket: the wildcard's and each specific address's. */
    public java.util.List<ServerNames> allServerNames() {
        java.util.List<ServerNames> all = new java.util.ArrayList<>();
        if (wildcardServers.defaultServer() != null) {
            all.add(wildcardServers);
        }
        all.addAll(byAddress.values());
        return all;
    }

    public void tls(java.util.function.Consumer<io.netty.channel.Channel> setup) {
        this.tls = setup;
    }

    /** The TLS set-up for new connections, or null for a plain socket. */
    public java.util.function.Consumer<io.netty.channel.Channel> tls() {
        return tls;
    }

    /** True when servers differ by the local address a connection arrived at. */
    public boolean dependsOnLocalAddress() {
        return !byAddress.isEmpty();
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
