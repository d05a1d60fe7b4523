package dev.portico.balancer;

import static dev.portico.balancer.Peers.group;
import static dev.portico.balancer.Peers.peer;
import static dev.portico.balancer.Peers.picks;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code ip_hash}: the sequences were recorded from nginx 1.22.1, clients bound to those loopback addresses. */
class IpHashTest {

    private long now = 1000;

    private UpstreamGroup threeServers() {
        return group(new IpHash(), List.of(peer("a", 17001, 3), peer("b", 17002, 2), peer("c", 17003, 1)), List.of(),
                () -> now);
    }

    private static byte[] client(String address) {
        return IpHash.addressBytes(new InetSocketAddress(address, 40000));
    }

    private static List<byte[]> clients(String format, int from, int to) {
        List<byte[]> out = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            out.add(client(String.format(format, i, i * 7 % 256)));
        }
        return out;
    }

    @Test
    void clientsAsNginxPlacesThem() {
        // nginx 1.22.1, weights 3, 2, 1: clients 127.0.0.1 … 127.0.29.1
        assertEquals("abbcaaabbcaaabbcaaabbcaaabbcaa", picks(threeServers(), clients("127.0.%d.1", 0, 29)));
        // clients 127.i.(7i).1 for i = 1 … 20 all land on a
        assertEquals("a".repeat(20), picks(threeServers(), clients("127.%d.%d.1", 1, 20)));
    }

    @Test
    void anIpv4ClientIsHashedByItsFirstThreeOctets() {
        assertArrayEquals(new byte[] {10, 1, 2}, client("10.1.2.3"));
        UpstreamGroup g = threeServers();
        assertEquals(picks(g, List.of(client("127.0.5.1"))), picks(g, List.of(client("127.0.5.200"))));
    }

    @Test
    void anIpv6ClientByItsWholeAddressAUnixClientAsZeros() {
        assertEquals(16, client("::1").length);
        assertEquals(16, client("2001:db8::7").length);
        assertArrayEquals(new byte[] {0, 0, 0}, IpHash.addressBytes(new DomainSocketAddress("/tmp/x.sock")));
    }

    @Test
    void aFailedServersClientsHashOnAndComeBack() {
        UpstreamGroup.PeerState a = peer("a", 17001, 3);
        UpstreamGroup g = group(new IpHash(), List.of(a, peer("b", 17002, 2), peer("c", 17003, 1)), List.of(),
                () -> now);
        List<byte[]> clients = clients("127.0.%d.1", 0, 29);
        UpstreamGroup.PeerState p = g.get(g.newTries(client("127.0.0.1")));
        assertEquals("a", p.peer.name());
        g.free(p, true); // max_fails=1: out for 10 s
        String without = picks(g, clients);
        assertEquals(-1, without.indexOf('a'), without);
        String with = "abbcaaabbcaaabbcaaabbcaaabbcaa";
        for (int i = 0; i < with.length(); i++) {
            if (with.charAt(i) != 'a') {
                assertEquals(with.charAt(i), without.charAt(i));
            }
        }
        now += 11;
        assertEquals(with, picks(g, clients));
    }

    @Test
    void aRetryGoesToAnotherServer() {
        UpstreamGroup g = threeServers();
        UpstreamGroup.Tries t = g.newTries(client("127.0.1.1"));
        UpstreamGroup.PeerState first = g.get(t);
        g.free(first, true);
        UpstreamGroup.PeerState second = g.get(t);
        assertNotEquals(first, second);
        assertEquals(1, t.left());
    }

    @Test
    void onePeerAndDownPeersGoByRoundRobin() {
        UpstreamGroup one = group(new IpHash(), List.of(peer("a", 17001, 1)), List.of(), () -> now);
        assertEquals("aaa", picks(one, clients("127.0.%d.1", 0, 2)));
        UpstreamGroup.PeerState down = new UpstreamGroup.PeerState(peer("d", 17004, 1).peer, "127.0.0.1:17004",
                1, 1, 10, true, 0);
        UpstreamGroup.PeerState b = peer("b", 17002, 1);
        UpstreamGroup g = group(new IpHash(), List.of(down, b), List.of(peer("k", 17009, 1)), () -> now);
        assertEquals("bbb", picks(g, clients("127.0.%d.1", 0, 2)));
        b.setUnhealthy(true);
        // 20 misses, then round robin: the backup listed before ip_hash
        assertEquals("kkk", picks(g, clients("127.0.%d.1", 0, 2)));
    }
}
