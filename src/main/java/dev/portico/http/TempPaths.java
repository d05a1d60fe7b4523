package dev.portico.http;

import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfigException;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Values;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The temporary-file folders that `*_temp_path` directives name. They are
 * created at start-up when missing, as nginx's ngx_create_paths does, so that a
 * configuration never fails later on a missing folder.
 */
public final class TempPaths {

    /** A declared folder and its hashed sub-level widths (nginx's "1 2" levels). */
    public record TempPath(Path path, List<Integer> levels) {
    }

    private final List<TempPath> paths = new ArrayList<>();

    public static TempPaths of(ConfigBuild build) {
        return build.shared(TempPaths.class, TempPaths::new);
    }

    /** Parses `NAME path [level1 [level2 [level3]]]` and records the folder for creation. */
    public static Path declare(DirectiveCall c) throws ConfigException {
        Path path = c.path(0);
        List<Integer> levels = new ArrayList<>();
        for (int i = 1; i < c.argCount(); i++) {
            long level = Values.number(c.arg(i));
            if (level < 1 || level > 2) {
                throw c.error("invalid value \"" + c.arg(i) + "\" in \"" + c.name() + "\" directive");
            }
            levels.add((int) level);
        }
        of(c.build()).paths.add(new TempPath(path, List.copyOf(levels)));
        return path;
    }

    /** A folder used without a directive naming it (a built-in default), to be created like the others. */
    public void add(Path path) {
        paths.add(new TempPath(path, List.of()));
    }

    public List<TempPath> paths() {
        return paths;
    }

    /** Creates every declared folder that is missing; fails with nginx's mkdir() wording. */
    public void createMissing() throws IOException {
        for (TempPath p : paths) {
            if (Files.isDirectory(p.path())) {
                continue;
            }
            try {
                Files.createDirectories(p.path());
            } catch (IOException e) {
                throw new IOException("mkdir() \"" + p.path() + "\" failed (" + dev.portico.log.ErrorLog.describe(e)
                        + ")", e);
            }
        }
    }
}
