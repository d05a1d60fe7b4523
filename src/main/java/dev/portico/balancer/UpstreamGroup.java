package dev.portico.balancer;

import dev.portico.config.syntax.SourceLocation;
import dev.portico.proxy.KeepalivePool;
import dev.portico.proxy.Peer;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * An upstream group (nginx's ngx_http_upstream_rr_peers_t with its backup
 * list) balanced by nginx's smooth weighted round robin, with nginx's passive
 * health accounting (max_fails within fail_timeout). The state is shared by
 * every event loop, so each operation holds the group's lock; they are short.
 */
public final class UpstreamGroup {

    /** One server address and its state (ngx_http_upstream_rr_peer_t). */
    public static final class PeerState {
        public final Peer peer;
        final int weight;
        final int maxFails;
        /** Seconds. */
        final long failTimeout;
        final boolean down;
        final int maxConns;
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
            this.peer = peer;
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

    /** One request's walk through the group (ngx_http_upstream_rr_peer_data_t). */
    public final class Tries {
        private final boolean[] triedPrimary = new boolean[primary.length];
        private final boolean[] triedBackup = new boolean[backup.length];
        private boolean onBackup;
        private int left = primary.length + backup.length;

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

    private final String name;
    private final SourceLocation where;
    private final boolean implicit;
    private final PeerState[] primary;
    private final PeerState[] backup;
    /** nginx's peers->single: one primary and no backup, never taken out by failures. */
    private final boolean single;
    /** Seconds, as nginx's ngx_time(). */
    private final LongSupplier clock;
    private final KeepalivePool keepalive;

    public UpstreamGroup(String name, SourceLocation where, boolean implicit, List<PeerState> primary,
                         List<PeerState> backup, LongSupplier clock) {
        this(name, where, implicit, primary, backup, clock, null);
    }

    public UpstreamGroup(String name, SourceLocation where, boolean implicit, List<PeerState> primary,
                         List<PeerState> backup, LongSupplier clock, KeepalivePool keepalive) {
        this.name = name;
        this.where = where;
        this.implicit = implicit;
        this.primary = primary.toArray(new PeerState[0]);
        this.backup = backup.toArray(new PeerState[0]);
        this.single = this.primary.length == 1 && this.backup.length == 0;
        this.clock = clock;
        this.keepalive = keepalive;
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

    /** Every peer's counters and state, primaries first. */
    public synchronized List<PeerStats> stats() {
        long now = clock.getAsLong();
        List<PeerStats> out = new java.util.ArrayList<>(primary.length + backup.length);
        for (PeerState[] list : new PeerState[][] {primary, backup}) {
            for (PeerState p : list) {
                boolean failed = !single && p.maxFails > 0 && p.fails >= p.maxFails
                        && now - p.checked <= p.failTimeout;
                out.add(new PeerStats(p.peer.name(), list == backup, p.weight, p.down, p.unhealthy, failed,
                        p.conns, p.requests, p.failures, p.lastFailure, p.lastFailureMillis));
            }
        }
        return out;
    }

    public Tries newTries() {
        return new Tries();
    }

    /** The block's cache of idle connections (keepalive), or null: none configured, or an implicit group. */
    public KeepalivePool keepalive() {
        return keepalive;
    }

    /**
     * The next peer for this request (ngx_http_upstream_get_round_robin_peer),
     * or null when none is live: nginx's NGX_BUSY, "no live upstreams".
     * The peer counts one more connection until {@link #free}.
     */
    public synchronized PeerState get(Tries t) {
        long now = clock.getAsLong();
        PeerState best = null;
        if (!t.onBackup) {
            if (single) {
                // nginx's single peer: only down and max_conns keep it out, never failures; the
                // request's tries (one, or more after a failed keepalive connection) bound its use.
                PeerState p = primary[0];
                if (!p.down && !p.unhealthy && t.left > 0 && (p.maxConns == 0 || p.conns < p.maxConns)) {
                    best = p;
                }
            } else {
                best = pick(primary, t.triedPrimary, now);
            }
            if (best == null && backup.length > 0) {
                t.onBackup = true;
            }
        }
        if (best == null && t.onBackup) {
            best = pick(backup, t.triedBackup, now);
        }
        if (best == null) {
            // Every peer stays out until its fail_timeout has passed: nginx dropped the "quick
            // recovery" that marked all peers live again here (1.22 answers "no live upstreams").
            return null;
        }
        best.conns++;
        best.requests++;
        t.left--;
        return best;
    }

    /** ngx_http_upstream_get_peer: smooth weighted round robin over the peers not tried yet. */
    private static PeerState pick(PeerState[] peers, boolean[] tried, long now) {
        PeerState best = null;
        int bestIndex = -1;
        int total = 0;
        for (int i = 0; i < peers.length; i++) {
            PeerState p = peers[i];
            if (tried[i] || p.down || p.unhealthy) {
                continue;
            }
            if (p.maxFails > 0 && p.fails >= p.maxFails && now - p.checked <= p.failTimeout) {
                continue;
            }
            if (p.maxConns > 0 && p.conns >= p.maxConns) {
                continue;
            }
            p.currentWeight += p.effectiveWeight;
            total += p.effectiveWeight;
            if (p.effectiveWeight < p.weight) {
                p.effectiveWeight++;
            }
            if (best == null || p.currentWeight > best.currentWeight) {
                best = p;
                bestIndex = i;
            }
        }
        if (best == null) {
            return null;
        }
        tried[bestIndex] = true;
        best.currentWeight -= total;
        if (now - best.checked > best.failTimeout) {
            best.checked = now;
        }
        return best;
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
