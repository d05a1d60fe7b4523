package dev.portico.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

/** The pid file of nginx's {@code pid} directive: the pid in decimal and a line feed. */
public final class PidFile {

    /** nginx reads at most NGX_INT64_LEN + 2 bytes of a pid file. */
    private static final int MAX_READ = 22;

    private PidFile() {
    }

    /**
     * Writes {@code pid\n}, mode 0644, through a temporary file in the same folder moved into
     * place, so that a reader never sees a half-written number.
     */
    public static void write(Path path, long pid) throws IOException {
        Path target = path.toAbsolutePath();
        Path dir = target.getParent();
        Path tmp;
        try {
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        } catch (IOException e) {
            throw new IOException("open() \"" + target + "\" failed (" + describe(e) + ")", e);
        }
        try {
            Files.writeString(tmp, pid + "\n", StandardCharsets.US_ASCII);
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: keep the default mode
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw new IOException("write() \"" + target + "\" failed (" + describe(e) + ")", e);
        }
    }

    /**
     * Reads the pid as {@code nginx -s} does: trailing CR and LF are dropped and the rest must
     * be a decimal number.
     *
     * @throws IOException with nginx's wording: {@code open() "PATH" failed (2: No such file or
     *     directory)} or {@code invalid PID number "X" in "PATH"}
     */
    public static long read(Path path) throws IOException {
        byte[] buf;
        try (InputStream in = Files.newInputStream(path)) {
            buf = in.readNBytes(MAX_READ);
        } catch (IOException e) {
            String call = Files.isDirectory(path) ? "pread()" : "open()";
            throw new IOException(call + " \"" + path + "\" failed (" + describe(e) + ")", e);
        }
        int n = buf.length;
        while (n > 0 && (buf[n - 1] == '\r' || buf[n - 1] == '\n')) {
            n--;
        }
        long pid = parsePid(buf, n);
        if (pid < 0) {
            throw new IOException("invalid PID number \""
                    + new String(Arrays.copyOf(buf, n), StandardCharsets.UTF_8) + "\" in \"" + path + "\"");
        }
        return pid;
    }

    /** Removes the file if it still names {@code pid}; true when it did. */
    public static boolean remove(Path path, long pid) throws IOException {
        long current;
        try {
            current = read(path);
        } catch (IOException e) {
            return false; // gone or not ours to judge
        }
        if (current != pid) {
            return false;
        }
        return Files.deleteIfExists(path);
    }

    /** As ngx_atoi: digits only, at least one, no overflow; -1 otherwise. */
    private static long parsePid(byte[] buf, int n) {
        if (n == 0) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < n; i++) {
            int d = buf[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            if (value > (Long.MAX_VALUE - d) / 10) {
                return -1;
            }
            value = value * 10 + d;
        }
        return value;
    }

    /** "errno: text" for an I/O failure, as nginx appends it to its messages. */
    static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "2: No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "13: Permission denied";
        }
        if (e instanceof NotDirectoryException) {
            return "20: Not a directory";
        }
        String reason = e instanceof FileSystemException fse && fse.getReason() != null
                ? fse.getReason() : e.getMessage();
        if (reason != null) {
            switch (reason) {
                case "Is a directory":
                    return "21: Is a directory";
                case "Not a directory":
                    return "20: Not a directory";
                case "Read-only file system":
                    return "30: Read-only file system";
                case "No space left on device":
                    return "28: No space left on device";
                default:
                    break;
            }
        }
        return String.valueOf(reason);
    }
}
