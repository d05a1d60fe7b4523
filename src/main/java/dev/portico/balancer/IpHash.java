package dev.portico.balancer;

import dev.portico.balancer.UpstreamGroup.PeerState;
import dev.portico.balancer.UpstreamGroup.Tries;
import dev.portico.http.HttpExchange;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;

/**
 * {@code ip_hash} (ngx_http_upstream_ip_hash_module): the client's address
 * picks the peer, so a client keeps its server while that server is available.
 * An IPv4 client is hashed by its first three octets (a /24 shares a server),
 * an IPv6 client by its whole address, a unix-socket client as 0.0.0. The
 * hash starts at 89, each byte makes it (hash × 113 + byte) mod 6271, and
 * hash mod the total weight falls into one peer's share of the weights. An
 * unavailable or tried peer hashes on; after 20 misses the request goes by
 * round robin, as does a group of one peer.
 */
public final class IpHash implements BalancingMethod {

    private static final byte[] UNIX_CLIENT = {0, 0, 0};

    @Override
    public String directive() {
        return "ip_hash";
    }

    @Override
    public byte[] key(HttpExchange x) {
        return addressBytes(x.connection().channel().remoteAddress());
    }

    /** The bytes nginx hashes for a client at {@code address}. */
    static byte[] addressBytes(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            InetAddress a = inet.getAddress();
            byte[] raw = a.getAddress();
            return a instanceof Inet4Address ? Arrays.copyOf(raw, 3) : raw;
        }
        return UNIX_CLIENT;
    }

    @Override
    public void start(UpstreamGroup group, Tries t) {
        t.hash = 89;
    }

    @Override
    public PeerState choose(UpstreamGroup group, Tries t, long now) {
        if (t.methodTries > 20 || group.single) {
            return WeightedRoundRobin.roundRobin(group, t, now);
        }
        long hash = t.hash;
        for (;;) {
            for (byte b : t.key) {
                hash = (hash * 113 + (b & 0xff)) % 6271;
            }
            int p = weightedIndex(group.primary, hash % group.totalWeight);
            PeerState peer = group.primary[p];
            if (!t.triedPrimary[p] && peer.available(now)) {
                t.hash = hash;
                return peer;
            }
            if (++t.methodTries > 20) {
                return WeightedRoundRobin.roundRobin(group, t, now);
            }
        }
    }

    /** The peer whose share of the weights holds {@code w} (0 ≤ w < total weight). */
    static int weightedIndex(PeerState[] peers, long w) {
        int p = 0;
        while (w >= peers[p].weight) {
            w -= peers[p].weight;
            p++;
        }
        return p;
    }
}
