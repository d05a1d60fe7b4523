package dev.portico.balancer;

import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfigException;
import dev.portico.config.syntax.SourceLocation;
import dev.portico.proxy.Peer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The upstream groups of one configuration load (nginx's
 * ngx_http_upstream_main_conf_t upstreams): the blocks by name, and the
 * implicit one-address groups of proxy_pass URLs, shared by equal addresses.
 * Each declaration gets a sequence number so that errors can follow nginx's
 * order-dependent wording.
 */
public final class Upstreams {

    /** A declared upstream block and its position in the configuration's order. */
    public record Declared(UpstreamGroup group, int sequence) {
    }

    private final Map<String, Declared> blocks = new LinkedHashMap<>();
    private final Map<String, UpstreamGroup> implicit = new HashMap<>();
    private int sequence;

    public static Upstreams of(ConfigBuild build) {
        return build.shared(Upstreams.class, Upstreams::new);
    }

    /** The next position in declaration order (upstream blocks and proxy_pass directives). */
    public int nextSequence() {
        return ++sequence;
    }

    void declare(String name, UpstreamGroup group, SourceLocation where, int seq) throws ConfigException {
        String key = name.toLowerCase(java.util.Locale.ROOT);
        if (blocks.containsKey(key)) {
            throw new ConfigException("duplicate upstream \"" + name + "\"", where);
        }
        blocks.put(key, new Declared(group, seq));
    }

    /** The upstream blocks' groups in the order they were declared (for the status endpoint). */
    public List<UpstreamGroup> blockGroups() {
        return blocks.values().stream().map(Declared::group).toList();
    }

    /** The upstream block of this name (nginx compares upstream names case-insensitively), or null. */
    public Declared block(String host) {
        return blocks.get(host.toLowerCase(java.util.Locale.ROOT));
    }

    /** The implicit group of a proxy_pass address: one peer per address, nginx's defaults. */
    public UpstreamGroup implicitGroup(String name, List<Peer> peers) {
        return implicit.computeIfAbsent(name, n -> new UpstreamGroup(n, null, true,
                peers.stream().map(p -> new UpstreamGroup.PeerState(p, 1, 1, 10, false, 0)).toList(), List.of(),
                UpstreamGroup.systemClock()));
    }
}
