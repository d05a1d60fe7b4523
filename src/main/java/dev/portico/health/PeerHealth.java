package dev.portico.health;

import dev.portico.balancer.UpstreamGroup;

/**
 * One peer's verdict over every health check of its group: healthy only while no check holds
 * it down (a failed check, or one still "checking" under {@code mandatory}), as NGINX Plus
 * treats several health checks of one group. Checks of different locations run on different
 * event loops, hence the lock.
 */
final class PeerHealth {

    private final UpstreamGroup.PeerState peer;
    /** How many checks hold the peer down now. */
    private int down;

    PeerHealth(UpstreamGroup.PeerState peer) {
        this.peer = peer;
    }

    /** One check's verdict changed; the peer gets traffic again only when no check holds it down. */
    synchronized void changed(boolean nowUp) {
        down += nowUp ? -1 : 1;
        peer.setUnhealthy(down > 0);
    }

    synchronized boolean healthy() {
        return down == 0;
    }
}
