package dev.portico.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.http.BodySink;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The read-ahead buffer of proxy_buffering: memory, then a temporary file, in order, within limits. */
class ResponseBufferTest {

    @TempDir
    Path dir;

    /** A client connection whose socket is full until the test says otherwise. */
    private static final class ClientSink implements BodySink {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        boolean writable;
        boolean ended;
        boolean aborted;
        Runnable onWritable;

        @Override
        public void write(ByteBuf bytes) {
            byte[] b = new byte[bytes.readableBytes()];
            bytes.readBytes(b);
            bytes.release();
            received.writeBytes(b);
        }

        @Override
        public boolean isWritable() {
            return writable;
        }

        @Override
        public void whenWritable(Runnable action) {
            onWritable = action;
        }

        void drainable() {
            writable = true;
            Runnable r = onWritable;
            onWritable = null;
            if (r != null) {
                r.run();
            }
        }

        @Override
        public void end() {
            ended = true;
        }

        @Override
        public void abort() {
            aborted = true;
        }
    }

    private final List<Path> created = new ArrayList<>();

    private ResponseBuffer buffer(long memory, long maxFile) {
        return new ResponseBuffer(memory, maxFile, new ResponseBuffer.TempFiles() {
            @Override
            public Path folder() {
                return dir;
            }

            @Override
            public void created(Path path) {
                created.add(path);
            }
        }, ByteBufAllocator.DEFAULT);
    }

    private static ByteBuf bytes(int from, int length) {
        ByteBuf b = Unpooled.buffer(length);
        for (int i = 0; i < length; i++) {
            b.writeByte((from + i) % 251);
        }
        return b;
    }

    private static byte[] expected(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i % 251);
        }
        return b;
    }

    @Test
    void keepsWhatTheClientCannotTakeInMemoryThenInAFileAndDeliversItInOrder() throws IOException {
        ResponseBuffer buffer = buffer(8192, 1 << 20);
        ClientSink client = new ClientSink();
        buffer.attach(client);
        int at = 0;
        for (int i = 0; i < 40; i++) {
            assertThat(buffer.hasRoom()).isTrue();
            buffer.add(bytes(at, 1000));
            at += 1000;
        }
        assertThat(client.received.size()).isZero();
        assertThat(created).as("past 8 KiB of memory the body goes to one temporary file").hasSize(1);
        assertThat(Files.exists(created.get(0))).as("unlinked at once").isFalse();
        buffer.end();
        assertThat(client.ended).isFalse();

        client.drainable();
        assertThat(client.received.toByteArray()).isEqualTo(expected(40_000));
        assertThat(client.ended).isTrue();
        assertThat(client.aborted).isFalse();
    }

    @Test
    void aClientThatKeepsUpGetsTheBytesDirectly() throws IOException {
        ResponseBuffer buffer = buffer(4096, 1 << 20);
        ClientSink client = new ClientSink();
        client.writable = true;
        buffer.attach(client);
        buffer.add(bytes(0, 100_000));
        assertThat(client.received.size()).isEqualTo(100_000);
        assertThat(created).isEmpty();
        buffer.end();
        assertThat(client.ended).isTrue();
    }

    @Test
    void withoutATemporaryFileOnlyTheMemoryBuffersAreReadAhead() throws IOException {
        ResponseBuffer buffer = buffer(4096, 0);
        ClientSink client = new ClientSink();
        buffer.attach(client);
        buffer.add(bytes(0, 3000));
        assertThat(buffer.hasRoom()).isTrue();
        buffer.add(bytes(3000, 3000));
        assertThat(buffer.hasRoom()).as("proxy_max_temp_file_size 0: the upstream waits").isFalse();
        List<String> resumed = new ArrayList<>();
        buffer.whenRoom(() -> resumed.add("read"));

        client.drainable();
        assertThat(resumed).containsExactly("read");
        assertThat(created).isEmpty();
        assertThat(client.received.toByteArray()).isEqualTo(expected(6000));
    }

    @Test
    void theFileLimitStopsReadingAheadUntilTheClientTakesSome() throws IOException {
        ResponseBuffer buffer = buffer(1000, 5000);
        ClientSink client = new ClientSink();
        buffer.attach(client);
        int at = 0;
        while (buffer.hasRoom()) {
            buffer.add(bytes(at, 1000));
            at += 1000;
        }
        assertThat(at).as("1000 in memory, then the file up to its 5000-byte limit").isEqualTo(6000);
        client.drainable();
        assertThat(client.received.toByteArray()).isEqualTo(expected(6000));
    }

    @Test
    void discardingGivesBackMemoryAndFile() throws IOException {
        ResponseBuffer buffer = buffer(4096, 1 << 20);
        ClientSink client = new ClientSink();
        buffer.attach(client);
        ByteBuf kept = bytes(0, 2000);
        buffer.add(kept);
        buffer.add(bytes(2000, 10_000));
        buffer.discard();
        assertThat(kept.refCnt()).isZero();
        assertThat(buffer.hasRoom()).isFalse();
        ByteBuf late = bytes(0, 10);
        buffer.add(late);
        assertThat(late.refCnt()).as("a piece that arrives after the end is released").isZero();
        client.drainable();
        assertThat(client.received.size()).isZero();
        assertThat(client.ended).isFalse();
    }
}
