package dev.portico.http;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One timer of a connection or an upstream request, re-armed per request
 * without touching the event loop's timer queue each time: like nginx's
 * lazy timer updates, a task already queued that fires no later than the new
 * deadline stays queued, and on firing it checks the current deadline, runs
 * the action when it has passed, or queues itself again for what is left.
 * Only a deadline earlier than the queued task's replaces it. Used on its
 * event loop only.
 */
public final class ConnectionTimer {

    private final EventExecutor loop;
    private final Runnable fire = this::fire;
    /** The queued task and when it fires, or null. */
    private ScheduledFuture<?> queued;
    private long queuedAt;
    /** What runs at the deadline, or null when disarmed. */
    private Runnable action;
    private long deadline;

    public ConnectionTimer(EventExecutor loop) {
        this.loop = loop;
    }

    /** Runs {@code action} in {@code millis} unless disarmed or re-armed before; replaces what was armed. */
    public void arm(long millis, Runnable action) {
        long at = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        this.action = action;
        this.deadline = at;
        if (queued != null && queuedAt - at <= 0) {
            return;
        }
        if (queued != null) {
            queued.cancel(false);
        }
        queue(at);
    }

    /** Nothing runs until armed again; a queued task stays, to be reused or to end by itself. */
    public void disarm() {
        action = null;
    }

    /** Disarms and drops the queued task: the owner is done with the timer. */
    public void cancel() {
        action = null;
        if (queued != null) {
            queued.cancel(false);
            queued = null;
        }
    }

    public boolean armed() {
        return action != null;
    }

    private void queue(long at) {
        queuedAt = at;
        queued = loop.schedule(fire, Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void fire() {
        queued = null;
        Runnable a = action;
        if (a == null) {
            return;
        }
        if (deadline - System.nanoTime() > 0) {
            queue(deadline);
            return;
        }
        action = null;
        a.run();
    }
}
