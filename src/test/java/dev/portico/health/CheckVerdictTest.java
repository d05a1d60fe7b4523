package dev.portico.health;

import static dev.portico.health.CheckVerdict.Change.HEALTHY;
import static dev.portico.health.CheckVerdict.Change.NONE;
import static dev.portico.health.CheckVerdict.Change.UNHEALTHY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.balancer.UpstreamGroup;
import dev.portico.proxy.Peer;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** fails, passes and mandatory as NGINX Plus counts them, and one peer's verdict over several checks. */
class CheckVerdictTest {

    @Test
    void failsAndPassesCountConsecutiveResults() {
        CheckVerdict v = new CheckVerdict(3, 2, false);
        assertThat(v.up()).isTrue();
        assertThat(v.record(false)).isEqualTo(NONE);
        assertThat(v.record(false)).isEqualTo(NONE);
        assertThat(v.record(true)).isEqualTo(NONE); // a pass starts the count of failures again
        assertThat(v.record(false)).isEqualTo(NONE);
        assertThat(v.record(false)).isEqualTo(NONE);
        assertThat(v.up()).isTrue();
        assertThat(v.record(false)).isEqualTo(UNHEALTHY);
        assertThat(v.up()).isFalse();
        assertThat(v.record(false)).isEqualTo(NONE); // already out: no second transition
        assertThat(v.record(true)).isEqualTo(NONE);
        assertThat(v.record(false)).isEqualTo(NONE);
        assertThat(v.record(true)).isEqualTo(NONE);
        assertThat(v.record(true)).isEqualTo(HEALTHY);
        assertThat(v.up()).isTrue();
        assertThat(v.record(true)).isEqualTo(NONE);
    }

    @Test
    void defaultsChangeOnEachResult() {
        CheckVerdict v = new CheckVerdict(1, 1, false);
        assertThat(v.record(true)).isEqualTo(NONE);
        assertThat(v.record(false)).isEqualTo(UNHEALTHY);
        assertThat(v.record(true)).isEqualTo(HEALTHY);
    }

    @Test
    void mandatoryIsCheckingUntilTheFirstResultDecides() {
        CheckVerdict passing = new CheckVerdict(3, 3, true);
        assertThat(passing.up()).isFalse();
        assertThat(passing.record(true)).isEqualTo(HEALTHY); // the first result decides, whatever passes=
        assertThat(passing.up()).isTrue();

        CheckVerdict failing = new CheckVerdict(3, 2, true);
        assertThat(failing.record(false)).isEqualTo(UNHEALTHY); // known to fail now, whatever fails=
        assertThat(failing.up()).isFalse();
        assertThat(failing.record(true)).isEqualTo(NONE); // then passes= counts
        assertThat(failing.record(true)).isEqualTo(HEALTHY);
    }

    @Test
    void persistentResumesHealthyWithoutChecking() {
        CheckVerdict v = new CheckVerdict(2, 1, true);
        v.resumeHealthy();
        assertThat(v.up()).isTrue();
        assertThat(v.record(false)).isEqualTo(NONE); // an ordinary healthy peer now: fails=2
        assertThat(v.record(false)).isEqualTo(UNHEALTHY);
    }

    @Test
    void aPeerIsHealthyOnlyWhileNoCheckHoldsItDown() {
        UpstreamGroup.PeerState p = new UpstreamGroup.PeerState(Peer.tcp(new InetSocketAddress("127.0.0.1", 1)),
                1, 1, 10, false, 0);
        PeerHealth h = new PeerHealth(p);
        assertThat(h.healthy()).isTrue();
        h.changed(false); // one location's check fails
        assertThat(p.isUnhealthy()).isTrue();
        h.changed(false); // another's too
        h.changed(true); // one of them passes again: the other still holds it down
        assertThat(p.isUnhealthy()).isTrue();
        assertThat(h.healthy()).isFalse();
        h.changed(true);
        assertThat(p.isUnhealthy()).isFalse();
        assertThat(h.healthy()).isTrue();
    }
}
