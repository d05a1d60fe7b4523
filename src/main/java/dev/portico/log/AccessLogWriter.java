package dev.portico.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The access-log files of one configuration and the thread that writes them.
 * Event loops hand over finished lines; this thread appends them, keeps the
 * buffer= of each buffered file, flushes it when it fills, when flush= time
 * passes, on reopen and on close, so no event loop ever waits on the disk.
 */
public final class AccessLogWriter {

    /** One file that access_log directives of the configuration name. */
    public static final class LogFile {
        private final Path path;
        private final AccessLogWriter writer;
        int bufferSize;
        long flushMillis;

        // Owned by the writer thread once the writer runs.
        private FileChannel channel;
        private ByteBuffer buffer;
        private long flushDeadline;
        private long lastErrorSecond = Long.MIN_VALUE;

        LogFile(Path path, AccessLogWriter writer) {
            this.path = path;
            this.writer = writer;
        }

        /** The writer that appends to this file. */
        public AccessLogWriter writer() {
            return writer;
        }

        public Path path() {
            return path;
        }

        public int bufferSize() {
            return bufferSize;
        }

        public long flushMillis() {
            return flushMillis;
        }
    }

    private record Line(LogFile file, byte[] bytes) {
    }

    private record Sync(CountDownLatch done) {
    }

    private static final Object REOPEN = new Object();
    private static final Object CLOSE = new Object();

    private final List<LogFile> files = new ArrayList<>();
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private Thread thread;
    private volatile boolean closed;

    /** The file for {@code path}, one per path, as ngx_conf_open_file. */
    LogFile file(Path path) {
        for (LogFile f : files) {
            if (f.path.equals(path)) {
                return f;
            }
        }
        LogFile f = new LogFile(path, this);
        files.add(f);
        return f;
    }

    public List<LogFile> files() {
        return List.copyOf(files);
    }

    /** Opens (creating) every file, failing with nginx's message; then starts writing. */
    public synchronized void open() throws IOException {
        if (thread != null || closed) {
            return;
        }
        List<FileChannel> opened = new ArrayList<>();
        try {
            for (LogFile f : files) {
                f.channel = openFile(f.path);
                opened.add(f.channel);
                if (f.bufferSize > 0) {
                    f.buffer = ByteBuffer.allocate(f.bufferSize);
                }
            }
        } catch (IOException e) {
            for (FileChannel ch : opened) {
                closeQuietly(ch);
            }
            for (LogFile f : files) {
                f.channel = null;
            }
            throw e;
        }
        thread = new Thread(this::run, "portico-access-log");
        thread.setDaemon(true);
        thread.start();
    }

    static FileChannel openFile(Path path) throws IOException {
        try {
            return FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IOException("open() \"" + path + "\" failed (" + ErrorLog.describe(e) + ")", e);
        }
    }

    /** Hands a finished line (line feed included) to the writer; called on event loops. */
    public void write(LogFile file, byte[] line) {
        queue.add(new Line(file, line));
        if (closed) {
            Thread t = thread;
            if (t == null || !t.isAlive()) {
                drainLate();
            }
        }
    }

    /** Reopens every file after the buffers are flushed (USR1). */
    public void reopen() {
        if (!closed) {
            queue.add(REOPEN);
        }
    }

    /** Waits until every line handed over so far has been handled (written, or kept in its buffer). */
    public void sync() {
        if (thread == null || closed) {
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        queue.add(new Sync(done));
        try {
            done.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Flushes every buffer, closes every file and stops the thread. */
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        Thread t = thread;
        if (t != null) {
            queue.add(CLOSE);
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        drainLate();
    }

    private void run() {
        try {
            while (true) {
                long deadline = nearestDeadline();
                Object item;
                if (deadline == 0) {
                    item = queue.take();
                } else {
                    long wait = deadline - System.nanoTime();
                    item = wait <= 0 ? queue.poll() : queue.poll(wait, TimeUnit.NANOSECONDS);
                }
                if (item instanceof Line line) {
                    append(line.file, line.bytes);
                } else if (item == REOPEN) {
                    reopenFiles();
                } else if (item instanceof Sync sync) {
                    sync.done.countDown();
                } else if (item == CLOSE) {
                    for (LogFile f : files) {
                        flushBuffer(f);
                        closeQuietly(f.channel);
                        f.channel = null;
                    }
                    return;
                }
                flushExpired();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private long nearestDeadline() {
        long nearest = 0;
        for (LogFile f : files) {
            if (f.flushDeadline != 0 && (nearest == 0 || f.flushDeadline - nearest < 0)) {
                nearest = f.flushDeadline;
            }
        }
        return nearest;
    }

    private void flushExpired() {
        long now = System.nanoTime();
        for (LogFile f : files) {
            if (f.flushDeadline != 0 && now - f.flushDeadline >= 0) {
                flushBuffer(f);
            }
        }
    }

    /** ngx_http_log_handler's buffer logic: a line that does not fit flushes the buffer first. */
    private void append(LogFile f, byte[] line) {
        ByteBuffer buffer = f.buffer;
        if (buffer != null) {
            if (line.length > buffer.remaining()) {
                flushBuffer(f);
            }
            if (line.length <= buffer.remaining()) {
                if (buffer.position() == 0 && f.flushMillis > 0) {
                    f.flushDeadline = nanoDeadline(f.flushMillis);
                }
                buffer.put(line);
                return;
            }
        }
        writeFully(f, ByteBuffer.wrap(line));
    }

    private static long nanoDeadline(long millis) {
        long d = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        return d == 0 ? 1 : d;
    }

    private void flushBuffer(LogFile f) {
        f.flushDeadline = 0;
        ByteBuffer buffer = f.buffer;
        if (buffer == null || buffer.position() == 0) {
            return;
        }
        buffer.flip();
        writeFully(f, buffer);
        buffer.clear();
    }

    private void writeFully(LogFile f, ByteBuffer bytes) {
        if (f.channel == null) {
            return;
        }
        try {
            while (bytes.hasRemaining()) {
                f.channel.write(bytes);
            }
        } catch (IOException e) {
            long now = System.currentTimeMillis() / 1000;
            if (now - f.lastErrorSecond > 59) {
                f.lastErrorSecond = now;
                ErrorLog.current().log(LogLevel.ALERT, "write() to \"" + f.path + "\" failed ("
                        + ErrorLog.describe(e) + ")");
            }
        }
    }

    /** ngx_reopen_files: flush, open anew, and keep the old file when the new one cannot be opened. */
    private void reopenFiles() {
        for (LogFile f : files) {
            flushBuffer(f);
            try {
                FileChannel fresh = openFile(f.path);
                closeQuietly(f.channel);
                f.channel = fresh;
            } catch (IOException e) {
                ErrorLog.current().log(LogLevel.EMERG, e.getMessage());
            }
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // Nothing is left to write to it.
            }
        }
    }

    /**
     * Lines that arrive once the writer is closed (a request that outlived its
     * configuration after a reload) are appended by a shared thread that opens
     * the file for each one.
     */
    private synchronized void drainLate() {
        for (Object item = queue.poll(); item != null; item = queue.poll()) {
            if (item instanceof Line line) {
                Late.EXECUTOR.execute(() -> {
                    try (FileChannel ch = openFile(line.file.path)) {
                        ByteBuffer b = ByteBuffer.wrap(line.bytes);
                        while (b.hasRemaining()) {
                            ch.write(b);
                        }
                    } catch (IOException e) {
                        ErrorLog.current().log(LogLevel.ALERT, e.getMessage());
                    }
                });
            } else if (item instanceof Sync sync) {
                sync.done.countDown();
            }
        }
    }

    private static final class Late {
        static final ExecutorService EXECUTOR = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "portico-access-log-late");
            t.setDaemon(true);
            return t;
        });
    }
}
