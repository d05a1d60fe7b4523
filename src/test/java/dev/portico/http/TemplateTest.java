package dev.portico.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portico.config.ConfigException;
import dev.portico.config.syntax.SourceLocation;
import org.junit.jupiter.api.Test;

class TemplateTest {

    private final SourceLocation here = new SourceLocation("/t.conf", 1);

    @Test
    void literalTextIsConstant() throws Exception {
        Template t = Template.compile("plain text", new VariableTable(), here);
        assertThat(t.isConstant()).isTrue();
        assertThat(t.render(null)).isEqualTo("plain text");
    }

    @Test
    void variablesBindAtResolveTime() throws Exception {
        VariableTable table = new VariableTable();
        Template t = Template.compile("https://${name}x$name/", table, here);
        table.define("name", x -> "host");
        table.resolveAll();
        assertThat(t.isConstant()).isFalse();
        assertThat(t.render(null)).isEqualTo("https://hostxhost/");
    }

    @Test
    void variableNamesAreCaseInsensitive() throws Exception {
        VariableTable table = new VariableTable();
        Template t = Template.compile("$Name-${NAME}", table, here);
        table.define("name", x -> "v");
        table.resolveAll();
        assertThat(t.render(null)).isEqualTo("v-v");
    }

    @Test
    void unknownVariableIsReportedWhereUsed() throws Exception {
        VariableTable table = new VariableTable();
        Template.compile("a$nope", table, here);
        assertThatThrownBy(table::resolveAll).isInstanceOf(ConfigException.class)
                .hasMessage("unknown \"nope\" variable in /t.conf:1");
    }

    @Test
    void unclosedBrace() {
        assertThatThrownBy(() -> Template.compile("${abc", new VariableTable(), here))
                .hasMessageStartingWith("the closing bracket in \"abc\" variable is missing");
    }

    @Test
    void argumentLookupFollowsNginx() {
        assertThat(CoreVariables.arg("a=1&B=2&c", "b")).isEqualTo("2");
        assertThat(CoreVariables.arg("a=1&B=2&c", "c")).isEqualTo("");
        assertThat(CoreVariables.arg("a=1&ab=2", "b")).isNull();
        assertThat(CoreVariables.arg(null, "a")).isNull();
    }
}
