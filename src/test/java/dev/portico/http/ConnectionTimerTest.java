package dev.portico.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConnectionTimerTest {

    private EventLoop loop;
    private ConnectionTimer timer;
    private final List<String> fired = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        loop = new DefaultEventLoop();
        timer = new ConnectionTimer(loop);
    }

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void onLoop(Runnable r) throws Exception {
        loop.submit(r).get();
    }

    @Test
    void reArmedLaterFiresOnceAtTheLaterDeadlineWithTheLastAction() throws Exception {
        long start = System.nanoTime();
        onLoop(() -> timer.arm(50, () -> fired.add("first")));
        onLoop(() -> timer.arm(300, () -> fired.add("second")));
        await().atMost(Duration.ofSeconds(3)).until(() -> !fired.isEmpty());
        assertTrue(System.nanoTime() - start >= 300_000_000L, "fired before the later deadline");
        assertEquals(List.of("second"), fired);
    }

    @Test
    void reArmedEarlierFiresAtTheEarlierDeadline() throws Exception {
        long start = System.nanoTime();
        onLoop(() -> timer.arm(5_000, () -> fired.add("late")));
        onLoop(() -> timer.arm(50, () -> fired.add("early")));
        await().atMost(Duration.ofSeconds(2)).until(() -> !fired.isEmpty());
        assertTrue(System.nanoTime() - start < 4_000_000_000L);
        assertEquals(List.of("early"), fired);
    }

    @Test
    void disarmedOrCancelledNeverFires() throws Exception {
        onLoop(() -> timer.arm(50, () -> fired.add("disarmed")));
        onLoop(timer::disarm);
        ConnectionTimer other = new ConnectionTimer(loop);
        onLoop(() -> other.arm(50, () -> fired.add("cancelled")));
        onLoop(other::cancel);
        ConnectionTimer witness = new ConnectionTimer(loop);
        onLoop(() -> witness.arm(200, () -> fired.add("witness")));
        await().atMost(Duration.ofSeconds(2)).until(() -> !fired.isEmpty());
        assertEquals(List.of("witness"), fired);
    }
}
