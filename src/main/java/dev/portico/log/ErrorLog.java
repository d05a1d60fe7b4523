package dev.portico.log;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An error log as nginx writes it: "2026/11/23 10:00:00 [error] PID#TID: *CONN
 * message". Lines are formatted on the caller's thread and appended by one
 * writer thread, so an event loop never waits on the disk.
 */
public final class ErrorLog {

    /** One destination: a file or stderr, and the least severe level it takes. */
    public record Sink(Path file, LogLevel level) {
        public boolean isStderr() {
            return file == null;
        }
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss");
    private static final long PID = ProcessHandle.current().pid();
    private static final Object NO_MESSAGE = new Object();
    private static volatile ErrorLog current = new ErrorLog(List.of(new Sink(null, LogLevel.ERROR)));

    private final List<Sink> sinks;
    private final LogLevel threshold;
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final List<FileChannel> channels = new ArrayList<>();
    private volatile PrintStream stderr = System.err;
    private Thread writer;

    public ErrorLog(List<Sink> sinks) {
        this.sinks = List.copyOf(sinks);
        LogLevel min = LogLevel.EMERG;
        for (Sink s : sinks) {
            if (s.level().ordinal() > min.ordinal()) {
                min = s.level();
            }
        }
        this.threshold = min;
    }

    /** The process's error log (the main context's error_log). */
    public static ErrorLog current() {
        return current;
    }

    /** Opens the files of {@code log}, starts its writer and makes it the process's log. */
    public static void install(ErrorLog log) throws IOException {
        log.open();
        ErrorLog previous = current;
        current = log;
        if (previous != log) {
            previous.close();
        }
    }

    public List<Sink> sinks() {
        return sinks;
    }

    public boolean enabled(LogLevel level) {
        return level.passes(threshold);
    }

    /** Opens every file sink (creating it), failing as nginx does when one cannot be opened. */
    public synchronized void open() throws IOException {
        if (writer != null) {
            return;
        }
        for (Sink s : sinks) {
            if (!s.isStderr()) {
                channels.add(openFile(s.file()));
            } else {
                channels.add(null);
            }
        }
        writer = new Thread(this::drain, "portico-error-log");
        writer.setDaemon(true);
        writer.start();
    }

    private static FileChannel openFile(Path file) throws IOException {
        try {
            return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IOException("open() \"" + file + "\" failed (" + describe(e) + ")", e);
        }
    }

    /** nginx's "(2: No such file or directory)" style for an I/O failure. */
    public static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "2: No such file or directory";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "13: Permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage();
    }

    /** Replaces stderr (after a daemon detaches, stderr goes nowhere). */
    public void redirectStderr(PrintStream stream) {
        this.stderr = stream;
    }

    public void log(LogLevel level, String message) {
        log(level, 0, message);
    }

    /** Logs with a connection number, printed as nginx's "*N". */
    public void log(LogLevel level, long connection, String message) {
        if (!enabled(level)) {
            return;
        }
        StringBuilder line = new StringBuilder(128 + message.length());
        line.append(LocalDateTime.now().format(TIME)).append(" [").append(level.tag()).append("] ")
                .append(PID).append('#').append(threadId()).append(": ");
        if (connection > 0) {
            line.append('*').append(connection).append(' ');
        }
        line.append(message).append('\n');
        Entry entry = new Entry(level, line.toString());
        if (writer == null) {
            write(entry);
        } else {
            queue.add(entry);
        }
    }

    @SuppressWarnings("deprecation")
    private static long threadId() {
        return Thread.currentThread().getId();
    }

    private record Entry(LogLevel level, String line) {
    }

    private void drain() {
        try {
            while (true) {
                Object item = queue.poll(1, TimeUnit.SECONDS);
                if (item == null || item == NO_MESSAGE) {
                    if (item == NO_MESSAGE && queue.isEmpty() && closed) {
                        return;
                    }
                    continue;
                }
                if (item instanceof Entry e) {
                    write(e);
                } else if (item instanceof Runnable r) {
                    r.run();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void write(Entry e) {
        byte[] bytes = e.line().getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < sinks.size(); i++) {
            if (!e.level().passes(sinks.get(i).level())) {
                continue;
            }
            FileChannel ch = i < channels.size() ? channels.get(i) : null;
            if (ch == null) {
                if (sinks.get(i).isStderr() || writer == null) {
                    stderr.print(e.line());
                    stderr.flush();
                }
                continue;
            }
            try {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            } catch (IOException ex) {
                stderr.print(e.line());
            }
        }
    }

    /** Reopens every file (USR1 / -s reopen), so rotated logs start anew. */
    public void reopen() {
        if (writer == null) {
            reopenFiles();
            return;
        }
        // In order with the messages: what was logged before the reopen goes to the old file,
        // as nginx's "reopening logs" notice does.
        queue.add((Runnable) this::reopenFiles);
    }

    private synchronized void reopenFiles() {
        for (int i = 0; i < sinks.size(); i++) {
            if (sinks.get(i).isStderr()) {
                continue;
            }
            try {
                FileChannel fresh = openFile(sinks.get(i).file());
                FileChannel old = channels.set(i, fresh);
                if (old != null) {
                    old.close();
                }
            } catch (IOException e) {
                stderr.println("portico: [alert] " + e.getMessage());
            }
        }
    }

    /** Blocks until every line logged so far is written (shutdown, tests). */
    public void flush() {
        if (writer == null) {
            return;
        }
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        queue.add((Runnable) done::countDown);
        try {
            done.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private volatile boolean closed;

    public void close() {
        flush();
        closed = true;
        queue.add(NO_MESSAGE);
        synchronized (this) {
            for (FileChannel ch : channels) {
                if (ch != null) {
                    try {
                        ch.close();
                    } catch (IOException ignored) {
                        // The lines were flushed above; nothing is lost.
                    }
                }
            }
        }
    }

    /** True for the file of a sink, so callers can create the folder first. */
    public static void ensureParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IOException("open() \"" + file + "\" failed (2: No such file or directory)");
        }
    }
}
