package dev.portico.balancer;

import dev.portico.balancer.UpstreamGroup.PeerState;
import dev.portico.balancer.UpstreamGroup.Tries;
import dev.portico.http.HttpExchange;
import dev.portico.http.Template;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32;

/**
 * {@code hash KEY consistent} (ngx_http_upstream_hash_module's ketama, as
 * Cache::Memcached::Fast places servers): each server gets 160 points per unit
 * of weight on a ring of 32-bit values; the first is crc32(HOST \0 PORT and
 * four zero bytes), each next one crc32(HOST \0 PORT and the previous point's
 * four bytes, little-endian). HOST and PORT come from the {@code server}
 * directive's address as written ({@code unix:PATH} has no port), so adding or
 * removing a server moves only the keys near its points. A request's key
 * (crc32 of the rendered value) starts at the first point at or above it;
 * that point's server serves it, by smooth weighted round robin among the
 * server's addresses when its name has several. A server with none available
 * passes to the next point; after 20 misses the request goes by round robin,
 * as do an empty key and a group of one peer.
 */
public final class ConsistentHash implements BalancingMethod {

    static final int POINTS_PER_WEIGHT = 160;

    /** One point of the ring: a hash and the server it belongs to. */
    record Point(long hash, String server) {
    }

    private final Template key;
    private final Point[] points;

    /** A ring for {@code primary}: the points are placed once, when the configuration is loaded. */
    public ConsistentHash(Template key, List<PeerState> primary) {
        this.key = key;
        this.points = ring(primary);
    }

    @Override
    public String directive() {
        return "hash consistent";
    }

    /** The ring, sorted by hash, one point kept for hashes that several points share. */
    static Point[] ring(List<PeerState> primary) {
        List<Point> all = new ArrayList<>();
        for (PeerState peer : primary) {
            String server = peer.server;
            String host = server;
            String port = "";
            if (server.regionMatches(true, 0, "unix:", 0, 5)) {
                host = server.substring(5);
            } else {
                for (int j = server.length() - 1; j >= 0; j--) {
                    char c = server.charAt(j);
                    if (c == ':') {
                        host = server.substring(0, j);
                        port = server.substring(j + 1);
                        break;
                    }
                    if (c < '0' || c > '9') {
                        break;
                    }
                }
            }
            byte[] base = (host + "\0" + port).getBytes(StandardCharsets.ISO_8859_1);
            long previous = 0;
            for (int j = 0; j < peer.weight * POINTS_PER_WEIGHT; j++) {
                CRC32 crc = new CRC32();
                crc.update(base);
                crc.update(new byte[] {(byte) previous, (byte) (previous >>> 8), (byte) (previous >>> 16),
                        (byte) (previous >>> 24)});
                previous = crc.getValue();
                all.add(new Point(previous, server));
            }
        }
        all.sort(Comparator.comparingLong(Point::hash)); // stable, as glibc's merge sort behind ngx_qsort
        List<Point> unique = new ArrayList<>(all.size());
        for (Point p : all) {
            if (unique.isEmpty() || unique.get(unique.size() - 1).hash() != p.hash()) {
                unique.add(p);
            }
        }
        return unique.toArray(new Point[0]);
    }

    /** ngx_http_upstream_find_chash_point: the first point at or above {@code hash} (may be past the last). */
    static int firstPointAtOrAbove(Point[] points, long hash) {
        int i = 0;
        int j = points.length;
        while (i < j) {
            int k = (i + j) >>> 1;
            if (hash > points[k].hash()) {
                i = k + 1;
            } else if (hash < points[k].hash()) {
                j = k;
            } else {
                return k;
            }
        }
        return i;
    }

    @Override
    public byte[] key(HttpExchange x) {
        return GenericHash.render(key, x);
    }

    @Override
    public void start(UpstreamGroup group, Tries t) {
        if (t.key != null) {
            CRC32 crc = new CRC32();
            crc.update(t.key);
            t.hash = firstPointAtOrAbove(points, crc.getValue());
        }
    }

    @Override
    public PeerState choose(UpstreamGroup group, Tries t, long now) {
        if (t.methodTries > 20 || group.single || t.key.length == 0) {
            return WeightedRoundRobin.roundRobin(group, t, now);
        }
        for (;;) {
            String server = points[(int) (t.hash % points.length)].server();
            PeerState best = WeightedRoundRobin.pick(group.primary, t.triedPrimary, now,
                    p -> p.server.equals(server));
            if (best != null) {
                return best;
            }
            t.hash++;
            if (++t.methodTries > 20) {
                return WeightedRoundRobin.roundRobin(group, t, now);
            }
        }
    }
}
