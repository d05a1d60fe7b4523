package dev.portico.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfigException;
import dev.portico.config.syntax.SourceLocation;
import dev.portico.http.VariableTable;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogFormatTest {

    private static String escape(LogFormat.Escape mode, String value) {
        LogFormat.LineBuffer b = new LogFormat.LineBuffer(4);
        switch (mode) {
            case DEFAULT -> LogFormat.escapeDefault(value, b);
            case JSON -> LogFormat.escapeJson(value, b);
            case NONE -> LogFormat.raw(value, b);
        }
        return b.toString();
    }

    @Test
    void defaultEscaping() {
        assertThat(escape(LogFormat.Escape.DEFAULT, "plain text/~!")).isEqualTo("plain text/~!");
        assertThat(escape(LogFormat.Escape.DEFAULT, "a\"b\\c")).isEqualTo("a\\x22b\\x5Cc");
        assertThat(escape(LogFormat.Escape.DEFAULT, "\t\n\u007f\u00ff")).isEqualTo("\\x09\\x0A\\x7F\\xFF");
        // a char beyond one byte is logged as its UTF-8 bytes
        assertThat(escape(LogFormat.Escape.DEFAULT, "\u20ac")).isEqualTo("\\xE2\\x82\\xAC");
    }

    @Test
    void jsonEscaping() {
        assertThat(escape(LogFormat.Escape.JSON, "a\"b\\c")).isEqualTo("a\\\"b\\\\c");
        assertThat(escape(LogFormat.Escape.JSON, "\n\r\t\b\f\u0001\u001f")).isEqualTo("\\n\\r\\t\\b\\f\\u0001\\u001F");
        assertThat(escape(LogFormat.Escape.JSON, "\u00e9\u007f")).isEqualTo("\u00e9\u007f");
    }

    @Test
    void noneIsRaw() {
        assertThat(escape(LogFormat.Escape.NONE, "a\"b\\c\n")).isEqualTo("a\"b\\c\n");
    }

    private static VariableTable table(ConfigBuild build) {
        VariableTable t = VariableTable.of(build);
        t.define("quote", x -> "say \"hi\"");
        t.define("missing", x -> null);
        t.define("empty", x -> "");
        return t;
    }

    private static String render(String... strings) throws ConfigException {
        ConfigBuild build = new ConfigBuild(Path.of("/p"), Path.of("/p/conf"), null, null);
        LogFormat f = LogFormat.compile("t", List.of(strings), table(build), null);
        VariableTable.of(build).resolveAll();
        LogFormat.LineBuffer b = new LogFormat.LineBuffer(8);
        f.render(null, b);
        return b.toString();
    }

    @Test
    void compiledFormatRendersPerEscape() throws Exception {
        assertThat(render("[$quote] ", "<$missing|${empty}>")).isEqualTo("[say \\x22hi\\x22] <-|>");
        assertThat(render("escape=json", "{\"q\":\"$quote\",\"m\":\"$missing\"}"))
                .isEqualTo("{\"q\":\"say \\\"hi\\\"\",\"m\":\"\"}");
        assertThat(render("escape=none", "$quote|$missing|$empty")).isEqualTo("say \"hi\"||");
        assertThat(render("escape=default", "${quote}x")).isEqualTo("say \\x22hi\\x22x");
    }

    @Test
    void compileErrorsAsNginx() {
        SourceLocation where = new SourceLocation("/c/nginx.conf", 7);
        ConfigBuild build = new ConfigBuild(Path.of("/p"), Path.of("/p"), null, null);
        VariableTable t = VariableTable.of(build);
        assertThatThrownBy(() -> LogFormat.compile("x", List.of("escape=xml", "$a"), t, where))
                .hasMessage("unknown log format escaping \"xml\" in /c/nginx.conf:7");
        assertThatThrownBy(() -> LogFormat.compile("x", List.of("abc $"), t, where))
                .hasMessage("invalid parameter \"$\" in /c/nginx.conf:7");
        assertThatThrownBy(() -> LogFormat.compile("x", List.of("a $-b"), t, where))
                .hasMessage("invalid parameter \"$-b\" in /c/nginx.conf:7");
        assertThatThrownBy(() -> LogFormat.compile("x", List.of("${abc def"), t, where))
                .hasMessage("the closing bracket in \"abc\" variable is missing in /c/nginx.conf:7");
    }
}
