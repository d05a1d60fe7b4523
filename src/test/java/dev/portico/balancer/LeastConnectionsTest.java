package dev.portico.balancer;

import static dev.portico.balancer.Peers.group;
import static dev.portico.balancer.Peers.peer;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code least_conn}: the sequences were recorded from nginx 1.22.1 (BalancingMethodsTest's set-up). */
class LeastConnectionsTest {

    private long now = 1000;

    private UpstreamGroup group(List<UpstreamGroup.PeerState> primary, List<UpstreamGroup.PeerState> backup) {
        return Peers.group(new LeastConnections(), primary, backup, () -> now);
    }

    /** Requests one after another; those to peers named in {@code holding} never finish. */
    private static String picks(UpstreamGroup g, int n, String holding) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            UpstreamGroup.PeerState p = g.get(g.newTries());
            out.append(p == null ? "-" : p.peer.name());
            if (p != null && !holding.contains(p.peer.name())) {
                g.free(p, false);
            }
        }
        return out.toString();
    }

    @Test
    void busyPeersAreSkippedTiesGoByWeightedRoundRobin() {
        // nginx 1.22.1: a (weight 1) answers, h (weight 2) and j (weight 1) hold what they get: h a j a a a a a
        UpstreamGroup g = group(List.of(peer("a", 1, 1), peer("h", 2, 2), peer("j", 3, 1)), List.of());
        assertEquals("hajaaaaa", picks(g, 8, "hj"));
    }

    @Test
    void withNothingHeldItIsWeightedRoundRobin() {
        UpstreamGroup g = group(List.of(peer("a", 1, 3), peer("b", 2, 2)), List.of());
        assertEquals("ababaababa", picks(g, 10, ""));
    }

    @Test
    void connectionsAreWeighed() {
        UpstreamGroup g = group(List.of(peer("a", 1, 2), peer("b", 2, 1)), List.of());
        // a: 0/2, b: 0/1 tie → round robin gives a; a: 1/2 < b's... no, b: 0/1 is fewer → b;
        // then a 1/2 and b 1/1: a; then 2/2 and 1/1 tie → round robin.
        assertEquals("aba", picks(g, 3, "ab"));
        UpstreamGroup.PeerState next = g.get(g.newTries());
        assertEquals(2, next.conns);
    }

    @Test
    void backupsOnlyWhenNoPrimaryIsAvailable() {
        UpstreamGroup.PeerState a = peer("a", 1, 1, 1, 1);
        UpstreamGroup.PeerState b = peer("b", 2, 1, 1, 1);
        UpstreamGroup g = group(List.of(a, b), List.of(peer("k", 3, 1), peer("m", 4, 1)));
        // a and b at max_conns=1 while held; then the backups: k and m tie (k by round robin),
        // m has fewer, then k and m tie again and round robin says m
        assertEquals("abkmmk", picks(g, 6, "abkm"));
    }

    @Test
    void unhealthyAndFailedPeersAreSkipped() {
        UpstreamGroup.PeerState a = peer("a", 1, 1);
        UpstreamGroup.PeerState b = peer("b", 2, 1);
        UpstreamGroup g = group(List.of(a, b), List.of());
        a.setUnhealthy(true);
        assertEquals("bbb", picks(g, 3, ""));
        UpstreamGroup.PeerState p = g.get(g.newTries());
        assertEquals(b, p);
        g.free(p, true); // max_fails=1: out for fail_timeout
        assertEquals("--", picks(g, 2, ""), "no live upstreams, no quick recovery");
        a.setUnhealthy(false);
        assertEquals("aaa", picks(g, 3, ""));
        now += 11;
        // b is back, its effective weight (0 after the failure) growing again: "aaba"
        assertEquals("aaba", picks(g, 4, ""));
    }

    @Test
    void aSinglePeerIsRoundRobinsSinglePeer() {
        UpstreamGroup g = group(List.of(peer("a", 1, 1)), List.of());
        UpstreamGroup.PeerState p = g.get(g.newTries());
        g.free(p, true);
        assertEquals("aaa", picks(g, 3, "a"));
    }
}
