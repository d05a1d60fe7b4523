package dev.portico.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private String conf() {
        return dir.resolve("conf/portico.conf").toString();
    }

    private void assertError(String text, String message, int line) {
        assertThatThrownBy(() -> ConfigFixture.load(dir, text))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message + " in " + conf() + ":" + line);
    }

    @Test
    void unknownDirectiveSuggestsTheNearestName() {
        assertError("http {\n  server {\n    server_nam x;\n  }\n}\n",
                "unknown directive \"server_nam\" (did you mean \"server_name\"?)", 3);
    }

    @Test
    void unknownDirectiveWithoutACloseNameHasNoSuggestion() {
        assertError("frobnicate on;\n", "unknown directive \"frobnicate\"", 1);
    }

    @Test
    void directiveNotAllowedHere() {
        assertError("listen 80;\n", "\"listen\" directive is not allowed here", 1);
        assertError("http {\n location / { }\n}\n", "\"location\" directive is not allowed here", 2);
    }

    @Test
    void invalidNumberOfArguments() {
        assertError("http {\n  server {\n    listen;\n  }\n}\n",
                "invalid number of arguments in \"listen\" directive", 3);
        assertError("daemon on off;\n", "invalid number of arguments in \"daemon\" directive", 1);
    }

    @Test
    void duplicateDirective() {
        assertError("daemon on;\ndaemon off;\n", "\"daemon\" directive is duplicate", 2);
        assertError("http {\n sendfile on;\n sendfile off;\n}\n", "\"sendfile\" directive is duplicate", 3);
    }

    @Test
    void useNamesAnEventMethodOnce() throws Exception {
        assertError("events {\n use kqueue;\n}\n", "invalid event type \"kqueue\"", 2);
        assertError("events {\n use epoll;\n use io_uring;\n}\n", "\"use\" directive is duplicate", 3);
        assertThat(ConfigFixture.load(dir, "events {\n use io_uring;\n}\n").core().eventMethod())
                .isEqualTo("io_uring");
        assertThat(ConfigFixture.load(dir, "events {\n}\n").core().eventMethod()).isNull();
    }

    @Test
    void invalidFlagValue() {
        assertError("daemon maybe;\n",
                "invalid value \"maybe\" in \"daemon\" directive, it must be \"on\" or \"off\"", 1);
    }

    @Test
    void invalidSizeAndTime() {
        assertError("http {\n client_max_body_size 10X;\n}\n", "\"client_max_body_size\" directive invalid value", 2);
        assertError("http {\n keepalive_timeout 5q;\n}\n", "\"keepalive_timeout\" directive invalid value", 2);
    }

    @Test
    void blockDirectiveWithoutBlock() {
        assertError("http;\n", "directive \"http\" has no opening \"{\"", 1);
    }

    @Test
    void simpleDirectiveWithBlock() {
        assertError("daemon on { }\n", "directive \"daemon\" is not terminated by \";\"", 1);
    }

    @Test
    void duplicateLocation() {
        assertError("http {\n server {\n  location /a { }\n  location /a { }\n }\n}\n",
                "duplicate location \"/a\"", 4);
    }

    @Test
    void nestedLocationOutsideItsParent() {
        assertError("http {\n server {\n  location /a {\n   location /b { }\n  }\n }\n}\n",
                "location \"/b\" is outside location \"/a\"", 4);
    }

    @Test
    void unsupportedListenParameterIsNamed() {
        assertError("http {\n server {\n  listen 443 ssl quic;\n }\n}\n",
                "the \"quic\" parameter of the \"listen\" directive is not supported by portico yet", 3);
    }

    @Test
    void duplicateDefaultServer() {
        assertError("http {\n server { listen 127.0.0.1:8081 default_server; }\n"
                        + " server { listen 127.0.0.1:8081 default_server; }\n}\n",
                "a duplicate default server for 127.0.0.1:8081", 3);
    }

    @Test
    void unknownVariableNamesWhereItWasUsed() {
        assertError("http {\n server {\n  error_page 404 /$nosuchvar;\n }\n}\n", "unknown \"nosuchvar\" variable", 3);
    }

    @Test
    void errorPageCodeRange() {
        assertError("http {\n error_page 200 /x;\n}\n", "value \"200\" must be between 300 and 599", 2);
    }

    @Test
    void editDistance() {
        assertThat(ConfigLoader.editDistance("server_nam", "server_name")).isEqualTo(1);
        assertThat(ConfigLoader.editDistance("abc", "abc")).isZero();
        assertThat(ConfigLoader.editDistance("", "ab")).isEqualTo(2);
    }
}
