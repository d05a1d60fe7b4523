package dev.portico.config.syntax;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portico.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommandLineTest {

    @TempDir
    Path dir;

    @Test
    void parsesDirectives() throws ConfigException {
        AstBlock block = ConfigParser.parseCommandLine("daemon off; worker_processes 2;", dir);

        assertThat(block.directives()).extracting(AstDirective::name).containsExactly("daemon", "worker_processes");
        assertThat(block.directives().get(1).argValues()).containsExactly("2");
        assertThat(block.directives().get(0).where()).isEqualTo(SourceLocation.commandLine());
        assertThat(block.directives().get(0).where().isCommandLine()).isTrue();
        assertThat(block.directives().get(0).where()).hasToString("command line");
    }

    @Test
    void emptyTextHasNoDirectives() throws ConfigException {
        assertThat(ConfigParser.parseCommandLine("  ", dir).directives()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "daemon off                | unexpected end of parameter, expecting \";\"",
        "daemon                    | unexpected end of parameter, expecting \";\"",
        "'daemon \"off\"'          | unexpected end of parameter, expecting \";\"",
        "daemon off; }             | unexpected \"}\"",
        "; daemon off;             | unexpected \";\"",
        "'pid \"a\"b;'             | unexpected \"b\"",
        "events { }                | block directives are not supported in -g option",
    })
    void errorsEndInCommandLine(String text, String message) {
        assertThatThrownBy(() -> ConfigParser.parseCommandLine(text, dir))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e).hasMessage(message + " in command line");
                    assertThat(e.bareMessage()).isEqualTo(message);
                    assertThat(e.where().isCommandLine()).isTrue();
                });
    }

    @Test
    void includeWorksAndReportsItsFile() throws Exception {
        Files.writeString(dir.resolve("extra.conf"), "user nobody;\nworker_processes\n");

        assertThatThrownBy(() -> ConfigParser.parseCommandLine("include extra.conf;", dir))
                .hasMessage("unexpected end of file, expecting \";\" or \"}\" in " + dir + "/extra.conf:3");

        Files.writeString(dir.resolve("extra.conf"), "user nobody;\n");
        assertThat(ConfigParser.parseCommandLine("include extra.conf; daemon off;", dir).directives())
                .extracting(AstDirective::name).containsExactly("user", "daemon");
    }

    @Test
    void missingIncludeIsReportedInCommandLine() {
        assertThatThrownBy(() -> ConfigParser.parseCommandLine("include nope.conf;", dir))
                .hasMessage("open() \"" + dir + "/nope.conf\" failed (2: No such file or directory) in command line");
    }
}
