package dev.portico.balancer;

import dev.portico.balancer.UpstreamGroup.PeerState;
import dev.portico.balancer.UpstreamGroup.Tries;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * {@code random [two [least_conn]]} (ngx_http_upstream_random_module): a peer
 * drawn at random with a chance in proportion to its weight. With
 * {@code two}, two different available peers are drawn and the one with fewer
 * active connections for its weight serves (least_conn, the only method
 * {@code two} has; a tie goes to the second drawn). An unavailable or tried peer
 * is drawn again; after 20 draws the request goes by round robin, as does a
 * group of one peer.
 */
public final class WeightedRandom implements BalancingMethod {

    private final boolean two;
    /** Where each primary peer's share of the weights starts (nginx's ranges). */
    private final int[] rangeStarts;
    /** Used under the group's lock only. */
    private final RandomGenerator random;

    public WeightedRandom(boolean two, List<PeerState> primary) {
        this(two, primary, new SplittableRandom());
    }

    WeightedRandom(boolean two, List<PeerState> primary, RandomGenerator random) {
        this.two = two;
        this.random = random;
        this.rangeStarts = new int[primary.size()];
        int total = 0;
        for (int i = 0; i < rangeStarts.length; i++) {
            rangeStarts[i] = total;
            total += primary.get(i).weight;
        }
    }

    @Override
    public String directive() {
        return two ? "random two least_conn" : "random";
    }

    @Override
    public PeerState choose(UpstreamGroup group, Tries t, long now) {
        if (t.methodTries > 20 || group.single) {
            return WeightedRoundRobin.roundRobin(group, t, now);
        }
        return two ? chooseOfTwo(group, t, now) : chooseOne(group, t, now);
    }

    private PeerState chooseOne(UpstreamGroup group, Tries t, long now) {
        for (;;) {
            int i = draw(group.totalWeight);
            PeerState peer = group.primary[i];
            if (!t.triedPrimary[i] && peer.available(now)) {
                return peer;
            }
            if (++t.methodTries > 20) {
                return WeightedRoundRobin.roundRobin(group, t, now);
            }
        }
    }

    private PeerState chooseOfTwo(UpstreamGroup group, Tries t, long now) {
        PeerState first = null;
        for (;;) {
            int i = draw(group.totalWeight);
            PeerState peer = group.primary[i];
            if (peer != first && !t.triedPrimary[i] && peer.available(now)) {
                if (first != null) {
                    return LeastConnections.fewer(first, peer) ? first : peer;
                }
                first = peer;
            }
            if (++t.methodTries > 20) {
                return WeightedRoundRobin.roundRobin(group, t, now);
            }
        }
    }

    /** ngx_http_upstream_peek_random_peer: the peer whose range holds a random number below the total weight. */
    private int draw(int totalWeight) {
        int x = random.nextInt(totalWeight);
        int i = 0;
        int j = rangeStarts.length;
        while (j - i > 1) {
            int k = (i + j) >>> 1;
            if (x < rangeStarts[k]) {
                j = k;
            } else {
                i = k;
            }
        }
        return i;
    }
}
