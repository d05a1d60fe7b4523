package dev.portico.config.syntax;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.config.ConfigException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigSyntaxTest {

    private static final String FILE = "/etc/portico/portico.conf";

    private static AstBlock parse(String text) throws ConfigException {
        return ConfigParser.parseString(text, FILE, Path.of("/etc/portico")).root();
    }

    private static AstDirective only(String text) throws ConfigException {
        List<AstDirective> directives = parse(text).directives();
        assertThat(directives).hasSize(1);
        return directives.get(0);
    }

    private static ConfigException failure(String text) {
        try {
            parse(text);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("expected a parse error for: " + text);
    }

    @Test
    void splitsWordsOnBlanksAndEndsDirectivesAtSemicolons() throws ConfigException {
        List<AstDirective> directives = parse("worker_processes  2;\n\tdaemon\r\noff ;error_log logs/error.log warn;").directives();

        assertThat(directives).extracting(AstDirective::name).containsExactly("worker_processes", "daemon", "error_log");
        assertThat(directives.get(0).argValues()).containsExactly("2");
        assertThat(directives.get(1).argValues()).containsExactly("off");
        assertThat(directives.get(2).argValues()).containsExactly("logs/error.log", "warn");
        assertThat(directives.get(2).arg(1)).isEqualTo("warn");
        assertThat(directives).noneMatch(AstDirective::hasBlock);
    }

    @Test
    void directiveWithoutArguments() throws ConfigException {
        AstDirective directive = only("internal;");

        assertThat(directive.name()).isEqualTo("internal");
        assertThat(directive.args()).isEmpty();
        assertThat(directive.block()).isNull();
    }

    @Test
    void emptyTextHasNoDirectives() throws ConfigException {
        assertThat(parse("").directives()).isEmpty();
        assertThat(parse("  \n# only a comment\n\n").directives()).isEmpty();
    }

    @Test
    void directiveLineIsTheLineOfItsTerminator() throws ConfigException {
        List<AstDirective> directives = parse("a 1;\n\nb\n  2\n  ;\nc {\n}\nd\n{ e; }\n").directives();

        assertThat(directives).extracting(d -> d.where().line()).containsExactly(1, 5, 6, 9);
        assertThat(directives.get(0).where()).isEqualTo(new SourceLocation(FILE, 1));
        assertThat(directives.get(3).block().directives().get(0).where().line()).isEqualTo(9);
    }

    @Test
    void nestedBlocks() throws ConfigException {
        AstDirective http = only("http {\n  server {\n    listen 80;\n    location / { root html; }\n  }\n  empty {}\n}\n");

        assertThat(http.hasBlock()).isTrue();
        List<AstDirective> inHttp = http.block().directives();
        assertThat(inHttp).extracting(AstDirective::name).containsExactly("server", "empty");
        assertThat(inHttp.get(1).block().directives()).isEmpty();

        List<AstDirective> inServer = inHttp.get(0).block().directives();
        assertThat(inServer).extracting(AstDirective::name).containsExactly("listen", "location");
        AstDirective location = inServer.get(1);
        assertThat(location.argValues()).containsExactly("/");
        assertThat(location.block().directives().get(0).argValues()).containsExactly("html");
        assertThat(location.where().line()).isEqualTo(4);
    }

    @Test
    void blockMayFollowArgumentWithoutBlank() throws ConfigException {
        AstDirective directive = only("events{worker_connections 1024;}");

        assertThat(directive.name()).isEqualTo("events");
        assertThat(directive.block().directives().get(0).argValues()).containsExactly("1024");
    }

    @Test
    void closingBraceInsideAWordIsPartOfIt() throws ConfigException {
        assertThat(only("return 200 a}b;").argValues()).containsExactly("200", "a}b");
    }

    @Test
    void commentsRunToEndOfLineOnlyAtTheStartOfAWord() throws ConfigException {
        List<AstDirective> directives = parse("# leading\na b#c; # trailing ; { }\nd \"#e\" #f\n;\n").directives();

        assertThat(directives).hasSize(2);
        assertThat(directives.get(0).argValues()).containsExactly("b#c");
        assertThat(directives.get(1).argValues()).containsExactly("#e");
        assertThat(directives.get(1).where().line()).isEqualTo(4);
    }

    @Test
    void quotedWordsKeepBlanksAndSpecialCharacters() throws ConfigException {
        AstDirective directive = only("add_header X-Test \"a b; {c} #d\" 'e \"f\" g';");

        assertThat(directive.args()).containsExactly(
                new AstArgument("X-Test", false),
                new AstArgument("a b; {c} #d", true),
                new AstArgument("e \"f\" g", true));
    }

    @Test
    void emptyQuotedWords() throws ConfigException {
        assertThat(only("x '' \"\";").args())
                .containsExactly(new AstArgument("", true), new AstArgument("", true));
    }

    @Test
    void quotedWordsMaySpanLines() throws ConfigException {
        AstDirective directive = only("x 'a\nb';");

        assertThat(directive.arg(0)).isEqualTo("a\nb");
        assertThat(directive.where().line()).isEqualTo(2);
    }

    @Test
    void quotedDirectiveName() throws ConfigException {
        assertThat(only("\"server_name\" a;").name()).isEqualTo("server_name");
    }

    @Test
    void escapesInsideQuotes() throws ConfigException {
        AstDirective directive = only("x \"q\\\"t\\\\b\\tt\\rr\\nn\\x\\$\" 'it\\'s';");

        assertThat(directive.arg(0)).isEqualTo("q\"t\\b\tt\rr\nn\\x\\$");
        assertThat(directive.arg(1)).isEqualTo("it's");
    }

    @Test
    void backslashInUnquotedWordsTakesAwayTheNextCharactersMeaning() throws ConfigException {
        AstDirective directive = only("x a\\;b \\\"c a\\ b \\{ \\d e\\n;");

        assertThat(directive.args()).containsExactly(
                new AstArgument("a\\;b", false),
                new AstArgument("\"c", false),
                new AstArgument("a\\ b", false),
                new AstArgument("\\{", false),
                new AstArgument("\\d", false),
                new AstArgument("e\n", false));
    }

    @Test
    void regexWithBackslashesAndDollar() throws ConfigException {
        AstDirective location = only("location ~* \\.(gif|jpg)$ { }");

        assertThat(location.argValues()).containsExactly("~*", "\\.(gif|jpg)$");
    }

    @Test
    void variablesPassThroughAsText() throws ConfigException {
        AstDirective directive = only("return 301 https://$host${request_uri}x$1;");

        assertThat(directive.argValues()).containsExactly("301", "https://$host${request_uri}x$1");
    }

    @Test
    void braceAfterDollarInsideQuotesIsText() throws ConfigException {
        assertThat(only("set $a \"${b}c\";").args())
                .containsExactly(new AstArgument("$a", false), new AstArgument("${b}c", true));
        assertThat(only("set $a '${b}';").arg(1)).isEqualTo("${b}");
    }

    @Test
    void escapedDollarDoesNotStartAVariable() throws ConfigException {
        // "\$" hides the dollar, so the "{" after it opens a block, as in nginx.
        AstDirective directive = only("x a\\${ y; }");

        assertThat(directive.argValues()).containsExactly("a\\$");
        assertThat(directive.block().directives().get(0).name()).isEqualTo("y");
    }

    @Test
    void unquotedWordMayStartWithBraceVariable() throws ConfigException {
        // As nginx 1.22: a "$" starting a word begins a variable, so its "{" opens no block.
        assertThat(only("set $x ${y} z;").argValues()).containsExactly("$x", "${y}", "z");
        // Unclosed, the word ends at ";", and the variable's own check reports it (as nginx does).
        assertThat(only("return 200 ${uri;").argValues()).containsExactly("200", "${uri");
    }

    @Test
    void closingParenthesisMayFollowAQuotedWord() throws ConfigException {
        AstDirective directive = only("if ($request_method = \"POST\") { return 405; }");

        assertThat(directive.args()).containsExactly(
                new AstArgument("($request_method", false),
                new AstArgument("=", false),
                new AstArgument("POST", true),
                new AstArgument(")", false));
    }

    @Test
    void quotedWordMayBeFollowedBySemicolonOrBrace() throws ConfigException {
        List<AstDirective> directives = parse("a \"b\";c 'd'{}").directives();

        assertThat(directives.get(0).argValues()).containsExactly("b");
        assertThat(directives.get(1).hasBlock()).isTrue();
    }

    @Test
    void multiByteCharactersSurvive() throws ConfigException {
        assertThat(only("return 200 \"héllo → wörld\";").arg(1)).isEqualTo("héllo → wörld");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "'}'                               | unexpected \"}\" in /etc/portico/portico.conf:1",
        "'a;\n}\n'                         | unexpected \"}\" in /etc/portico/portico.conf:2",
        "'http {\n}\n}'                    | unexpected \"}\" in /etc/portico/portico.conf:3",
        "'a b\n}'                          | unexpected \"}\" in /etc/portico/portico.conf:2",
        "'a \"b\"}'                        | unexpected \"}\" in /etc/portico/portico.conf:1",
        "'\n{ a; }'                        | unexpected \"{\" in /etc/portico/portico.conf:2",
        "'a;\n\n  ;'                       | unexpected \";\" in /etc/portico/portico.conf:3",
        "'server { ; }'                    | unexpected \";\" in /etc/portico/portico.conf:1",
        "'a b'                             | unexpected end of file, expecting \";\" or \"}\" in /etc/portico/portico.conf:1",
        "'a b\n\n'                         | unexpected end of file, expecting \";\" or \"}\" in /etc/portico/portico.conf:3",
        "'a'                               | unexpected end of file, expecting \";\" or \"}\" in /etc/portico/portico.conf:1",
        "'a \"unterminated\n'              | unexpected end of file, expecting \";\" or \"}\" in /etc/portico/portico.conf:2",
        "'a \\'                            | unexpected end of file, expecting \";\" or \"}\" in /etc/portico/portico.conf:1",
        "'http {\n  server {\n  }\n'       | unexpected end of file, expecting \"}\" in /etc/portico/portico.conf:4",
        "'events {'                        | unexpected end of file, expecting \"}\" in /etc/portico/portico.conf:1",
        "'a \"b\"c;'                       | unexpected \"c\" in /etc/portico/portico.conf:1",
        "'a \"b\"\"c\";'                   | unexpected \"\"\" in /etc/portico/portico.conf:1",
        "'a\n\"b\"#c\n;'                   | unexpected \"#\" in /etc/portico/portico.conf:2",
        "'a \"b\"é;'                       | unexpected \"é\" in /etc/portico/portico.conf:1",
    })
    void syntaxErrors(String text, String message) {
        ConfigException error = failure(text);

        assertThat(error).hasMessage(message);
        assertThat(error.where().file()).isEqualTo(FILE);
        assertThat(error.bareMessage()).isEqualTo(message.substring(0, message.indexOf(" in /etc")));
    }

    @Test
    void errorLocationIsWhereTheProblemIsFound() {
        ConfigException error = failure("a;\nb {\n  c;\n  d e\n}\n");

        assertThat(error.bareMessage()).isEqualTo("unexpected \"}\"");
        assertThat(error.where()).isEqualTo(new SourceLocation(FILE, 5));
    }

    @Test
    void tooLongWord() {
        String word = "x".repeat(5000);
        ConfigException error = failure("a;\nb " + word + ";");

        assertThat(error).hasMessage("too long parameter \"xxxxxxxxxx...\" started in " + FILE + ":2");
    }

    @Test
    void tooLongQuotedWordIsProbablyMissingItsQuote() {
        ConfigException error = failure("a;\nb \"" + "x".repeat(5000) + "\";");

        assertThat(error).hasMessage("too long parameter, probably missing terminating \"\"\" character in "
                + FILE + ":2");
        assertThat(failure("b '" + "x".repeat(5000) + "';"))
                .hasMessage("too long parameter, probably missing terminating \"'\" character in " + FILE + ":1");
    }

    @Test
    void wordsShorterThanTheReadBufferAreAccepted() throws ConfigException {
        String word = "y".repeat(4095);

        assertThat(only(word + ";").name()).isEqualTo(word);
        assertThat(failure("z".repeat(4096) + ";"))
                .hasMessage("too long parameter \"zzzzzzzzzz...\" started in " + FILE + ":1");
    }

    @Test
    void wordFillingTheReadBufferAtTheEndOfTheFileIsAnEndOfFileError() {
        assertThat(failure("z".repeat(4096)).bareMessage())
                .isEqualTo("unexpected end of file, expecting \";\" or \"}\"");
    }

    @Test
    void longCommentsAndBlankRunsHitTheReadBufferToo() {
        assertThat(failure("a;\n#" + "c".repeat(5000) + "\nb;"))
                .hasMessage("too long parameter \"#ccccccccc...\" started in " + FILE + ":2");
        assertThat(failure(" ".repeat(5000) + "b;"))
                .hasMessage("too long parameter \"          ...\" started in " + FILE + ":1");
    }

    @Test
    void astValuesCompareByContent() throws ConfigException {
        assertThat(parse("a \"b\" { c; }")).isEqualTo(parse("a \"b\" { c; }"));
        assertThat(parse("a \"b\";")).isNotEqualTo(parse("a b;"));
    }
}
