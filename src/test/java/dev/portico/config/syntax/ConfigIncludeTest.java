package dev.portico.config.syntax;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.portico.config.ConfigException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigIncludeTest {

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }

    private ParsedConfig parseMain(String content) throws IOException, ConfigException {
        return ConfigParser.parseFile(write("nginx.conf", content), dir);
    }

    private ConfigException failure(String mainContent) throws IOException {
        Path main = write("nginx.conf", mainContent);
        try {
            ConfigParser.parseFile(main, dir);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("expected a parse error");
    }

    private static List<String> names(AstBlock block) {
        return block.directives().stream().map(AstDirective::name).toList();
    }

    @Test
    void parsesMainFileAndRecordsIt() throws Exception {
        ParsedConfig config = parseMain("a 1;\n");

        assertThat(names(config.root())).containsExactly("a");
        assertThat(config.root().directives().get(0).where())
                .isEqualTo(new SourceLocation(dir.resolve("nginx.conf").toString(), 1));
        assertThat(config.files()).containsExactly(new SourceFile(dir.resolve("nginx.conf"), "a 1;\n"));
    }

    @Test
    void missingMainFileHasNoLocation() {
        Path missing = dir.resolve("absent.conf");

        assertThatThrownBy(() -> ConfigParser.parseFile(missing, dir))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e).hasMessage("open() \"" + missing + "\" failed (2: No such file or directory)");
                    assertThat(e.where()).isNull();
                });
    }

    @Test
    void mainFileThatIsADirectory() {
        assertThatThrownBy(() -> ConfigParser.parseFile(dir, dir))
                .hasMessage("pread() \"" + dir + "\" failed (21: Is a directory)");
    }

    @Test
    void includeSplicesDirectivesInPlace() throws Exception {
        write("mime.types", "types {\n  text/html html;\n}\n");
        ParsedConfig config = parseMain("a;\nhttp {\n  include mime.types;\n  b;\n}\nc;\n");

        assertThat(names(config.root())).containsExactly("a", "http", "c");
        AstBlock http = config.root().directives().get(1).block();
        assertThat(names(http)).containsExactly("types", "b");
        AstDirective types = http.directives().get(0);
        assertThat(types.where()).isEqualTo(new SourceLocation(dir + "/mime.types", 1));
        assertThat(types.block().directives().get(0).where()).isEqualTo(new SourceLocation(dir + "/mime.types", 2));
        assertThat(http.directives().get(1).where().line()).isEqualTo(4);
        assertThat(config.files()).extracting(f -> f.path().toString())
                .containsExactly(dir + "/nginx.conf", dir + "/mime.types");
    }

    @Test
    void includeInDeeplyNestedBlock() throws Exception {
        write("proxy.conf", "proxy_set_header Host $host;\nproxy_pass http://up;\n");
        ParsedConfig config = parseMain("http { server { location / { include proxy.conf; } } }");

        AstDirective location = config.root().directives().get(0).block().directives().get(0)
                .block().directives().get(0);
        assertThat(names(location.block())).containsExactly("proxy_set_header", "proxy_pass");
    }

    @Test
    void relativeGlobIncludesMatchesSortedByName() throws Exception {
        write("conf.d/b.conf", "b;");
        write("conf.d/a.conf", "a;");
        write("conf.d/C.conf", "upper;");
        write("conf.d/a.conf.bak", "bak;");
        write("conf.d/.hidden.conf", "hidden;");
        ParsedConfig config = parseMain("include conf.d/*.conf;\nlast;\n");

        assertThat(names(config.root())).containsExactly("upper", "a", "b", "last");
        assertThat(config.root().directives().get(1).where()).isEqualTo(new SourceLocation(dir + "/conf.d/a.conf", 1));
        assertThat(config.files()).extracting(f -> f.path().getFileName().toString())
                .containsExactly("nginx.conf", "C.conf", "a.conf", "b.conf");
    }

    @Test
    void absoluteGlobWithWildcardsInDirectoriesAndBrackets() throws Exception {
        write("sites-1/x.conf", "one;");
        write("sites-2/x.conf", "two;");
        write("sites-2/y.conf", "two_y;");
        write("sites-3/z.conf", "three;");
        ParsedConfig config = parseMain("include " + dir + "/sites-[12]/?.conf;");

        assertThat(names(config.root())).containsExactly("one", "two", "two_y");
    }

    @Test
    void hiddenFilesNeedALiteralDot() throws Exception {
        write("conf.d/.hidden.conf", "hidden;");

        assertThat(names(parseMain("include conf.d/.*.conf;").root())).containsExactly("hidden");
    }

    @Test
    void globMatchingNothingIncludesNothing() throws Exception {
        assertThat(names(parseMain("include nowhere/*.conf;\na;").root())).containsExactly("a");
    }

    @Test
    void fileIncludedTwiceIsParsedTwiceButDumpedOnce() throws Exception {
        write("common.conf", "common;");
        ParsedConfig config = parseMain("include common.conf;\ninclude common.conf;\n");

        assertThat(names(config.root())).containsExactly("common", "common");
        assertThat(config.files()).hasSize(2);
    }

    @Test
    void missingIncludeReportsTheFullPathAtTheIncludeDirective() throws Exception {
        ConfigException error = failure("a;\ninclude missing.conf;\n");

        assertThat(error).hasMessage("open() \"" + dir + "/missing.conf\" failed (2: No such file or directory) in "
                + dir + "/nginx.conf:2");
    }

    @Test
    void includeThroughARegularFileIsNotADirectory() throws Exception {
        write("plain", "");

        assertThat(failure("include plain/x.conf;").bareMessage())
                .isEqualTo("open() \"" + dir + "/plain/x.conf\" failed (20: Not a directory)");
    }

    @Test
    void unreadableInclude() throws Exception {
        Path secret = write("secret.conf", "a;");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
        assumeThat(Files.isReadable(secret)).as("permissions are not enforced for this user").isFalse();

        assertThat(failure("include secret.conf;"))
                .hasMessage("open() \"" + secret + "\" failed (13: Permission denied) in " + dir + "/nginx.conf:1");
    }

    @Test
    void openErrorsAreWordedWithTheirErrno() {
        assertThat(ConfigParser.describeErrno(new AccessDeniedException("/x"))).isEqualTo("13: Permission denied");
        assertThat(ConfigParser.describeErrno(new NoSuchFileException("/x")))
                .isEqualTo("2: No such file or directory");
    }

    @Test
    void symbolicLinkLoop() throws Exception {
        Files.createSymbolicLink(dir.resolve("a.conf"), dir.resolve("b.conf"));
        Files.createSymbolicLink(dir.resolve("b.conf"), dir.resolve("a.conf"));

        assertThat(failure("include a.conf;").bareMessage())
                .isEqualTo("open() \"" + dir + "/a.conf\" failed (40: Too many levels of symbolic links)");
    }

    @Test
    void errorInsideIncludedFileNamesThatFileAndLine() throws Exception {
        write("conf.d/broken.conf", "ok;\n\nbad {\n");
        ConfigException error = failure("http {\n  include conf.d/*.conf;\n}\n");

        assertThat(error).hasMessage("unexpected end of file, expecting \"}\" in " + dir + "/conf.d/broken.conf:4");
        assertThat(error.where()).isEqualTo(new SourceLocation(dir + "/conf.d/broken.conf", 4));
    }

    @Test
    void includedFileCannotCloseTheIncludingBlock() throws Exception {
        write("closer.conf", "a;\n}\n");

        assertThat(failure("http {\n include closer.conf;\n"))
                .hasMessage("unexpected \"}\" in " + dir + "/closer.conf:2");
    }

    @Test
    void includeNeedsExactlyOneArgument() throws Exception {
        assertThat(failure("a;\ninclude;")).hasMessage("invalid number of arguments in \"include\" directive in "
                + dir + "/nginx.conf:2");
        assertThat(failure("include a b;").bareMessage())
                .isEqualTo("invalid number of arguments in \"include\" directive");
    }

    @Test
    void includeCannotHaveABlock() throws Exception {
        assertThat(failure("\ninclude a.conf {\n}\n"))
                .hasMessage("directive \"include\" is not terminated by \";\" in " + dir + "/nginx.conf:2");
    }

    @Test
    void recursiveIncludeIsStopped() throws Exception {
        write("loop.conf", "a;\ninclude loop.conf;\n");
        ConfigException error = failure("include loop.conf;");

        assertThat(error.bareMessage()).startsWith("too deeply nested \"include\"");
        assertThat(error.where()).isEqualTo(new SourceLocation(dir + "/loop.conf", 2));
    }

    @Test
    void parseStringResolvesIncludesAgainstTheBase() throws Exception {
        write("extra.conf", "extra on;\n");
        ParsedConfig config = ConfigParser.parseString("events {}\ninclude extra.conf;\n", "<embedded>", dir);

        assertThat(names(config.root())).containsExactly("events", "extra");
        assertThat(config.root().directives().get(0).where()).isEqualTo(new SourceLocation("<embedded>", 1));
        assertThat(config.files()).extracting(f -> f.path().toString())
                .containsExactly("<embedded>", dir + "/extra.conf");
    }

    @Test
    void parseStringErrorsNameTheSource() {
        assertThatThrownBy(() -> ConfigParser.parseString("a;\nb", "<embedded>", dir))
                .hasMessage("unexpected end of file, expecting \";\" or \"}\" in <embedded>:2");
    }
}
