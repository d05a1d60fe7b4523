package dev.portico.balancer;

import dev.portico.balancer.UpstreamGroup.PeerState;
import dev.portico.balancer.UpstreamGroup.Tries;
import dev.portico.http.HttpExchange;
import dev.portico.http.Template;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * {@code hash KEY} without {@code consistent} (ngx_http_upstream_hash_module):
 * the key, a value with variables rendered per request, picks the peer as
 * Cache::Memcached does. Each round adds ((crc32([N] KEY) >> 16) & 0x7fff) to
 * the request's sum (N, the round's number, is left out the first time); the
 * sum mod the total weight falls into one peer's share of the weights. An
 * unavailable or tried peer hashes on; after 20 misses the request goes by
 * round robin, as do an empty key and a group of one peer.
 */
public final class GenericHash implements BalancingMethod {

    private final Template key;

    public GenericHash(Template key) {
        this.key = key;
    }

    @Override
    public String directive() {
        return "hash";
    }

    @Override
    public byte[] key(HttpExchange x) {
        return render(key, x);
    }

    /**
     * The key's bytes as nginx hashes them: a request's text is held one byte
     * per char, so chars up to 0xFF are single bytes; any other char (from the
     * configuration) is encoded in UTF-8.
     */
    static byte[] render(Template key, HttpExchange x) {
        String text = key.render(x);
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        text.codePoints().forEach(c -> {
            if (c <= 0xFF) {
                out.write(c);
            } else {
                out.writeBytes(Character.toString(c).getBytes(StandardCharsets.UTF_8));
            }
        });
        return out.toByteArray();
    }

    @Override
    public PeerState choose(UpstreamGroup group, Tries t, long now) {
        if (t.methodTries > 20 || group.single || t.key.length == 0) {
            return WeightedRoundRobin.roundRobin(group, t, now);
        }
        for (;;) {
            CRC32 crc = new CRC32();
            if (t.rehash > 0) {
                crc.update(Integer.toString(t.rehash).getBytes(StandardCharsets.US_ASCII));
            }
            crc.update(t.key);
            t.hash = (t.hash + ((crc.getValue() >>> 16) & 0x7fff)) & 0xFFFF_FFFFL; // nginx's uint32_t sum
            t.rehash++;
            int p = IpHash.weightedIndex(group.primary, t.hash % group.totalWeight);
            PeerState peer = group.primary[p];
            if (!t.triedPrimary[p] && peer.available(now)) {
                return peer;
            }
            if (++t.methodTries > 20) {
                return WeightedRoundRobin.roundRobin(group, t, now);
            }
        }
    }
}
