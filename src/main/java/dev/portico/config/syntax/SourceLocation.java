package dev.portico.config.syntax;

/**
 * A place in the configuration: a file as nginx prints it and a 1-based line,
 * or the {@code -g} command line text, which has a null file and line 0.
 */
public record SourceLocation(String file, int line) {

    private static final SourceLocation COMMAND_LINE = new SourceLocation(null, 0);

    /** The location of everything given with {@code -g}. */
    public static SourceLocation commandLine() {
        return COMMAND_LINE;
    }

    public boolean isCommandLine() {
        return file == null;
    }

    /** {@code file:line}, or {@code command line}, as it follows "in " in nginx's messages. */
    @Override
    public String toString() {
        return isCommandLine() ? "command line" : file + ":" + line;
    }
}
