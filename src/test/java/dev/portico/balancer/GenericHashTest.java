package dev.portico.balancer;

import static dev.portico.balancer.Peers.group;
import static dev.portico.balancer.Peers.key;
import static dev.portico.balancer.Peers.peer;
import static dev.portico.balancer.Peers.picks;
import static dev.portico.balancer.Peers.uris;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.portico.http.Template;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code hash KEY}: the sequences were recorded from nginx 1.22.1 with the same servers and keys. */
class GenericHashTest {

    private long now = 1000;

    private UpstreamGroup threeServers() {
        return group(new GenericHash(Template.literal("")), List.of(peer("a", 17001, 3), peer("b", 17002, 2),
                peer("c", 17003, 1)), List.of(), () -> now);
    }

    @Test
    void requestUrisAsNginxPlacesThem() {
        // nginx 1.22.1, "hash $request_uri;" over weights 3, 2, 1, URIs /h/k1 … /h/k20
        assertEquals("abababbcacaabacbbaab", picks(threeServers(), uris("/h/", 20)));
    }

    @Test
    void aKeyAlwaysGetsItsServer() {
        UpstreamGroup g = threeServers();
        assertEquals("bbbbb", picks(g, Collections.nCopies(5, key("/h/k2"))));
    }

    @Test
    void anEmptyKeyGoesByRoundRobin() {
        // nginx 1.22.1, "hash $arg_k;" with no k: smooth weighted round robin 3:2:1
        assertEquals("abacbaabac", picks(threeServers(), Collections.nCopies(10, key(""))));
    }

    @Test
    void aRetryHashesAgainToAnotherServer() {
        UpstreamGroup g = threeServers();
        UpstreamGroup.Tries t = g.newTries(key("/h/k2"));
        UpstreamGroup.PeerState first = g.get(t);
        g.free(first, true);
        UpstreamGroup.PeerState second = g.get(t);
        assertNotNull(second);
        assertNotEquals(first, second);
        g.free(second, true);
        UpstreamGroup.PeerState third = g.get(t);
        assertNotNull(third);
        assertNotEquals(first, third);
        assertNotEquals(second, third);
        g.free(third, false);
        assertEquals(0, t.left());
        assertNull(g.get(t));
    }

    @Test
    void unavailableServersAreSkipped() {
        UpstreamGroup.PeerState a = peer("a", 17001, 3);
        UpstreamGroup.PeerState b = peer("b", 17002, 2, 1, 1);
        UpstreamGroup.PeerState c = peer("c", 17003, 1);
        UpstreamGroup g = group(new GenericHash(Template.literal("")), List.of(a, b, c), List.of(), () -> now);
        List<byte[]> keys = uris("/h/", 20);
        a.setUnhealthy(true);
        String withoutA = picks(g, keys);
        assertEquals(-1, withoutA.indexOf('a'), withoutA);
        a.setUnhealthy(false);
        // b at max_conns=1 while a request holds it
        UpstreamGroup.PeerState held = g.get(g.newTries(key("/h/k2")));
        assertEquals("b", held.peer.name());
        String withoutB = picks(g, keys);
        assertEquals(-1, withoutB.indexOf('b'), withoutB);
        g.free(held, false);
        // c failed (max_fails=1) stays out for fail_timeout
        UpstreamGroup.PeerState failed = g.get(g.newTries(key("/h/k8")));
        assertEquals("c", failed.peer.name());
        g.free(failed, true);
        String withoutC = picks(g, keys);
        assertEquals(-1, withoutC.indexOf('c'), withoutC);
        now += 11;
        assertEquals("abababbcacaabacbbaab", picks(g, keys));
    }

    @Test
    void afterTwentyMissesRoundRobinAndTheBackups() {
        UpstreamGroup.PeerState a = peer("a", 17001, 1);
        UpstreamGroup.PeerState b = peer("b", 17002, 1);
        UpstreamGroup g = group(new GenericHash(Template.literal("")), List.of(a, b),
                List.of(peer("k", 17009, 1)), () -> now);
        a.setUnhealthy(true);
        b.setUnhealthy(true);
        UpstreamGroup.Tries t = g.newTries(key("/x"));
        assertEquals("k", g.get(t).peer.name());
        assertEquals(21, t.methodTries);
    }

    @Test
    void triesLimitsAndExtraTriesWork() {
        UpstreamGroup g = threeServers();
        UpstreamGroup.Tries t = g.newTries(key("/h/k1"));
        assertEquals(3, t.left());
        t.limit(1);
        List<UpstreamGroup.PeerState> got = new ArrayList<>();
        got.add(g.get(t));
        g.free(got.get(0), true);
        assertEquals(0, t.left());
        t.addOne();
        got.add(g.get(t));
        assertNotEquals(got.get(0), got.get(1));
        assertEquals(1, g.stats().stream().filter(s -> s.name().equals(got.get(1).peer.name()))
                .findFirst().orElseThrow().active());
    }
}
