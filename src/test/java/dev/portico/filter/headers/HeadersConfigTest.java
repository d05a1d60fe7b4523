package dev.portico.filter.headers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portico.config.ConfigException;
import dev.portico.testing.TestServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeadersConfigTest {

    @TempDir
    Path dir;

    private String fails(String body) {
        String conf = "events {}\nhttp {\n    server {\n        listen 127.0.0.1:1;\n" + body + "\n    }\n}\n";
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> TestServer.load(dir, conf));
        assertThat(t).isInstanceOf(ConfigException.class);
        return t.getMessage();
    }

    private String at(int line) {
        return " in " + dir.resolve("nginx.conf") + ":" + line;
    }

    @Test
    void addHeaderErrors() {
        assertThat(fails("add_header X-A b sometimes;")).isEqualTo("invalid parameter \"sometimes\"" + at(5));
        assertThat(fails("add_header X-A;")).isEqualTo("invalid number of arguments in \"add_header\" directive"
                + at(5));
        assertThat(fails("add_header X-A $nosuch;")).isEqualTo("unknown \"nosuch\" variable" + at(5));
    }

    @Test
    void expiresErrors() {
        assertThat(fails("expires 1h;\nexpires 2h;")).isEqualTo("\"expires\" directive is duplicate" + at(6));
        assertThat(fails("expires soon;")).isEqualTo("\"expires\" directive invalid value" + at(5));
        assertThat(fails("expires later 1h;")).isEqualTo("\"expires\" directive invalid value" + at(5));
        assertThat(fails("expires @25h;"))
                .isEqualTo("\"expires\" directive daily time value must be less than 24 hours" + at(5));
        assertThat(fails("expires modified @1h;"))
                .isEqualTo("\"expires\" directive daily time cannot be used with \"modified\" parameter" + at(5));
    }

    @Test
    void validForms() throws Exception {
        TestServer.load(dir, "events {}\nhttp {\n add_header A b always;\n expires modified +1d;\n"
                + " server { listen 127.0.0.1:1; expires $arg_e; location / { add_header B ''; expires epoch; } }\n}\n")
                .close();
        assertThatThrownBy(() -> TestServer.load(dir, "events {}\nexpires 1h;\n"))
                .hasMessageContaining("\"expires\" directive is not allowed here");
    }
}
