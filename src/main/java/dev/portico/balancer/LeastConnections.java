package dev.portico.balancer;

import dev.portico.balancer.UpstreamGroup.PeerState;
import dev.portico.balancer.UpstreamGroup.Tries;

/**
 * {@code least_conn} (ngx_http_upstream_least_conn_module): the available peer
 * with the fewest active connections for its weight (conns / weight, compared
 * as conns × other's weight); several tied peers are chosen among by smooth
 * weighted round robin, starting from the first of them. Backups the same way
 * once no primary is available.
 */
public final class LeastConnections implements BalancingMethod {

    @Override
    public String directive() {
        return "least_conn";
    }

    @Override
    public PeerState choose(UpstreamGroup group, Tries t, long now) {
        if (group.single) {
            return WeightedRoundRobin.roundRobin(group, t, now);
        }
        return group.primaryThenBackup(t, now, LeastConnections::pick);
    }

    static PeerState pick(PeerState[] peers, boolean[] tried, long now) {
        PeerState best = null;
        boolean many = false;
        for (int i = 0; i < peers.length; i++) {
            PeerState p = peers[i];
            if (tried[i] || !p.available(now)) {
                continue;
            }
            if (best == null || fewer(p, best)) {
                best = p;
                many = false;
            } else if (same(p, best)) {
                many = true;
            }
        }
        if (!many) {
            return best;
        }
        // No peer before the first of the tied ones has as few: round robin from it, as nginx.
        PeerState fewest = best;
        return WeightedRoundRobin.pick(peers, tried, now, p -> same(p, fewest));
    }

    /** a has fewer connections than b for its weight. */
    static boolean fewer(PeerState a, PeerState b) {
        return (long) a.conns * b.weight < (long) b.conns * a.weight;
    }

    private static boolean same(PeerState a, PeerState b) {
        return (long) a.conns * b.weight == (long) b.conns * a.weight;
    }
}
