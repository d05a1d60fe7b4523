package dev.portico.balancer;

import static dev.portico.balancer.Peers.peer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@code random [two [least_conn]]}; nginx draws with its own random numbers, so only the shape is compared. */
class WeightedRandomTest {

    private long now = 1000;

    private UpstreamGroup group(boolean two, List<UpstreamGroup.PeerState> primary,
                                List<UpstreamGroup.PeerState> backup) {
        return Peers.group(new WeightedRandom(two, primary, new SplittableRandom(42)), primary, backup, () -> now);
    }

    private static TreeMap<String, Integer> counts(UpstreamGroup g, int n, String holding) {
        TreeMap<String, Integer> out = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            UpstreamGroup.PeerState p = g.get(g.newTries());
            out.merge(p == null ? "-" : p.peer.name(), 1, Integer::sum);
            if (p != null && !holding.contains(p.peer.name())) {
                g.free(p, false);
            }
        }
        return out;
    }

    @Test
    void drawsFollowTheWeights() {
        UpstreamGroup g = group(false, List.of(peer("a", 1, 5), peer("b", 2, 3), peer("c", 3, 2)), List.of());
        TreeMap<String, Integer> c = counts(g, 20_000, "");
        // 50 %, 30 %, 20 %: each within 1.5 points (over 6 standard deviations)
        assertTrue(Math.abs(c.get("a") - 10_000) < 300, c.toString());
        assertTrue(Math.abs(c.get("b") - 6_000) < 300, c.toString());
        assertTrue(Math.abs(c.get("c") - 4_000) < 300, c.toString());
    }

    @Test
    void unavailablePeersAreNeverDrawn() {
        UpstreamGroup.PeerState a = peer("a", 1, 1);
        UpstreamGroup.PeerState b = peer("b", 2, 1, 1, 1);
        UpstreamGroup.PeerState c = peer("c", 3, 1);
        UpstreamGroup g = group(false, List.of(a, b, c), List.of());
        a.setUnhealthy(true);
        UpstreamGroup.PeerState held;
        do {
            held = g.get(g.newTries());
            if (held != b) {
                g.free(held, false);
            }
        } while (held != b);
        // a unhealthy, b at max_conns=1
        assertEquals(java.util.Map.of("c", 200), counts(g, 200, ""));
    }

    @Test
    void twoTakesTheOneWithFewerConnections() {
        UpstreamGroup g = group(true, List.of(peer("a", 1, 1), peer("b", 2, 1), peer("h", 3, 1)), List.of());
        // h keeps what it gets: once it holds one, any pair with h leaves it the other
        TreeMap<String, Integer> first = counts(g, 30, "h");
        assertEquals(1, first.get("h"), first.toString());
        TreeMap<String, Integer> more = counts(g, 300, "h");
        assertEquals(null, more.get("h"), more.toString());
        assertTrue(more.get("a") > 100 && more.get("b") > 100, more.toString());
    }

    @Test
    void plainRandomKeepsSendingToABusyPeer() {
        UpstreamGroup g = group(false, List.of(peer("a", 1, 1), peer("b", 2, 1), peer("h", 3, 1)), List.of());
        TreeMap<String, Integer> c = counts(g, 300, "h");
        assertTrue(c.get("h") > 50, c.toString());
    }

    @Test
    void afterTwentyDrawsRoundRobinAndTheBackups() {
        UpstreamGroup.PeerState a = peer("a", 1, 1);
        UpstreamGroup.PeerState b = peer("b", 2, 1);
        UpstreamGroup g = group(true, List.of(a, b), List.of(peer("k", 9, 1)));
        a.setUnhealthy(true);
        b.setUnhealthy(true);
        UpstreamGroup.Tries t = g.newTries();
        assertEquals("k", g.get(t).peer.name());
        assertEquals(21, t.methodTries);
        UpstreamGroup none = group(false, List.of(a, b), List.of());
        assertNull(none.get(none.newTries()));
    }

    @Test
    void aRequestTriesEachPeerOnce() {
        UpstreamGroup g = group(false, List.of(peer("a", 1, 1), peer("b", 2, 1), peer("c", 3, 1)), List.of());
        UpstreamGroup.Tries t = g.newTries();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 3; i++) {
            UpstreamGroup.PeerState p = g.get(t);
            seen.add(p.peer.name());
            g.free(p, false);
        }
        assertEquals(java.util.Set.of("a", "b", "c"), seen);
        assertEquals(0, t.left());
        assertEquals(3, g.stats().stream().mapToLong(UpstreamGroup.PeerStats::requests).sum());
    }
}
