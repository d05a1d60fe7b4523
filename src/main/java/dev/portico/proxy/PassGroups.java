package dev.portico.proxy;

import dev.portico.balancer.UpstreamGroup;
import dev.portico.balancer.Upstreams;
import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfigException;
import dev.portico.config.syntax.SourceLocation;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The upstream groups that *_pass addresses name, for every protocol module of one
 * configuration load (nginx keeps them in one list, ngx_http_upstream_main_conf_t's
 * upstreams): an upstream block, or the implicit group of a literal address, shared by
 * proxy_pass and uwsgi_pass of the same address. A *_pass with variables searches them per
 * request ({@link #atRequest}), as ngx_http_upstream_init_request does.
 */
public final class PassGroups {

    private final Upstreams upstreams;
    /** The literal addresses' groups by host (lower-case) and port (0 for a unix socket's path). */
    private final Map<String, UpstreamGroup> literal = new HashMap<>();

    private PassGroups(Upstreams upstreams) {
        this.upstreams = upstreams;
    }

    public static PassGroups of(ConfigBuild build) {
        Upstreams upstreams = Upstreams.of(build); // first: shared() may not nest
        return build.shared(PassGroups.class, () -> new PassGroups(upstreams));
    }

    /** The next position in declaration order, for the errors that depend on it. */
    public int nextSequence() {
        return upstreams.nextSequence();
    }

    /** The group of a literal unix socket address. */
    public UpstreamGroup unix(String path) {
        UpstreamGroup group = upstreams.implicitGroup("unix:" + path, List.of(Peer.unix(path)));
        literal.putIfAbsent(key(path, 0), group);
        return group;
    }

    /**
     * The group a literal {@code host[:port]} names, once every upstream block is read: the
     * block of that name (which must not be given a port, as nginx's ngx_http_upstream_add),
     * or else the address, resolved now, as a group of one peer per address.
     *
     * @param port        the port written, or -1
     * @param defaultPort the protocol's port when none is written, or -1 when it has none
     *                    (nginx's "no port in upstream")
     * @param sequence    the directive's position, from {@link #nextSequence()}
     */
    public UpstreamGroup atLoad(String host, int port, int defaultPort, SourceLocation where, int sequence)
            throws ConfigException {
        Upstreams.Declared block = upstreams.block(host);
        if (block != null) {
            if (port >= 0) {
                if (block.sequence() < sequence) {
                    throw new ConfigException("upstream \"" + host + "\" may not have port " + port
                            + " in " + block.group().where(), where);
                }
                throw new ConfigException("upstream \"" + host + "\" may not have port " + port,
                        block.group().where());
            }
            return block.group();
        }
        int effective = port >= 0 ? port : defaultPort;
        if (effective < 0) {
            throw new ConfigException("no port in upstream \"" + host + "\"", where);
        }
        String lookup = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        String authority = port < 0 ? host : host + ":" + port;
        List<Peer> peers = new ArrayList<>();
        try {
            // Resolved once at load time, as nginx does for a literal *_pass host.
            for (InetAddress a : InetAddress.getAllByName(lookup)) {
                peers.add(Peer.tcp(new InetSocketAddress(a, effective)));
            }
        } catch (UnknownHostException e) {
            throw new ConfigException("host not found in upstream \"" + authority + "\"", where);
        }
        UpstreamGroup group = upstreams.implicitGroup(host + ":" + effective, peers);
        literal.putIfAbsent(key(host, effective), group);
        return group;
    }

    /** The group of the upstream block of this name, or null. */
    public UpstreamGroup block(String name) {
        Upstreams.Declared block = upstreams.block(name);
        return block == null ? null : block.group();
    }

    /**
     * nginx's search of its upstreams for an address rendered from variables: an upstream
     * block of that name when no port was written (or for a unix path), a literal *_pass's
     * group of the same host and port; else a group of its own for an address that needs no
     * resolving (an IP address, a unix socket), else null: a name that needs a resolver.
     *
     * @param port the port in force (the written one, or the protocol's default); 0 for a unix path
     */
    public UpstreamGroup atRequest(String host, int port, boolean noPort, boolean unix) {
        UpstreamGroup named = noPort || unix ? block(host) : null;
        if (named != null) {
            return named;
        }
        UpstreamGroup found = literal.get(key(host, unix ? 0 : port));
        if (found != null) {
            return found;
        }
        Peer peer;
        if (unix) {
            peer = Peer.unix(host);
        } else {
            InetAddress address = literalAddress(host);
            if (address == null) {
                return null;
            }
            peer = Peer.tcp(new InetSocketAddress(address, port));
        }
        // ngx_http_upstream_create_round_robin_peer: a group for this request only.
        return new UpstreamGroup(peer.name(), null, true,
                List.of(new UpstreamGroup.PeerState(peer, 1, 1, 10, false, 0)), List.of(),
                UpstreamGroup.systemClock());
    }

    private static String key(String host, int port) {
        return host.toLowerCase(Locale.ROOT) + " " + port;
    }

    /** The address a literal IPv4 (nginx's ngx_inet_addr) or bracketed IPv6 host names, or null. */
    public static InetAddress literalAddress(String host) {
        try {
            if (host.startsWith("[") && host.endsWith("]")) {
                String inner = host.substring(1, host.length() - 1);
                if (inner.isEmpty() || inner.indexOf(':') < 0 || !inner.chars().allMatch(
                        c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
                    return null;
                }
                return InetAddress.getByName(inner);
            }
            byte[] octets = new byte[4];
            int dots = 0;
            int octet = 0;
            for (int i = 0; i < host.length(); i++) {
                char c = host.charAt(i);
                if (c >= '0' && c <= '9') {
                    octet = octet * 10 + (c - '0');
                    if (octet > 255) {
                        return null;
                    }
                } else if (c == '.' && dots < 3) {
                    octets[dots++] = (byte) octet;
                    octet = 0;
                } else {
                    return null;
                }
            }
            if (dots != 3) {
                return null;
            }
            octets[3] = (byte) octet;
            return InetAddress.getByAddress(octets);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
