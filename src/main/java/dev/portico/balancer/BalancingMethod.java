package dev.portico.balancer;

import dev.portico.balancer.UpstreamGroup.PeerState;
import dev.portico.balancer.UpstreamGroup.Tries;
import dev.portico.http.HttpExchange;

/**
 * How an upstream group picks a peer for a request: one of nginx's balancing
 * modules (round robin, least_conn, ip_hash, hash, hash consistent, random).
 * The group calls it under its lock; it reads and updates the peers' shared
 * state and the request's {@link Tries}, and skips every peer that is not
 * {@link PeerState#available} or that the request already tried. The group
 * marks the chosen peer tried and counts it.
 */
public interface BalancingMethod {

    /** The directive as nginx's configuration names it ("round robin" for none). */
    String directive();

    /**
     * What the method takes from the request, computed once when the request
     * starts: ip_hash's client address bytes, hash's rendered key. Null for
     * methods that take nothing.
     */
    default byte[] key(HttpExchange x) {
        return null;
    }

    /** Sets up the request's own state (nginx's init_peer): ip_hash's first hash, a consistent hash's point. */
    default void start(UpstreamGroup group, Tries t) {
    }

    /** The peer for the request's next try, or null when none is live (nginx's NGX_BUSY). */
    PeerState choose(UpstreamGroup group, Tries t, long now);
}
