package dev.portico.config.syntax;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigDumperTest {

    @TempDir
    Path dir;

    @Test
    void dumpsEachFileAfterAHeaderFollowedByALineFeed() throws Exception {
        Files.writeString(dir.resolve("nginx.conf"), "events {}\ninclude conf.d/*.conf;\n");
        Files.createDirectories(dir.resolve("conf.d"));
        Files.writeString(dir.resolve("conf.d/a.conf"), "# a\nworker_processes 1;");
        Files.writeString(dir.resolve("conf.d/b.conf"), "daemon off;\n");

        ParsedConfig config = ConfigParser.parseFile(dir.resolve("nginx.conf"), dir);

        assertThat(ConfigDumper.dump(config)).isEqualTo(
                "# configuration file " + dir + "/nginx.conf:\n"
                        + "events {}\ninclude conf.d/*.conf;\n"
                        + "\n"
                        + "# configuration file " + dir + "/conf.d/a.conf:\n"
                        + "# a\nworker_processes 1;\n"
                        + "# configuration file " + dir + "/conf.d/b.conf:\n"
                        + "daemon off;\n"
                        + "\n");
    }

    @Test
    void dumpOfAnEmptyConfiguration() {
        ParsedConfig config = new ParsedConfig(new AstBlock(List.of()),
                List.of(new SourceFile(Path.of("/etc/portico/portico.conf"), "")));

        assertThat(ConfigDumper.dump(config)).isEqualTo("# configuration file /etc/portico/portico.conf:\n\n");
    }
}
