package dev.portico.cli;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Delivers HUP, QUIT, TERM, INT and USR1 to a handler on one daemon thread.
 *
 * <p>With libportico (see {@link NativeProcess}) every one of them is caught, QUIT included.
 * Without it, {@code sun.misc.Signal} takes HUP, TERM, INT and USR1; QUIT stays the JVM's
 * thread dump, which {@link #description()} says so the caller can log it.
 */
public final class ProcessSignals {

    private final Set<ProcessSignal> handled;
    private final String description;

    private ProcessSignals(Set<ProcessSignal> handled, String description) {
        this.handled = handled;
        this.description = description;
    }

    /** Which signals reach the handler. */
    public Set<ProcessSignal> handled() {
        return EnumSet.copyOf(handled);
    }

    public boolean handles(ProcessSignal signal) {
        return handled.contains(signal);
    }

    /** How signals are caught, and what is missing, for the log. */
    public String description() {
        return description;
    }

    /**
     * Installs the handlers and starts the thread "portico-signals" that calls {@code handler}
     * for each signal, in arrival order; a handler that throws does not stop the thread.
     */
    public static ProcessSignals start(Consumer<ProcessSignal> handler) throws IOException {
        if (NativeProcess.isAvailable()) {
            return startNative(handler);
        }
        return startFallback(handler, NativeProcess.unavailableReason().orElse("unknown reason"));
    }

    private static ProcessSignals startNative(Consumer<ProcessSignal> handler) throws IOException {
        Map<Integer, ProcessSignal> byNumber = new HashMap<>();
        String[] names = new String[ProcessSignal.values().length];
        int i = 0;
        for (ProcessSignal s : ProcessSignal.values()) {
            byNumber.put(NativeProcess.signalNumber(s.signalName()), s);
            names[i++] = s.signalName();
        }
        NativeProcess.install(names);
        Thread t = new Thread(() -> {
            while (true) {
                int number;
                try {
                    number = NativeProcess.awaitSignal();
                } catch (IOException e) {
                    System.err.println("portico: signal thread stopped: " + e.getMessage());
                    return;
                }
                ProcessSignal s = byNumber.get(number);
                if (s != null) {
                    deliver(handler, s);
                }
            }
        }, "portico-signals");
        t.setDaemon(true);
        t.start();
        return new ProcessSignals(EnumSet.allOf(ProcessSignal.class), "native signal handlers");
    }

    private static void deliver(Consumer<ProcessSignal> handler, ProcessSignal s) {
        try {
            handler.accept(s);
        } catch (RuntimeException e) {
            System.err.println("portico: " + s.signalName() + " handler failed: " + e);
        }
    }

    /*
     * sun.misc.Signal through reflection: it lives in jdk.unsupported and naming it directly
     * draws a "proprietary API" compiler warning that no annotation can silence. Its own
     * dispatcher thread calls the handler; a single-thread hand-off keeps the
     * one-thread-in-order contract.
     */
    private static ProcessSignals startFallback(Consumer<ProcessSignal> handler, String why) throws IOException {
        java.util.concurrent.BlockingQueue<ProcessSignal> queue = new java.util.concurrent.LinkedBlockingQueue<>();
        EnumSet<ProcessSignal> handled = EnumSet.noneOf(ProcessSignal.class);
        StringBuilder problems = new StringBuilder();
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            for (ProcessSignal s : ProcessSignal.values()) {
                if (s == ProcessSignal.QUIT) {
                    continue; // HotSpot keeps QUIT for thread dumps
                }
                Object proxy = Proxy.newProxyInstance(handlerClass.getClassLoader(), new Class<?>[]{handlerClass},
                        (p, m, a) -> {
                            if (m.getName().equals("handle")) {
                                queue.add(s);
                                return null;
                            }
                            return switch (m.getName()) {
                                case "hashCode" -> System.identityHashCode(p);
                                case "equals" -> p == a[0];
                                default -> "ProcessSignals handler for " + s.signalName();
                            };
                        });
                try {
                    handle.invoke(null, signalClass.getConstructor(String.class).newInstance(s.signalName()), proxy);
                    handled.add(s);
                } catch (ReflectiveOperationException e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    problems.append(", ").append(s.signalName()).append(" unavailable: ").append(cause.getMessage());
                }
            }
        } catch (ReflectiveOperationException e) {
            throw new IOException("no way to handle signals: " + why + "; sun.misc.Signal: " + e, e);
        }
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    deliver(handler, queue.take());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "portico-signals");
        t.setDaemon(true);
        t.start();
        return new ProcessSignals(handled, "sun.misc.Signal handlers (" + why + "); QUIT unavailable" + problems);
    }
}
