package dev.portico.balancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portico.proxy.Peer;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** nginx's smooth weighted round robin and passive health, pick by pick. */
class UpstreamGroupTest {

    private long now = 1000;

    private static UpstreamGroup.PeerState peer(String name, int port, int weight, int maxFails, long failTimeout,
                                                boolean down) {
        return new UpstreamGroup.PeerState(new Peer(name, new InetSocketAddress("127.0.0.1", port), null), weight,
                maxFails, failTimeout, down, 0);
    }

    private UpstreamGroup group(List<UpstreamGroup.PeerState> primary, List<UpstreamGroup.PeerState> backup) {
        return new UpstreamGroup("backend", null, false, primary, backup, () -> now);
    }

    /** n requests, each served by its first peer without failure. */
    private static List<String> picks(UpstreamGroup g, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            UpstreamGroup.PeerState p = g.get(g.newTries());
            out.add(p == null ? "-" : p.peer.name());
            if (p != null) {
                g.free(p, false);
            }
        }
        return out;
    }

    @Test
    void weightsThreeToTwoGiveNginxSmoothOrder() {
        // current_weight += weight; pick max; best -= total (5):
        // (3,2)->a (-2,2); (1,4)->b (1,-1); (4,1)->a (-1,1); (2,3)->b (2,-2); (5,0)->a (0,0)
        UpstreamGroup g = group(List.of(peer("a", 1, 3, 1, 10, false), peer("b", 2, 2, 1, 10, false)), List.of());
        assertEquals(List.of("a", "b", "a", "b", "a", "a", "b", "a", "b", "a"), picks(g, 10));
    }

    @Test
    void weightsFiveOneOneAsNginxDocuments() {
        UpstreamGroup g = group(List.of(peer("a", 1, 5, 1, 10, false), peer("b", 2, 1, 1, 10, false),
                peer("c", 3, 1, 1, 10, false)), List.of());
        assertEquals(List.of("a", "a", "b", "a", "c", "a", "a"), picks(g, 7));
    }

    @Test
    void downPeersAreSkipped() {
        UpstreamGroup g = group(List.of(peer("a", 1, 1, 1, 10, true), peer("b", 2, 1, 1, 10, false)), List.of());
        assertEquals(List.of("b", "b", "b"), picks(g, 3));
    }

    @Test
    void backupOnlyWhenEveryPrimaryIsUnavailable() {
        UpstreamGroup.PeerState a = peer("a", 1, 1, 1, 10, false);
        UpstreamGroup.PeerState b = peer("b", 2, 1, 1, 10, false);
        UpstreamGroup g = group(List.of(a, b), List.of(peer("k", 3, 1, 1, 10, false)));
        assertEquals(List.of("a", "b", "a", "b"), picks(g, 4));
        // One request fails on both primaries, then goes to the backup.
        UpstreamGroup.Tries t = g.newTries();
        UpstreamGroup.PeerState first = g.get(t);
        assertTrue(g.free(first, true));
        UpstreamGroup.PeerState second = g.get(t);
        assertTrue(g.free(second, true));
        UpstreamGroup.PeerState third = g.get(t);
        assertEquals("k", third.peer.name());
        g.free(third, false);
        assertEquals(0, t.left());
        // Both primaries stay out for fail_timeout (10 s), then come back.
        assertEquals(List.of("k", "k"), picks(g, 2));
        now += 11;
        List<String> back = picks(g, 4);
        assertTrue(back.contains("a") && back.contains("b") && !back.contains("k"), back.toString());
    }

    @Test
    void maxFailsWithinFailTimeout() {
        UpstreamGroup.PeerState a = peer("a", 1, 1, 2, 30, false);
        UpstreamGroup.PeerState b = peer("b", 2, 1, 2, 30, false);
        UpstreamGroup g = group(List.of(a, b), List.of());
        UpstreamGroup.Tries t = g.newTries();
        UpstreamGroup.PeerState p = g.get(t);
        assertEquals("a", p.peer.name());
        assertEquals(false, g.free(p, true)); // 1 of 2
        p = g.get(g.newTries());
        assertEquals("b", p.peer.name());
        g.free(p, false);
        p = g.get(g.newTries());
        assertEquals("a", p.peer.name());
        assertTrue(g.free(p, true)); // 2 of 2: out for 30 s
        assertEquals(List.of("b", "b", "b"), picks(g, 3));
        now += 30;
        assertEquals(List.of("b", "b"), picks(g, 2)); // now - checked <= fail_timeout still skips
        now += 1;
        List<String> after = picks(g, 4);
        assertTrue(after.contains("a"), after.toString());
    }

    @Test
    void maxFailsZeroDisablesAccounting() {
        UpstreamGroup.PeerState a = peer("a", 1, 1, 0, 10, false);
        UpstreamGroup.PeerState b = peer("b", 2, 1, 0, 10, false);
        UpstreamGroup g = group(List.of(a, b), List.of());
        for (int i = 0; i < 5; i++) {
            UpstreamGroup.PeerState p = g.get(g.newTries());
            g.free(p, p == a);
        }
        List<String> after = picks(g, 4);
        assertEquals(2, after.stream().filter("a"::equals).count(), after.toString());
    }

    @Test
    void failTimeoutZeroSkipsOnlyWithinTheSameSecond() {
        UpstreamGroup.PeerState a = peer("a", 1, 1, 1, 0, false);
        UpstreamGroup.PeerState b = peer("b", 2, 1, 1, 0, false);
        UpstreamGroup g = group(List.of(a, b), List.of());
        UpstreamGroup.PeerState p = g.get(g.newTries());
        assertEquals("a", p.peer.name());
        g.free(p, true);
        assertEquals(List.of("b", "b"), picks(g, 2));
        now += 1;
        assertTrue(picks(g, 3).contains("a"));
    }

    @Test
    void noLivePeerWhenAllFailedUntilFailTimeoutHasPassed() {
        UpstreamGroup g = group(List.of(peer("a", 1, 1, 1, 10, false), peer("b", 2, 1, 1, 10, false)), List.of());
        UpstreamGroup.Tries t = g.newTries();
        g.free(g.get(t), true);
        g.free(g.get(t), true);
        assertNull(g.get(t)); // this request: "no live upstreams"
        // As nginx 1.22: the next requests find no live peer either, until fail_timeout has passed.
        assertNull(g.get(g.newTries()));
        now += 10;
        assertNull(g.get(g.newTries()));
        now += 1;
        assertNotNull(g.get(g.newTries()));
    }

    @Test
    void singlePeerIsNeverTakenOut() {
        UpstreamGroup g = group(List.of(peer("a", 1, 1, 1, 10, false)), List.of());
        UpstreamGroup.PeerState p = g.get(g.newTries());
        g.free(p, true);
        assertEquals(List.of("a", "a"), picks(g, 2));
    }

    @Test
    void aSinglePeerIsTriedAgainOnlyForTheExtraTryOfAFailedKeptConnection() {
        UpstreamGroup g = group(List.of(peer("a", 1, 1, 1, 10, false)), List.of());
        UpstreamGroup.Tries t = g.newTries();
        UpstreamGroup.PeerState p = g.get(t);
        assertEquals(0, t.left());
        g.free(p, true);
        assertNull(g.get(t), "one try for a single peer");
        t.addOne();
        assertEquals("a", g.get(t).peer.name());
    }

    @Test
    void aPrimaryWithBackupsIsTakenOutByItsFailures() {
        // nginx's peers->single is off when backups exist: the one primary follows max_fails.
        UpstreamGroup g = group(List.of(peer("a", 1, 1, 1, 10, false)), List.of(peer("k", 2, 1, 1, 10, false)));
        UpstreamGroup.Tries t = g.newTries();
        UpstreamGroup.PeerState p = g.get(t);
        assertTrue(g.free(p, true));
        assertEquals("k", g.get(t).peer.name());
        assertEquals(List.of("k", "k"), picks(g, 2));
    }

    @Test
    void nextUpstreamTriesLimitsAndAFailedKeptConnectionAddsOne() {
        UpstreamGroup g = group(List.of(peer("a", 1, 1, 0, 10, false), peer("b", 2, 1, 0, 10, false),
                peer("c", 3, 1, 0, 10, false)), List.of());
        UpstreamGroup.Tries t = g.newTries();
        assertEquals(3, t.left());
        t.limit(2);
        assertEquals(2, t.left());
        t.limit(0); // no limit: unchanged
        assertEquals(2, t.left());
        g.get(t);
        t.addOne();
        assertEquals(2, t.left());
    }
}
