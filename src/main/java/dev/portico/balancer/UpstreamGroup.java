package dev.portico.balancer;

import dev.portico.config.syntax.SourceLocation;
import dev.portico.http.HttpExchange;
import dev.portico.proxy.KeepalivePool;
import dev.portico.proxy.Peer;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * An upstream group (nginx's ngx_http_upstream_rr_peers_t with its backup
 * list): the peers' shared state, nginx's passive health accounting (max_fails
 * within fail_timeout) and the counters, balanced by the block's
 * {@link BalancingMethod} (smooth weighted round robin unless the block names
 * another). The state is shared by every event loop, so each operation holds
 * the group's lock; they are short.
 */
public final class UpstreamGroup {

    /** One server address and its state (ngx_http_upstream_rr_peer_t). */
    public static final class PeerState {
        public final Peer peer;
        /** The {@code server} directive's address as written: consistent hashing places a server by it. */
        final String server;
        final int weight;
        final int maxFails;
        /** Seconds. */
        final long failTimeout;
        final boolean down;
        final int maxConns;
        /** Position in its list (primary or backup), for a request's tried marks. */
        int index;
        boolean backup;
        int currentWeight;
        int effectiveWeight;
        int fails;
        int conns;
        long accessed;
        long checked;
        /** Set by active health checks (package health): the peer gets no traffic until it passes again. */
        volatile boolean unhealthy;
        // Counters for the status endpoints, updated under the group's lock.
        long requests;
        long failures;
        String lastFailure;
        long lastFailureMillis;

        public PeerState(Peer peer, int weight, int maxFails, long failTimeout, boolean down, int maxConns) {
            this(peer, peer.name(), weight, maxFails, failTimeout, down, maxConns);
        }

        public PeerState(Peer peer, String server, int weight, int maxFails, long failTimeout, boolean down,
                         int maxConns) {
            this.peer = peer;
            this.server = server;
            this.weight = weight;
            this.maxFails = maxFails;
            this.failTimeout = failTimeout;
            this.down = down;
            this.maxConns = maxConns;
            this.effectiveWeight = weight;
        }

        public int weight() {
            return weight;
        }

        public boolean isDown() {
            return down;
        }

        public boolean isUnhealthy() {
            return unhealthy;
        }

        /** Active health checks' verdict: an unhealthy peer is skipped by every balancing method. */
        public void setUnhealthy(boolean unhealthy) {
            this.unhealthy = unhealthy;
        }

        /** Taken out by passive health: max_fails failures, the last within fail_timeout. */
        boolean failedAt(long now) {
            return maxFails > 0 && fails >= maxFails && now - checked <= failTimeout;
        }

        /**
         * What every balancing method asks before it picks a peer: not down, not
         * unhealthy, not failed, below max_conns.
         */
        boolean available(long now) {
            return !down && !unhealthy && !failedAt(now) && (maxConns == 0 || conns < maxConns);
        }

        /**
         * This peer's step in a round of smooth weighted round robin: its current
         * weight grows by its effective weight, which recovers by one toward its
         * weight after failures lowered it.
         *
         * @return what the peer adds to the round's total
         */
        int raiseCurrentWeight() {
            int added = effectiveWeight;
            currentWeight += added;
            if (effectiveWeight < weight) {
                effectiveWeight++;
            }
            return added;
        }

        @Override
        public String toString() {
            return peer.name();
        }
    }

    /**
     * One peer's state as the status endpoints show it, read under the group's lock.
     *
     * @param failed      taken out by passive health (max_fails within fail_timeout) right now
     * @param lastFailure what the last failed try logged, or null
     */
    public record PeerStats(String name, boolean backup, int weight, boolean down, boolean unhealthy,
                            boolean failed, int active, long requests, long failures, String lastFailure,
                            long lastFailureMillis) {
    }

    /** One request's walk through the group (ngx_http_upstream_rr_peer_data_t and a method's peer data). */
    public final class Tries {
        final boolean[] triedPrimary = new boolean[primary.length];
        final boolean[] triedBackup = new boolean[backup.length];
        boolean onBackup;
        private int left = primary.length + backup.length;
        /** What the method takes from the request (client address, rendered hash key); empty for none. */
        final byte[] key;
        /** The hash methods' and random's own count of picks (nginx's hp->tries): past 20, round robin. */
        int methodTries;
        /** ip_hash's running hash, hash's sum of hashes, or hash consistent's point index. */
        long hash;
        /** hash: how many times the key was hashed (nginx's hp->rehash). */
        int rehash;

        Tries(byte[] key) {
            this.key = key == null ? new byte[0] : key;
        }

        /** Peers this request may still try, as nginx's pc->tries. */
        public int left() {
            return left;
        }

        /** proxy_next_upstream_tries: at most {@code tries} in all (0: no limit). */
        public void limit(int tries) {
            if (tries > 0 && left > tries) {
                left = tries;
            }
        }

        /**
         * One try more: a cached keepalive connection failed, which says little
         * about the peer (nginx's u->peer.tries++ in ngx_http_upstream_next).
         */
        public void addOne() {
            left++;
        }
    }

    /** One choice among a list of peers, skipping those this request tried; null when none is available. */
    interface ListChoice {
        PeerState choose(PeerState[] peers, boolean[] tried, long now);
    }

    private final String name;
    private final SourceLocation where;
    private final boolean implicit;
    final PeerState[] primary;
    final PeerState[] backup;
    /** nginx's peers->single: one primary and no backup, never taken out by failures. */
    final boolean single;
    /** The primary peers' weights added up (nginx's peers->total_weight), down ones included. */
    final int totalWeight;
    private final BalancingMethod method;
    /** Seconds, as nginx's ngx_time(). */
    private final LongSupplier clock;
    private final KeepalivePool keepalive;

    public UpstreamGroup(String name, SourceLocation where, boolean implicit, List<PeerState> primary,
                         List<PeerState> backup, LongSupplier clock) {
        this(name, where, implicit, primary, backup, clock, null);
    }

    public UpstreamGroup(String name, SourceLocation where, boolean implicit, List<PeerState> primary,
                         List<PeerState> backup, LongSupplier clock, KeepalivePool keepalive) {
        this(name, where, implicit, primary, backup, clock, keepalive, new WeightedRoundRobin());
    }

    public UpstreamGroup(String name, SourceLocation where, boolean implicit, List<PeerState> primary,
                         List<PeerState> backup, LongSupplier clock, KeepalivePool keepalive,
                         BalancingMethod method) {
        this.name = name;
        this.where = where;
        this.implicit = implicit;
        this.primary = primary.toArray(new PeerState[0]);
        this.backup = backup.toArray(new PeerState[0]);
        this.single = this.primary.length == 1 && this.backup.length == 0;
        int total = 0;
        for (int i = 0; i < this.primary.length; i++) {
            this.primary[i].index = i;
            total += this.primary[i].weight;
        }
        for (int i = 0; i < this.backup.length; i++) {
            this.backup[i].index = i;
            this.backup[i].backup = true;
        }
        this.totalWeight = total;
        this.clock = clock;
        this.keepalive = keepalive;
        this.method = method;
    }

    public static LongSupplier systemClock() {
        return () -> System.currentTimeMillis() / 1000;
    }

    /** The upstream's name: the block's name, or "host:port" of a proxy_pass without a block. */
    public String name() {
        return name;
    }

    public SourceLocation where() {
        return where;
    }

    /** A group made by a proxy_pass with a literal address, not by an upstream block. */
    public boolean isImplicit() {
        return implicit;
    }

    public List<PeerState> primary() {
        return List.of(primary);
    }

    public List<PeerState> backup() {
        return List.of(backup);
    }

    /** How the group picks a peer for a request. */
    public BalancingMethod method() {
        return method;
    }

    /** Every peer's counters and state, primaries first. */
    public synchronized List<PeerStats> stats() {
        long now = clock.getAsLong();
        List<PeerStats> out = new java.util.ArrayList<>(primary.length + backup.length);
        for (PeerState[] list : new PeerState[][] {primary, backup}) {
            for (PeerState p : list) {
                out.add(new PeerStats(p.peer.name(), list == backup, p.weight, p.down, p.unhealthy,
                        !single && p.failedAt(now), p.conns, p.requests, p.failures, p.lastFailure,
                        p.lastFailureMillis));
            }
        }
        return out;
    }

    /** A request's walk through the group; the method takes what it needs from {@code x} (its key). */
    public Tries newTries(HttpExchange x) {
        return newTries(method.key(x));
    }

    /** A walk for a request without a key: the hash methods go by round robin. */
    public Tries newTries() {
        return newTries((byte[]) null);
    }

    /** A walk for a request whose key (for ip_hash and hash) is {@code key}, or null. */
    Tries newTries(byte[] key) {
        Tries t = new Tries(key);
        method.start(this, t);
        return t;
    }

    /** The block's cache of idle connections (keepalive), or null: none configured, or an implicit group. */
    public KeepalivePool keepalive() {
        return keepalive;
    }

    /**
     * The next peer for this request, as the group's method chooses it, or null
     * when none is live: nginx's NGX_BUSY, "no live upstreams". The peer counts
     * one more connection until {@link #free}.
     */
    public synchronized PeerState get(Tries t) {
        long now = clock.getAsLong();
        PeerState best = method.choose(this, t, now);
        if (best == null) {
            return null;
        }
        (best.backup ? t.triedBackup : t.triedPrimary)[best.index] = true;
        if (now - best.checked > best.failTimeout) {
            best.checked = now;
        }
        best.conns++;
        best.requests++;
        t.left--;
        return best;
    }

    /**
     * {@code choice} over the primary peers, then, when it finds none, over the
     * backup peers: nginx's switch to peers->next in get_round_robin_peer and
     * get_least_conn_peer. Once on the backups the request stays there.
     */
    PeerState primaryThenBackup(Tries t, long now, ListChoice choice) {
        if (!t.onBackup) {
            PeerState best = choice.choose(primary, t.triedPrimary, now);
            if (best != null || backup.length == 0) {
                return best;
            }
            t.onBackup = true;
        }
        return choice.choose(backup, t.triedBackup, now);
    }

    /**
     * The request is done with {@code p} (ngx_http_upstream_free_round_robin_peer).
     *
     * @return true when this failure takes the peer out ("upstream server temporarily disabled")
     */
    public boolean free(PeerState p, boolean failed) {
        return free(p, failed ? "failed" : null);
    }

    /**
     * As {@link #free(PeerState, boolean)}, with what went wrong.
     *
     * @param failure null for a try that did not fail, else the reason the status endpoint shows
     */
    public synchronized boolean free(PeerState p, String failure) {
        boolean failed = failure != null;
        p.conns--;
        if (failed) {
            p.failures++;
            p.lastFailure = failure;
            p.lastFailureMillis = System.currentTimeMillis();
        }
        if (single) {
            return false; // nginx does not account a single peer's failures
        }
        if (!failed) {
            if (p.accessed < p.checked) {
                p.fails = 0;
            }
            return false;
        }
        long now = clock.getAsLong();
        p.fails++;
        p.accessed = now;
        p.checked = now;
        boolean disabled = false;
        if (p.maxFails > 0) {
            p.effectiveWeight -= p.weight / p.maxFails;
            disabled = p.fails >= p.maxFails;
        }
        if (p.effectiveWeight < 0) {
            p.effectiveWeight = 0;
        }
        return disabled;
    }
}
