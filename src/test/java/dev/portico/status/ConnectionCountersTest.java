package dev.portico.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.http.ConnectionCounters;
import dev.portico.http.ConnectionCounters.Totals;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The counters' states and sums, on one thread and on several at once. */
class ConnectionCountersTest {

    @Test
    void oneConnectionThroughItsStates() {
        ConnectionCounters c = new ConnectionCounters();
        c.accepted();
        byte state = c.opened();
        assertThat(c.read()).isEqualTo(new Totals(1, 1, 0, 1, 0, 0, 1));
        state = c.requestArriving(state);
        assertThat(c.read()).isEqualTo(new Totals(1, 1, 1, 1, 1, 0, 0));
        state = c.requestStarted(state);
        assertThat(c.read()).isEqualTo(new Totals(1, 1, 1, 1, 0, 1, 0));
        state = c.requestFinished(state);
        assertThat(c.read()).isEqualTo(new Totals(1, 1, 1, 1, 0, 0, 1));
        // A pipelined head read ahead goes straight from waiting to writing, and counts.
        state = c.requestStarted(state);
        assertThat(c.read()).isEqualTo(new Totals(1, 1, 2, 1, 0, 1, 0));
        c.closed(state);
        assertThat(c.read()).isEqualTo(new Totals(1, 1, 2, 0, 0, 0, 0));
    }

    @Test
    void aConnectionRefusedForWorkerConnectionsIsAcceptedButNotHandled() {
        ConnectionCounters c = new ConnectionCounters();
        c.accepted();
        c.accepted();
        c.opened();
        assertThat(c.read()).isEqualTo(new Totals(2, 1, 0, 1, 0, 0, 1));
    }

    @Test
    void closingAConnectionNeverCountedChangesNothing() {
        ConnectionCounters c = new ConnectionCounters();
        c.closed(ConnectionCounters.NONE);
        assertThat(c.read()).isEqualTo(new Totals(0, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void twoServersCountApartEvenOnOneThread() {
        ConnectionCounters a = new ConnectionCounters();
        ConnectionCounters b = new ConnectionCounters();
        a.opened();
        assertThat(ConnectionCounters.ofCurrentThread()).isSameAs(a);
        b.opened();
        b.opened();
        assertThat(ConnectionCounters.ofCurrentThread()).isSameAs(b);
        a.opened();
        assertThat(a.read().handled()).isEqualTo(2);
        assertThat(b.read().handled()).isEqualTo(2);
        assertThat(a.read().waiting()).isEqualTo(2);
    }

    @Test
    void sumsOverEventLoopsAreExactOnceTheyStopAndNeverNegativeMeanwhile() throws Exception {
        ConnectionCounters c = new ConnectionCounters();
        int threads = 4;
        int connections = 20_000;
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<Totals> negative = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            while (running.get()) {
                Totals t = c.read();
                if (t.active() < 0 || t.reading() < 0 || t.writing() < 0 || t.waiting() < 0) {
                    negative.set(t);
                }
            }
        });
        reader.start();
        List<Thread> loops = new ArrayList<>();
        for (int n = 0; n < threads; n++) {
            Thread t = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < connections; i++) {
                    c.accepted();
                    byte s = c.opened();
                    s = c.requestArriving(s);
                    s = c.requestStarted(s);
                    s = c.requestFinished(s);
                    s = c.requestArriving(s);
                    if (i % 4 == 0) {
                        continue; // left open, reading a request head
                    }
                    s = c.requestStarted(s);
                    c.closed(s);
                }
            });
            t.start();
            loops.add(t);
        }
        start.countDown();
        for (Thread t : loops) {
            t.join();
        }
        running.set(false);
        reader.join();
        assertThat(negative.get()).isNull();
        long open = (long) threads * connections / 4;
        long all = (long) threads * connections;
        assertThat(c.read()).isEqualTo(new Totals(all, all, 2 * all, open, open, 0, 0));
    }
}
