package dev.portico.balancer;

import dev.portico.balancer.UpstreamGroup.PeerState;
import dev.portico.balancer.UpstreamGroup.Tries;
import java.util.function.Predicate;

/**
 * nginx's default method (ngx_http_upstream_round_robin.c): smooth weighted
 * round robin. Each available peer's current weight grows by its effective
 * weight, the largest wins and gives back the total; weights 3:2 give
 * a b a b a. Backups are chosen the same way once no primary is available.
 * The hash methods and random fall back to it.
 */
public final class WeightedRoundRobin implements BalancingMethod {

    @Override
    public String directive() {
        return "round robin";
    }

    @Override
    public PeerState choose(UpstreamGroup group, Tries t, long now) {
        return roundRobin(group, t, now);
    }

    /** ngx_http_upstream_get_round_robin_peer: the single peer, else the primaries, then the backups. */
    static PeerState roundRobin(UpstreamGroup group, Tries t, long now) {
        if (group.single) {
            // nginx's single peer: only down and max_conns keep it out, never failures; the
            // request's tries (one, or more after a failed keepalive connection) bound its use.
            PeerState p = group.primary[0];
            boolean usable = !p.down && !p.unhealthy && (p.maxConns == 0 || p.conns < p.maxConns);
            return usable && t.left() > 0 ? p : null;
        }
        return group.primaryThenBackup(t, now, WeightedRoundRobin::pick);
    }

    /** ngx_http_upstream_get_peer: smooth weighted round robin over the peers not tried yet. */
    static PeerState pick(PeerState[] peers, boolean[] tried, long now) {
        return pick(peers, tried, now, p -> true);
    }

    /**
     * Smooth weighted round robin among the available peers not tried yet that
     * {@code among} accepts: least_conn's tied peers, a consistent hash's server.
     */
    static PeerState pick(PeerState[] peers, boolean[] tried, long now, Predicate<PeerState> among) {
        PeerState best = null;
        int total = 0;
        for (int i = 0; i < peers.length; i++) {
            PeerState p = peers[i];
            if (tried[i] || !p.available(now) || !among.test(p)) {
                continue;
            }
            total += p.raiseCurrentWeight();
            if (best == null || p.currentWeight > best.currentWeight) {
                best = p;
            }
        }
        if (best != null) {
            best.currentWeight -= total;
        }
        return best;
    }
}
