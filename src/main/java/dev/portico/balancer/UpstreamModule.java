package dev.portico.balancer;

import dev.portico.config.ConfigException;
import dev.portico.config.Context;
import dev.portico.config.Contexts;
import dev.portico.config.Directive;
import dev.portico.config.Directive.Arity;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Module;
import dev.portico.config.Values;
import dev.portico.config.syntax.SourceLocation;
import dev.portico.core.Snapshot;
import dev.portico.http.Template;
import dev.portico.proxy.KeepalivePool;
import dev.portico.proxy.Peer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * nginx's ngx_http_upstream_module configuration: {@code upstream NAME { ... }}
 * blocks with {@code server} entries, and the balancing method the block
 * names, as nginx's balancing modules: none (smooth weighted round robin,
 * {@link WeightedRoundRobin}), {@code least_conn} ({@link LeastConnections}),
 * {@code ip_hash} ({@link IpHash}), {@code hash KEY} ({@link GenericHash}),
 * {@code hash KEY consistent} ({@link ConsistentHash}), {@code random [two
 * [least_conn]]} ({@link WeightedRandom}). {@link UpstreamGroup} keeps the
 * peers' state, passive health (max_fails, fail_timeout) and backups. As in
 * nginx, a method that does not support {@code backup} (ip_hash, hash,
 * random) refuses it on servers that follow it; backups listed before it stay
 * and serve when the method falls back to round robin. {@code max_conns} is
 * applied by every method (a peer at its limit is skipped, no queue).
 *
 * <p>{@code keepalive N} (with keepalive_timeout, keepalive_requests,
 * keepalive_time) gives the block a {@link KeepalivePool}: N idle connections
 * are kept per event loop, where nginx keeps N per worker process.
 *
 * <p>{@code zone} is parsed and checked but has no effect: the state is shared
 * in memory by every event loop of the one process anyway.
 */
public final class UpstreamModule implements Module {

    /** The block being parsed. */
    static final class Block {
        final String name;
        final SourceLocation where;
        final List<UpstreamGroup.PeerState> primary = new ArrayList<>();
        final List<UpstreamGroup.PeerState> backup = new ArrayList<>();
        /** The balancing method's directive, or null for round robin. */
        String method;
        boolean supportsBackup = true;
        /** hash's key. */
        Template hashKey;
        boolean consistent;
        /** random two [least_conn]. */
        boolean randomTwo;
        Integer keepalive;
        Long keepaliveTimeout;
        Integer keepaliveRequests;
        Long keepaliveTime;
        String zone;

        Block(String name, SourceLocation where) {
            this.name = name;
            this.where = where;
        }
    }

    @Override
    public String name() {
        return "http_upstream";
    }

    @Override
    public List<Directive> directives() {
        return List.of(
                Directive.block("upstream", Contexts.HTTP, Arity.ONE, UpstreamModule::upstream),
                Directive.of("server", Contexts.UPSTREAM, Arity.ONE_OR_MORE, UpstreamModule::server),
                Directive.of("least_conn", Contexts.UPSTREAM, Arity.NONE, c -> method(c, true)),
                Directive.of("ip_hash", Contexts.UPSTREAM, Arity.NONE, c -> method(c, false)),
                Directive.of("hash", Contexts.UPSTREAM, Arity.ONE_OR_TWO, c -> {
                    // nginx's order: the key compiles, the method is set (with its warning), then the parameter.
                    Template key = Template.compile(c, 0);
                    Block b = method(c, false);
                    b.hashKey = key;
                    b.consistent = false;
                    if (c.argCount() == 2) {
                        if (!c.arg(1).equals("consistent")) {
                            throw c.error("invalid parameter \"" + c.arg(1) + "\"");
                        }
                        b.consistent = true;
                    }
                }),
                Directive.of("random", Contexts.UPSTREAM, Arity.between(0, 2), c -> {
                    Block b = method(c, false);
                    b.randomTwo = false;
                    if (c.argCount() >= 1) {
                        if (!c.arg(0).equals("two")) {
                            throw c.error("invalid parameter \"" + c.arg(0) + "\"");
                        }
                        b.randomTwo = true;
                    }
                    if (c.argCount() == 2 && !c.arg(1).equals("least_conn")) {
                        throw c.error("invalid parameter \"" + c.arg(1) + "\"");
                    }
                }),
                Directive.of("keepalive", Contexts.UPSTREAM, Arity.ONE, c -> {
                    Block b = c.state(Block.class);
                    if (b.keepalive != null) {
                        throw c.duplicate();
                    }
                    long n = Values.number(c.arg(0));
                    if (n <= 0 || n > Integer.MAX_VALUE) {
                        throw c.invalidValue(c.arg(0));
                    }
                    b.keepalive = (int) n;
                }),
                Directive.of("keepalive_timeout", Contexts.UPSTREAM, Arity.ONE, c -> {
                    Block b = c.state(Block.class);
                    if (b.keepaliveTimeout != null) {
                        throw c.duplicate();
                    }
                    b.keepaliveTimeout = c.millis(0);
                }),
                Directive.of("keepalive_requests", Contexts.UPSTREAM, Arity.ONE, c -> {
                    Block b = c.state(Block.class);
                    if (b.keepaliveRequests != null) {
                        throw c.duplicate();
                    }
                    b.keepaliveRequests = c.number(0);
                }),
                Directive.of("keepalive_time", Contexts.UPSTREAM, Arity.ONE, c -> {
                    Block b = c.state(Block.class);
                    if (b.keepaliveTime != null) {
                        throw c.duplicate();
                    }
                    b.keepaliveTime = c.millis(0);
                }),
                Directive.of("zone", Contexts.UPSTREAM, Arity.ONE_OR_TWO, c -> {
                    Block b = c.state(Block.class);
                    if (c.argCount() == 2 && Values.size(c.arg(1)) <= 0) {
                        throw c.error("invalid zone size \"" + c.arg(1) + "\"");
                    }
                    b.zone = c.arg(0);
                }));
    }

    private static void upstream(DirectiveCall c) throws ConfigException {
        Upstreams upstreams = Upstreams.of(c.build());
        int seq = upstreams.nextSequence();
        String name = c.arg(0);
        if (upstreams.block(name) != null) {
            throw c.error("duplicate upstream \"" + name + "\"");
        }
        Block b = new Block(name, c.where());
        c.parseBlock(c.frame().withContext(Context.UPSTREAM, b));
        if (b.primary.isEmpty() && b.backup.isEmpty()) {
            throw c.error("no servers are inside upstream");
        }
        if (b.primary.isEmpty()) {
            // nginx's round robin init, for every method: backups alone are not a group.
            throw new ConfigException("no servers in upstream \"" + name + "\"", c.where());
        }
        KeepalivePool keepalive = null;
        if (b.keepalive != null) {
            // nginx's defaults: keepalive_timeout 60s, keepalive_requests 1000, keepalive_time 1h.
            keepalive = new KeepalivePool(new KeepalivePool.Settings(b.keepalive,
                    b.keepaliveTimeout != null ? b.keepaliveTimeout : 60_000L,
                    b.keepaliveRequests != null ? b.keepaliveRequests : 1000,
                    b.keepaliveTime != null ? b.keepaliveTime : 3_600_000L));
            c.build().shared(Snapshot.CloseHooks.class, Snapshot.CloseHooks::new).add(keepalive::closeAll);
        }
        UpstreamGroup group = new UpstreamGroup(name, c.where(), false, b.primary, b.backup,
                UpstreamGroup.systemClock(), keepalive, balancingMethod(b));
        upstreams.declare(name, group, c.where(), seq);
    }

    /**
     * A balancing method's directive: the last one in the block wins, with
     * nginx's warning; least_conn keeps {@code backup}, ip_hash, hash and
     * random refuse it on the servers that follow.
     */
    private static Block method(DirectiveCall c, boolean backup) {
        Block b = c.state(Block.class);
        if (b.method != null) {
            c.warn("load balancing method redefined");
        }
        b.method = c.name();
        b.supportsBackup = backup;
        return b;
    }

    private static BalancingMethod balancingMethod(Block b) {
        if (b.method == null) {
            return new WeightedRoundRobin();
        }
        return switch (b.method) {
            case "least_conn" -> new LeastConnections();
            case "ip_hash" -> new IpHash();
            case "hash" -> b.consistent ? new ConsistentHash(b.hashKey, b.primary) : new GenericHash(b.hashKey);
            case "random" -> new WeightedRandom(b.randomTwo, b.primary);
            default -> throw new IllegalStateException(b.method);
        };
    }

    private static void server(DirectiveCall c) throws ConfigException {
        Block b = c.state(Block.class);
        int weight = 1;
        int maxFails = 1;
        long failTimeout = 10;
        int maxConns = 0;
        boolean isBackup = false;
        boolean down = false;
        for (int i = 1; i < c.argCount(); i++) {
            String p = c.arg(i);
            long v;
            if (p.startsWith("weight=")) {
                v = Values.number(p.substring(7));
                if (v <= 0 || v > Integer.MAX_VALUE) {
                    throw c.error("invalid parameter \"" + p + "\"");
                }
                weight = (int) v;
            } else if (p.startsWith("max_fails=")) {
                v = Values.number(p.substring(10));
                if (v < 0 || v > Integer.MAX_VALUE) {
                    throw c.error("invalid parameter \"" + p + "\"");
                }
                maxFails = (int) v;
            } else if (p.startsWith("fail_timeout=")) {
                v = Values.seconds(p.substring(13));
                if (v < 0) {
                    throw c.error("invalid parameter \"" + p + "\"");
                }
                failTimeout = v;
            } else if (p.startsWith("max_conns=")) {
                v = Values.number(p.substring(10));
                if (v < 0 || v > Integer.MAX_VALUE) {
                    throw c.error("invalid parameter \"" + p + "\"");
                }
                maxConns = (int) v;
            } else if (p.equals("backup")) {
                if (!b.supportsBackup) {
                    throw c.error("balancing method does not support parameter \"" + p + "\"");
                }
                isBackup = true;
            } else if (p.equals("down")) {
                down = true;
            } else {
                throw c.error("invalid parameter \"" + p + "\"");
            }
        }
        for (Peer peer : resolve(c, c.arg(0))) {
            UpstreamGroup.PeerState s = new UpstreamGroup.PeerState(peer, c.arg(0), weight, maxFails, failTimeout,
                    down, maxConns);
            (isBackup ? b.backup : b.primary).add(s);
        }
    }

    /** "unix:/path", "host:port" or "host" (port 80); a name gives one peer per address, as nginx. */
    static List<Peer> resolve(DirectiveCall c, String address) throws ConfigException {
        if (address.startsWith("unix:")) {
            if (address.length() == 5) {
                throw c.error("no path in the unix domain socket in upstream \"" + address + "\"");
            }
            return List.of(Peer.unix(address.substring(5)));
        }
        String host = address;
        int port = 80;
        int colon = address.lastIndexOf(':');
        if (colon >= 0 && address.indexOf(']', colon) < 0) {
            host = address.substring(0, colon);
            long p = Values.number(address.substring(colon + 1));
            if (p < 1 || p > 65535) {
                throw c.error("invalid port in upstream \"" + address + "\"");
            }
            port = (int) p;
        }
        if (host.isEmpty() || address.contains("/")) {
            throw c.error((host.isEmpty() ? "no host" : "invalid host") + " in upstream \"" + address + "\"");
        }
        String lookup = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        try {
            List<Peer> peers = new ArrayList<>();
            for (InetAddress a : InetAddress.getAllByName(lookup)) {
                peers.add(Peer.tcp(new InetSocketAddress(a, port)));
            }
            return peers;
        } catch (UnknownHostException e) {
            throw c.error("host not found in upstream \"" + address + "\"");
        }
    }
}
