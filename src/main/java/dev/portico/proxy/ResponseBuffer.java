package dev.portico.proxy;

import dev.portico.http.BodySink;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;

/**
 * A proxied response body read from the upstream faster than the client takes
 * it (nginx's proxy_buffering on, ngx_event_pipe): what the client cannot take
 * yet is kept in memory up to the proxy_buffers size and past that in an
 * unlinked temporary file up to proxy_max_temp_file_size. The upstream is read
 * while there is room, so a slow client does not hold the application's
 * worker; it holds only this buffer. Bytes reach the client in the order they
 * came, from memory and file alike; a client that keeps up gets them directly.
 */
final class ResponseBuffer {

    /** How much of the temporary file is read back per write to the client. */
    private static final int FILE_CHUNK = 64 * 1024;

    /** A stretch of the body waiting for the client: bytes in memory, or a range of the temporary file. */
    private static final class Segment {
        final ByteBuf memory;
        long fileStart;
        long fileEnd;

        Segment(ByteBuf memory) {
            this.memory = memory;
        }

        Segment(long fileStart, long fileEnd) {
            this.memory = null;
            this.fileStart = fileStart;
            this.fileEnd = fileEnd;
        }
    }

    /** Where a temporary file goes, and the one-time notice that one was made. */
    interface TempFiles {
        /** The folder for temporary files (proxy_temp_path). */
        Path folder();

        /** Called once, when the body first goes to a temporary file (nginx logs a warning). */
        void created(Path path);
    }

    private final long memoryLimit;
    private final long maxFileSize;
    private final TempFiles tempFiles;
    private final ByteBufAllocator alloc;
    private final ArrayDeque<Segment> waiting = new ArrayDeque<>();
    private long memoryBytes;
    private FileChannel file;
    private long fileSize;
    private BodySink sink;
    private boolean ended;
    private boolean discarded;
    private Runnable onRoom;

    /**
     * @param memoryLimit bytes kept in memory (proxy_buffers number × size)
     * @param maxFileSize the temporary file's limit, 0 for none (proxy_max_temp_file_size)
     */
    ResponseBuffer(long memoryLimit, long maxFileSize, TempFiles tempFiles, ByteBufAllocator alloc) {
        this.memoryLimit = memoryLimit;
        this.maxFileSize = maxFileSize;
        this.tempFiles = tempFiles;
        this.alloc = alloc;
    }

    /** The client connection is ready for the body. */
    void attach(BodySink sink) {
        this.sink = sink;
        drain();
    }

    /** True while another read from the upstream has somewhere to go. */
    boolean hasRoom() {
        return !discarded && (memoryBytes < memoryLimit || fileSize < maxFileSize);
    }

    /** Runs {@code action} once, when the client has taken enough to make room again. */
    void whenRoom(Runnable action) {
        onRoom = action;
    }

    /** Takes a piece of the body (owned from here): to the client if it can take it now, else kept. */
    void add(ByteBuf data) throws IOException {
        if (discarded) {
            data.release();
            return;
        }
        if (waiting.isEmpty() && sink != null && sink.isWritable()) {
            sink.write(data);
            return;
        }
        int n = data.readableBytes();
        if (memoryBytes + n <= memoryLimit || fileSize >= maxFileSize) {
            // Memory first; past the file's limit too, since the read is already done
            // (hasRoom stops the next one).
            memoryBytes += n;
            waiting.add(new Segment(data));
        } else {
            toFile(data);
        }
        if (sink != null) {
            sink.whenWritable(this::drain);
        }
    }

    private void toFile(ByteBuf data) throws IOException {
        try {
            long start = fileSize;
            write(data);
            Segment last = waiting.peekLast();
            if (last != null && last.memory == null && last.fileEnd == start) {
                last.fileEnd = fileSize;
            } else {
                waiting.add(new Segment(start, fileSize));
            }
        } finally {
            data.release();
        }
    }

    private void write(ByteBuf data) throws IOException {
        if (file == null) {
            Path path = Files.createTempFile(tempFiles.folder(), "proxy", null);
            file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            // Unlinked at once: the file goes away with its channel, whatever happens to the request.
            Files.delete(path);
            tempFiles.created(path);
        }
        while (data.isReadable()) {
            fileSize += data.readBytes(file, fileSize, data.readableBytes());
        }
    }

    /** The upstream's body is complete: the client's response ends once it has taken what is kept. */
    void end() {
        ended = true;
        drain();
    }

    /** Writes what is kept while the client can take it; ends the body when it is all out. */
    private void drain() {
        if (sink == null || discarded) {
            return;
        }
        try {
            while (!waiting.isEmpty() && sink.isWritable() && !discarded) {
                Segment s = waiting.peek();
                if (s.memory != null) {
                    waiting.poll();
                    memoryBytes -= s.memory.readableBytes();
                    sink.write(s.memory);
                    continue;
                }
                int n = (int) Math.min(FILE_CHUNK, s.fileEnd - s.fileStart);
                ByteBuf chunk = alloc.buffer(n);
                try {
                    while (chunk.writableBytes() > 0) {
                        if (chunk.writeBytes(file, s.fileStart + chunk.readableBytes(), chunk.writableBytes()) < 0) {
                            throw new IOException("unexpected end of the temporary file");
                        }
                    }
                } catch (IOException e) {
                    chunk.release();
                    throw e;
                }
                s.fileStart += n;
                if (s.fileStart == s.fileEnd) {
                    waiting.poll();
                }
                sink.write(chunk);
            }
        } catch (IOException e) {
            // The file was written by this process a moment ago; a failed read leaves the body short.
            discard();
            sink.abort();
            return;
        }
        if (discarded) {
            return;
        }
        if (!waiting.isEmpty()) {
            sink.whenWritable(this::drain);
        } else if (ended) {
            discarded = true;
            closeFile();
            sink.end();
            return;
        }
        if (onRoom != null && hasRoom()) {
            Runnable r = onRoom;
            onRoom = null;
            r.run();
        }
    }

    /** Gives back what is kept: the request is over (served, failed, or the client went away). */
    void discard() {
        if (discarded) {
            return;
        }
        discarded = true;
        onRoom = null;
        while (!waiting.isEmpty()) {
            Segment s = waiting.poll();
            if (s.memory != null) {
                s.memory.release();
            }
        }
        memoryBytes = 0;
        closeFile();
    }

    private void closeFile() {
        if (file != null) {
            try {
                file.close();
            } catch (IOException ignored) {
                // An unlinked temporary file: nothing is lost by a failed close.
            }
            file = null;
        }
    }
}
