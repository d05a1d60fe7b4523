package dev.portico.cli;

/**
 * A command line nginx would reject. The message is nginx's wording without the
 * program name: the caller prints {@code "portico: " + getMessage()} to stderr and exits 1.
 */
public final class CommandLineException extends Exception {
    public CommandLineException(String message) {
        super(message);
    }
}
