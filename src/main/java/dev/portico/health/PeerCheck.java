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
 * {@link CheckProbe}), counts consecutive passes and failures, and changes its verdict after
 * {@code fails} failures or {@code passes} passes, logging the change in NGINX Plus's words
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
    /** This check's verdict: the peer may get traffic as far as this check is concerned. */
    private boolean up;
    /** mandatory: no check has ended yet (NGINX Plus's "checking" state, no traffic). */
    private boolean checking;
    private int fails;
    private int passes;
    private volatile ScheduledFuture<?> next;
    private volatile Channel channel;

    PeerCheck(HealthChecks owner, HealthChecks.Target target, UpstreamGroup group, UpstreamGroup.PeerState peer,
              PeerHealth health) {
        this.owner = owner;
        this.target = target;
        this.group = group;
        this.peer = peer;
        this.health = health;
        this.checking = target.check.mandatory();
        this.up = !checking;
        if (!up) {
            health.changed(false);
        }
    }

    /** Starts checking on {@code loop}; {@code wasHealthy}: persistent, and healthy before the reload. */
    void start(EventLoop loop, boolean wasHealthy) {
        this.loop = loop;
        if (checking && wasHealthy) {
            checking = false;
            up = true;
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
        if (passed) {
            fails = 0;
            passes++;
            if (checking || (!up && passes >= target.check.passes())) {
                checking = false;
                if (!up) {
                    up = true;
                    health.changed(true);
                    log(LogLevel.NOTICE, "peer is healthy while " + stage);
                }
            }
        } else {
            passes = 0;
            fails++;
            if (checking || (up && fails >= target.check.fails())) {
                boolean wasChecking = checking;
                checking = false;
                if (up || wasChecking) {
                    if (up) {
                        up = false;
                        health.changed(false);
                    }
                    log(LogLevel.WARN, "peer is unhealthy while " + stage);
                }
            }
        }
        schedule(target.check.intervalMillis() + jitter());
    }
}
