package dev.portico.health;

import dev.portico.balancer.UpstreamGroup;
import dev.portico.log.LogLevel;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ScheduledFuture;

/**
 * One health_check of one peer: a task on one event loop that sends a check (a
 * {@link CheckProbe}), counts its results ({@link CheckVerdict}) and logs each change of
 * verdict in NGINX Plus's words
 * ("peer is unhealthy while checking status code, health check "" of peer 127.0.0.1:8001 in
 * upstream "backend""). The next check starts {@code interval} (plus jitter) after one ends,
 * so checks of a peer never overlap. Every field but the cancelling handles is the loop's.
 */
final class PeerCheck {

    final HealthChecks owner;
    final HealthChecks.Target target;
    final UpstreamGroup group;
    final UpstreamGroup.PeerState peer;
    private final PeerHealth health;
    private EventLoop loop;
    private final CheckVerdict verdict;
    private volatile ScheduledFuture<?> next;
    private volatile Channel channel;

    PeerCheck(HealthChecks owner, HealthChecks.Target target, UpstreamGroup group, UpstreamGroup.PeerState peer,
              PeerHealth health) {
        this.owner = owner;
        this.target = target;
        this.group = group;
        this.peer = peer;
        this.health = health;
        this.verdict = new CheckVerdict(target.check.fails(), target.check.passes(), target.check.mandatory());
        if (!verdict.up()) {
            health.changed(false);
        }
    }

    /** Starts checking on {@code loop}; {@code wasHealthy}: persistent, and healthy before the reload. */
    void start(EventLoop loop, boolean wasHealthy) {
        this.loop = loop;
        if (wasHealthy && !verdict.up()) {
            verdict.resumeHealthy();
            health.changed(true);
        }
        loop.execute(() -> schedule(jitter()));
    }

    EventLoop loop() {
        return loop;
    }

    private long jitter() {
        long j = target.check.jitterMillis();
        return j > 0 ? ThreadLocalRandom.current().nextLong(j) : 0;
    }

    private void schedule(long delayMillis) {
        if (!owner.stopped()) {
            next = loop.schedule(this::run, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void run() {
        if (!owner.stopped()) {
            new CheckProbe(this).start();
        }
    }

    /** The probe's connection, closed by {@link #cancel()}. */
    void connecting(Channel ch) {
        channel = ch;
        if (owner.stopped()) {
            ch.close();
        }
    }

    /** Stops: no next check; a check under way is closed and its verdict dropped. */
    void cancel() {
        ScheduledFuture<?> f = next;
        if (f != null) {
            f.cancel(false);
        }
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    /** Writes a line about this check, with which check, peer and upstream it is. */
    void log(LogLevel level, String message) {
        target.log().log(level, message + HealthChecks.describe(target, group, peer.peer));
    }

    /**
     * A check ended (on the loop).
     *
     * @param stage where it failed, or what it checked last when it passed ("checking status code")
     */
    void finished(boolean passed, String stage) {
        channel = null;
        if (owner.stopped()) {
            return;
        }
        boolean wasUp = verdict.up();
        switch (verdict.record(passed)) {
            case HEALTHY -> {
                health.changed(true);
                log(LogLevel.NOTICE, "peer is healthy while " + stage);
            }
            case UNHEALTHY -> {
                if (wasUp) {
                    health.changed(false);
                }
                log(LogLevel.WARN, "peer is unhealthy while " + stage);
            }
            case NONE -> {
            }
        }
        schedule(target.check.intervalMillis() + jitter());
    }
}
