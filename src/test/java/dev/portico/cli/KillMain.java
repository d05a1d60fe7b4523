package dev.portico.cli;

/** Child process for NativeProcessTest: kill(args[0], args[1]), then the same to args[2]. */
public final class KillMain {
    public static void main(String[] args) {
        System.out.println("available " + NativeProcess.isAvailable());
        for (String pid : new String[]{args[0], args[2]}) {
            try {
                NativeProcess.kill(Long.parseLong(pid), args[1]);
                System.out.println("sent");
            } catch (Exception e) {
                System.out.println("failed: " + e.getMessage());
            }
        }
    }
}
