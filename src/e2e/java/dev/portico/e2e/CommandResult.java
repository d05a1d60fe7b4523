package dev.portico.e2e;

/** The outcome of a command run to completion. */
public record CommandResult(int exitCode, String stdout, String stderr) {

    @Override
    public String toString() {
        return "exit code " + exitCode + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr;
    }
}
