package dev.portico.proxy.uwsgi;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty's leak detector (paranoid in every test run) reports a
 * leaked buffer. Reports come when a collected buffer's record is polled, which happens on
 * later allocations: after the tests, a few collections and allocations bring them out.
 */
public final class LeakWatch implements BeforeAllCallback, AfterAllCallback {

    private static final Logger DETECTOR = Logger.getLogger("io.netty.util.ResourceLeakDetector");

    private final List<String> leaks = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getMessage() != null && record.getMessage().contains("LEAK")) {
                leaks.add(record.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @Override
    public void beforeAll(ExtensionContext context) {
        DETECTOR.addHandler(handler);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            for (int round = 0; round < 5 && leaks.isEmpty(); round++) {
                System.gc();
                Thread.sleep(20);
                for (int i = 0; i < 100; i++) {
                    ByteBuf probe = PooledByteBufAllocator.DEFAULT.heapBuffer(16);
                    probe.release();
                }
            }
        } finally {
            DETECTOR.removeHandler(handler);
        }
        assertThat(leaks).as("buffer leaks reported by Netty's leak detector").isEmpty();
    }
}
