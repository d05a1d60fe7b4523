package dev.portico.cli;

import java.util.Optional;

/** The signals nginx's master process acts on, named by what they ask for. */
public enum ProcessSignal {
    /** HUP: reload the configuration ({@code -s reload}). */
    RELOAD("HUP", "reload"),
    /** QUIT: graceful shutdown ({@code -s quit}). */
    QUIT("QUIT", "quit"),
    /** TERM: fast shutdown ({@code -s stop}). */
    STOP("TERM", "stop"),
    /** INT: fast shutdown, as TERM. */
    INTERRUPT("INT", null),
    /** USR1: reopen log files ({@code -s reopen}). */
    REOPEN("USR1", "reopen");

    private final String signalName;
    private final String command;

    ProcessSignal(String signalName, String command) {
        this.signalName = signalName;
        this.command = command;
    }

    /** The signal's name without SIG, as kill(1) takes it: "HUP", "QUIT", "TERM", "INT", "USR1". */
    public String signalName() {
        return signalName;
    }

    /** The {@code -s} word (stop, quit, reopen, reload); empty for INT, which has none. */
    public Optional<String> command() {
        return Optional.ofNullable(command);
    }

    /** The signal for an {@code -s} word: stop, quit, reopen or reload. */
    public static ProcessSignal fromCommand(String command) {
        for (ProcessSignal s : values()) {
            if (command.equals(s.command)) {
                return s;
            }
        }
        throw new IllegalArgumentException("invalid signal command \"" + command + "\"");
    }

    /** The signal with this name ("HUP", ...); empty when it is not one of these. */
    public static Optional<ProcessSignal> fromSignalName(String name) {
        for (ProcessSignal s : values()) {
            if (s.signalName.equals(name)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
