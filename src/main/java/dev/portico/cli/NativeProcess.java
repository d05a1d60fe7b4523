package dev.portico.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * POSIX calls the JVM does not offer, through libportico.so (src/main/c/portico_native.c),
 * which the build places at {@code /META-INF/native/libportico.so} on the classpath.
 *
 * <p>The library is loaded once, on first use of this class. When it cannot be loaded,
 * {@link #isAvailable()} is false, {@link #unavailableReason()} says why, and the methods
 * that need it throw {@link IllegalStateException}, except {@link #kill(long, String)} which
 * falls back to {@code /bin/kill}. {@code -Dportico.native=off} keeps it unloaded.
 */
public final class NativeProcess {

    static final String RESOURCE = "/META-INF/native/libportico.so";

    /** Signals the native handlers take; USR2 is left alone since HotSpot suspends threads with it. */
    static final String[] HANDLED_SIGNALS = {"HUP", "QUIT", "TERM", "INT", "USR1"};

    private static final String LOAD_FAILURE = load();

    private NativeProcess() {
    }

    /** uid and gid of a user from the system's user database. */
    public record UserIds(long uid, long gid) {
    }

    private static String load() {
        if ("off".equals(System.getProperty("portico.native"))) {
            return "disabled by -Dportico.native=off";
        }
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return "libportico is built for Linux only, this is " + System.getProperty("os.name");
        }
        Path copy = null;
        try (InputStream in = NativeProcess.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return RESOURCE + " is not on the classpath";
            }
            // A private copy (createTempFile makes it 0600) because System.load needs a file.
            copy = Files.createTempFile("libportico", ".so");
            copy.toFile().deleteOnExit();
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            System.load(copy.toAbsolutePath().toString());
            return null;
        } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
            return "cannot load " + RESOURCE + (copy == null ? "" : " from " + copy) + ": " + e;
        } finally {
            if (copy != null) {
                // Once mapped the file is no longer needed; removing it now leaves nothing
                // behind even when the process is killed.
                try {
                    Files.deleteIfExists(copy);
                } catch (IOException ignored) {
                    // deleteOnExit will try again
                }
            }
        }
    }

    public static boolean isAvailable() {
        return LOAD_FAILURE == null;
    }

    /** Why the library is not available, for the caller to log; empty when it is. */
    public static Optional<String> unavailableReason() {
        return Optional.ofNullable(LOAD_FAILURE);
    }

    private static void requireAvailable() {
        if (LOAD_FAILURE != null) {
            throw new IllegalStateException(LOAD_FAILURE);
        }
    }

    /**
     * Installs the self-pipe handlers for the named signals (e.g. "HUP", "QUIT"), replacing the
     * JVM's own: after this, QUIT no longer prints a thread dump and INT/TERM no longer run
     * shutdown hooks by themselves.
     */
    public static void install(String... signalNames) throws IOException {
        requireAvailable();
        int[] numbers = new int[signalNames.length];
        for (int i = 0; i < signalNames.length; i++) {
            numbers[i] = signalNumber(signalNames[i]);
        }
        int err = nativeInstall(numbers);
        if (err != 0) {
            throw new IOException("sigaction() failed (" + err + ": " + strerror(err) + ")");
        }
    }

    /** Blocks until one of the installed signals arrives and returns its number. */
    public static int awaitSignal() throws IOException {
        requireAvailable();
        int r = nativeAwaitSignal();
        if (r < 0) {
            throw new IOException("read() from signal pipe failed (" + -r + ": " + strerror(-r) + ")");
        }
        return r;
    }

    /** The number of a signal named without its SIG prefix, e.g. 3 for "QUIT" on Linux. */
    public static int signalNumber(String signalName) {
        requireAvailable();
        int n = nativeSignalNumber(signalName);
        if (n < 0) {
            throw new IllegalArgumentException("unknown signal \"" + signalName + "\"");
        }
        return n;
    }

    /** kill(2): 0, or the errno. */
    public static int kill(long pid, int signalNumber) {
        requireAvailable();
        return nativeKill(pid, signalNumber);
    }

    /**
     * Sends a signal named without its SIG prefix. Without the library it runs
     * {@code /bin/kill -s NAME pid}.
     *
     * @throws IOException with nginx's wording, e.g. {@code kill(123, 1) failed (3: No such process)}
     */
    public static void kill(long pid, String signalName) throws IOException {
        if (isAvailable()) {
            int signo = signalNumber(signalName);
            int err = nativeKill(pid, signo);
            if (err != 0) {
                throw new IOException("kill(" + pid + ", " + signo + ") failed (" + err + ": " + strerror(err) + ")");
            }
            return;
        }
        Process p = new ProcessBuilder("/bin/kill", "-s", signalName, Long.toString(pid))
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("/bin/kill -s " + signalName + " " + pid + " did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running /bin/kill", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("/bin/kill -s " + signalName + " " + pid + " failed"
                    + (output.isEmpty() ? "" : ": " + output));
        }
    }

    public static long getpid() {
        return isAvailable() ? nativeGetpid() : ProcessHandle.current().pid();
    }

    /** setsid(2): makes this process a session leader; returns the new session id. */
    public static long setsid() throws IOException {
        requireAvailable();
        long r = nativeSetsid();
        if (r < 0) {
            int err = (int) -r;
            throw new IOException("setsid() failed (" + err + ": " + strerror(err) + ")");
        }
        return r;
    }

    /** The C library's text for an errno value. */
    public static String strerror(int errno) {
        return isAvailable() ? nativeStrerror(errno) : "errno " + errno;
    }

    /** getpwnam(3): the user's uid and primary gid; empty when there is no such user. */
    public static Optional<UserIds> lookupUser(String name) throws IOException {
        requireAvailable();
        long[] r = nativeLookupUser(name);
        if (r[0] < 0) {
            if (r[1] != 0) {
                int err = (int) r[1];
                throw new IOException("getpwnam(\"" + name + "\") failed (" + err + ": " + strerror(err) + ")");
            }
            return Optional.empty();
        }
        return Optional.of(new UserIds(r[0], r[1]));
    }

    /** getgrnam(3): the group's gid; empty when there is no such group. */
    public static Optional<Long> lookupGroup(String name) throws IOException {
        requireAvailable();
        long r = nativeLookupGroup(name);
        if (r == -1) {
            return Optional.empty();
        }
        if (r < -1) {
            int err = (int) (-1 - r);
            throw new IOException("getgrnam(\"" + name + "\") failed (" + err + ": " + strerror(err) + ")");
        }
        return Optional.of(r);
    }

    /**
     * Switches the whole process (every thread) to the user: setgid, initgroups, setuid, in
     * that order, as nginx's workers do.
     *
     * @throws IOException with nginx's wording, e.g. {@code setuid(65534) failed (1: Operation not permitted)}
     */
    public static void setUser(String userName, long uid, long gid) throws IOException {
        requireAvailable();
        int r = nativeSetUser(userName, uid, gid);
        if (r == 0) {
            return;
        }
        int step = r / 1000;
        int err = r % 1000;
        String call = switch (step) {
            case 1 -> "setgid(" + gid + ")";
            case 2 -> "initgroups(" + userName + ", " + gid + ")";
            default -> "setuid(" + uid + ")";
        };
        throw new IOException(call + " failed (" + err + ": " + strerror(err) + ")");
    }

    /** Points fds 0, 1 and 2 at /dev/null. */
    public static void detachStdio() throws IOException {
        requireAvailable();
        int err = nativeDetachStdio();
        if (err != 0) {
            throw new IOException("dup2() to /dev/null failed (" + err + ": " + strerror(err) + ")");
        }
    }

    private static native int nativeInstall(int[] signals);

    private static native int nativeAwaitSignal();

    private static native int nativeSignalNumber(String name);

    private static native int nativeKill(long pid, int signo);

    private static native long nativeGetpid();

    private static native long nativeSetsid();

    private static native String nativeStrerror(int errno);

    private static native long[] nativeLookupUser(String name);

    private static native long nativeLookupGroup(String name);

    private static native int nativeSetUser(String user, long uid, long gid);

    private static native int nativeDetachStdio();
}
