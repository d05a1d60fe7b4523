package dev.portico.balancer;

import dev.portico.proxy.Peer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/** Groups of peers on 127.0.0.1 for the balancing method tests, each peer named by a letter. */
final class Peers {

    private Peers() {
    }

    /** A peer "name" at 127.0.0.1:port, written in its server directive as "127.0.0.1:port". */
    static UpstreamGroup.PeerState peer(String name, int port, int weight) {
        return peer(name, port, weight, 1, 0);
    }

    static UpstreamGroup.PeerState peer(String name, int port, int weight, int maxFails, int maxConns) {
        return new UpstreamGroup.PeerState(new Peer(name, new InetSocketAddress("127.0.0.1", port), null),
                "127.0.0.1:" + port, weight, maxFails, 10, false, maxConns);
    }

    static UpstreamGroup group(BalancingMethod method, List<UpstreamGroup.PeerState> primary,
                               List<UpstreamGroup.PeerState> backup, LongSupplier clock) {
        return new UpstreamGroup("backend", null, false, primary, backup, clock, null, method);
    }

    static byte[] key(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The peer each key's request gets, each served without failure. */
    static String picks(UpstreamGroup g, List<byte[]> keys) {
        StringBuilder out = new StringBuilder();
        for (byte[] key : keys) {
            UpstreamGroup.PeerState p = g.get(g.newTries(key));
            out.append(p == null ? "-" : p.peer.name());
            if (p != null) {
                g.free(p, false);
            }
        }
        return out.toString();
    }

    /** "/prefix/k1" … "/prefix/kN". */
    static List<byte[]> uris(String prefix, int n) {
        List<byte[]> keys = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            keys.add(key(prefix + "k" + i));
        }
        return keys;
    }
}
