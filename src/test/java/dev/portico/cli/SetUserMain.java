package dev.portico.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Child process for NativeProcessTest: switches to the user args[0], then prints the real
 * and effective uid and gid of every thread (from /proc/self/task/N/status), one line each.
 */
public final class SetUserMain {
    public static void main(String[] args) throws Exception {
        NativeProcess.UserIds ids = NativeProcess.lookupUser(args[0]).orElseThrow();
        NativeProcess.setUser(args[0], ids.uid(), ids.gid());
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String uid = "?";
                String gid = "?";
                for (String line : Files.readAllLines(task.resolve("status"))) {
                    if (line.startsWith("Uid:")) {
                        uid = line.substring(4).trim().replaceAll("\\s+", " ");
                    } else if (line.startsWith("Gid:")) {
                        gid = line.substring(4).trim().replaceAll("\\s+", " ");
                    }
                }
                System.out.println("thread uid " + uid + " gid " + gid);
            }
        }
        try {
            NativeProcess.setUser("root", 0, 0);
            System.out.println("regained root");
        } catch (java.io.IOException e) {
            System.out.println("cannot go back: " + e.getMessage());
        }
    }
}
