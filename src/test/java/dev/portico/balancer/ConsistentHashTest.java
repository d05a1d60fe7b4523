package dev.portico.balancer;

import static dev.portico.balancer.Peers.group;
import static dev.portico.balancer.Peers.key;
import static dev.portico.balancer.Peers.peer;
import static dev.portico.balancer.Peers.picks;
import static dev.portico.balancer.Peers.uris;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portico.http.Template;
import dev.portico.proxy.Peer;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code hash KEY consistent}: the sequences were recorded from nginx 1.22.1 with the same servers and keys. */
class ConsistentHashTest {

    private long now = 1000;

    private UpstreamGroup ring(List<UpstreamGroup.PeerState> peers) {
        return group(new ConsistentHash(Template.literal(""), peers), peers, List.of(), () -> now);
    }

    private List<UpstreamGroup.PeerState> threeServers() {
        return List.of(peer("a", 17001, 3), peer("b", 17002, 2), peer("c", 17003, 1));
    }

    @Test
    void requestUrisAsNginxPlacesThem() {
        // nginx 1.22.1, "hash $request_uri consistent;" over 127.0.0.1:17001 weight=3,
        // 127.0.0.1:17002 weight=2, 127.0.0.1:17003; URIs /ch/k1 … /ch/k20
        assertEquals("cbababcbbabbacaabaaa", picks(ring(threeServers()), uris("/ch/", 20)));
    }

    @Test
    void onePointPer160thOfAWeightUnit() {
        assertEquals(6 * 160, ConsistentHash.ring(threeServers()).length);
    }

    @Test
    void removingAServerMovesOnlyItsKeys() {
        List<byte[]> keys = uris("/ch/", 200);
        String three = picks(ring(threeServers()), keys);
        String two = picks(ring(List.of(peer("a", 17001, 3), peer("b", 17002, 2))), keys);
        int moved = 0;
        for (int i = 0; i < keys.size(); i++) {
            if (three.charAt(i) != 'c') {
                assertEquals(three.charAt(i), two.charAt(i), "key " + (i + 1));
            } else {
                moved++;
            }
        }
        assertTrue(moved > 0 && moved < 100, "moved " + moved);
    }

    @Test
    void anUnavailableServerPassesItsKeysToTheNextPoint() {
        List<UpstreamGroup.PeerState> peers = threeServers();
        UpstreamGroup g = ring(peers);
        List<byte[]> keys = uris("/ch/", 20);
        peers.get(2).setUnhealthy(true);
        String withoutC = picks(g, keys);
        String all = "cbababcbbabbacaabaaa";
        for (int i = 0; i < all.length(); i++) {
            if (all.charAt(i) == 'c') {
                assertNotEquals('c', withoutC.charAt(i));
            } else {
                assertEquals(all.charAt(i), withoutC.charAt(i));
            }
        }
    }

    @Test
    void theAddressesOfOneServerNameShareItsPointsByRoundRobin() {
        // "server localhost:8080;" resolving to two addresses: one server on the ring.
        UpstreamGroup.PeerState v4 = new UpstreamGroup.PeerState(
                new Peer("x", new InetSocketAddress("127.0.0.1", 8080), null), "localhost:8080", 1, 1, 10, false, 0);
        UpstreamGroup.PeerState v6 = new UpstreamGroup.PeerState(
                new Peer("y", new InetSocketAddress("::1", 8080), null), "localhost:8080", 1, 1, 10, false, 0);
        List<UpstreamGroup.PeerState> peers = List.of(v4, v6, peer("o", 9000, 1));
        // Both addresses place the same 160 points; one of each is kept.
        assertEquals(2 * 160, ConsistentHash.ring(peers).length);
        UpstreamGroup g = ring(peers);
        int k = 1;
        while (picks(g, List.of(key("/k" + k))).equals("o")) {
            k++;
        }
        String picks = picks(g, Collections.nCopies(4, key("/k" + k)));
        assertTrue(picks.equals("xyxy") || picks.equals("yxyx"), picks);
    }

    @Test
    void unixSocketsAreHashedByTheirPath() {
        UpstreamGroup.PeerState unix = new UpstreamGroup.PeerState(Peer.unix("/run/app.sock"), "unix:/run/app.sock",
                1, 1, 10, false, 0);
        UpstreamGroup.PeerState sameAsPath = new UpstreamGroup.PeerState(Peer.unix("/other.sock"), "/run/app.sock",
                1, 1, 10, false, 0);
        ConsistentHash.Point[] a = ConsistentHash.ring(List.of(unix));
        ConsistentHash.Point[] b = ConsistentHash.ring(List.of(sameAsPath));
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i].hash(), b[i].hash());
        }
    }
}
