package dev.portico.http;

import io.netty.util.concurrent.FastThreadLocal;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * nginx's stub_status counters (ngx_stat_accepted, handled, requests, active, reading,
 * writing, waiting) for one server, which the client connections update as they go.
 *
 * <p>A connection lives on one event loop, so each event-loop thread counts in a slot of
 * its own with plain stores (no atomic read-modify-write, no shared cache line); a reader
 * sums the slots. Each value in a slot is written by one thread only and never goes below
 * zero in that thread's order, so a sum read while connections change is a little stale
 * but never negative. A slot outlives its thread, so totals survive a loop's end.
 *
 * <p>What a connection is doing, with nginx's meaning: WAITING from accept, and again
 * after a response on a kept-alive connection, until the first byte of a request;
 * READING from that byte until the request head is read; WRITING from then until the
 * request is finished (its body read or dropped, its response written, a lingering close
 * or an upgraded connection's life). A request is counted when it begins to arrive, or
 * when a pipelined head that was read ahead is taken up.
 */
public final class ConnectionCounters {

    /** The connection has not been counted yet, or no longer is. */
    public static final byte NONE = -1;
    public static final byte WAITING = 0;
    public static final byte READING = 1;
    public static final byte WRITING = 2;

    private static final int ACTIVE = 3;
    private static final int ACCEPTED = 4;
    private static final int HANDLED = 5;
    private static final int REQUESTS = 6;
    private static final int COUNTERS = 7;
    /** Longs before and after a slot's counters, so that two slots never share a cache line. */
    private static final int PAD = 8;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final FastThreadLocal<Slot> SLOT = new FastThreadLocal<>();

    /** One thread's counters. */
    private static final class Slot {
        final ConnectionCounters owner;
        final long[] values = new long[PAD + COUNTERS + PAD];

        Slot(ConnectionCounters owner) {
            this.owner = owner;
        }

        void add(int counter, long delta) {
            int i = PAD + counter;
            // Only this slot's thread writes: a plain read of its own value, an opaque store for readers.
            LONGS.setOpaque(values, i, values[i] + delta);
        }

        long get(int counter) {
            return (long) LONGS.getOpaque(values, PAD + counter);
        }
    }

    /** The sums at one moment (nginx's $connections_* and stub_status figures). */
    public record Totals(long accepted, long handled, long requests, long active, long reading, long writing,
                         long waiting) {
    }

    private final CopyOnWriteArrayList<Slot> slots = new CopyOnWriteArrayList<>();

    private Slot slot() {
        Slot s = SLOT.get();
        if (s == null || s.owner != this) {
            s = new Slot(this);
            slots.add(s);
            SLOT.set(s);
        }
        return s;
    }

    /**
     * The counters of the server whose event loop runs the caller (a content handler, a
     * variable), or null on a thread that has counted nothing.
     */
    public static ConnectionCounters ofCurrentThread() {
        Slot s = SLOT.getIfExists();
        return s == null ? null : s.owner;
    }

    /** A connection was accepted (before the worker_connections check, as nginx). */
    public void accepted() {
        slot().add(ACCEPTED, 1);
    }

    /** An accepted connection is served: handled and active, waiting for its first request. */
    public byte opened() {
        Slot s = slot();
        s.add(HANDLED, 1);
        s.add(ACTIVE, 1);
        s.add(WAITING, 1);
        return WAITING;
    }

    /** The first bytes of a request arrived on a waiting connection; returns the new state. */
    public byte requestArriving(byte from) {
        Slot s = slot();
        s.add(REQUESTS, 1);
        return move(s, from, READING);
    }

    /** A request head was read and the request is processed; returns the new state. */
    public byte requestStarted(byte from) {
        Slot s = slot();
        if (from != READING) {
            s.add(REQUESTS, 1); // a pipelined head, read while the request before it was served
        }
        return move(s, from, WRITING);
    }

    /** The request is finished and the connection waits for the next one; returns the new state. */
    public byte requestFinished(byte from) {
        return move(slot(), from, WAITING);
    }

    private static byte move(Slot s, byte from, byte to) {
        if (from != NONE) {
            s.add(from, -1);
        }
        s.add(to, 1);
        return to;
    }

    /** The connection closed in state {@code from}. */
    public void closed(byte from) {
        if (from == NONE) {
            return;
        }
        Slot s = slot();
        s.add(from, -1);
        s.add(ACTIVE, -1);
    }

    public Totals read() {
        long[] sum = new long[COUNTERS];
        for (Slot s : slots) {
            for (int i = 0; i < COUNTERS; i++) {
                sum[i] += s.get(i);
            }
        }
        return new Totals(sum[ACCEPTED], sum[HANDLED], sum[REQUESTS], sum[ACTIVE], sum[READING], sum[WRITING],
                sum[WAITING]);
    }
}
