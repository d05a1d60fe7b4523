package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A configuration error stops the start: exit code 1, {@code portico: [emerg] MESSAGE in
 * FILE:LINE} on stderr, the same line in logs/error.log, no pid file.
 */
class ConfigErrorsTest {

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of("unknown directive, with a suggestion", """
                        daemon off;
                        events {}
                        http {
                            server {
                                server_nam localhost;
                            }
                        }
                        """, "unknown directive \"server_nam\" (did you mean \"server_name\"?)", "conf/portico.conf", 5),
                Arguments.of("unknown directive", """
                        daemon off;
                        events {}
                        frobnicate on;
                        """, "unknown directive \"frobnicate\"", "conf/portico.conf", 3),
                Arguments.of("directive not allowed here", """
                        daemon off;
                        events {}
                        http {
                            location / {
                            }
                        }
                        """, "\"location\" directive is not allowed here", "conf/portico.conf", 4),
                Arguments.of("invalid number of arguments", """
                        daemon off;
                        events {}
                        http {
                            keepalive_timeout;
                        }
                        """, "invalid number of arguments in \"keepalive_timeout\" directive", "conf/portico.conf", 4),
                Arguments.of("duplicate directive", """
                        daemon off;
                        events {}
                        http {
                            client_max_body_size 1m;
                            client_max_body_size 2m;
                        }
                        """, "\"client_max_body_size\" directive is duplicate", "conf/portico.conf", 5),
                Arguments.of("invalid value", """
                        daemon off;
                        events {}
                        http {
                            sendfile maybe;
                        }
                        """, "invalid value \"maybe\" in \"sendfile\" directive, it must be \"on\" or \"off\"",
                        "conf/portico.conf", 4),
                Arguments.of("unexpected }", """
                        daemon off;
                        events {}
                        http {
                        }
                        }
                        """, "unexpected \"}\"", "conf/portico.conf", 5),
                Arguments.of("unexpected end of file", """
                        daemon off;
                        events {}
                        http {
                            server {
                            }
                        """, "unexpected end of file, expecting \"}\"", "conf/portico.conf", 6),
                Arguments.of("missing include", """
                        daemon off;
                        events {}
                        http {
                            include missing.conf;
                        }
                        """, "open() \"%%PREFIX%%/conf/missing.conf\" failed (2: No such file or directory)",
                        "conf/portico.conf", 4),
                Arguments.of("error inside an included file", """
                        daemon off;
                        events {}
                        http {
                            include broken.conf;
                        }
                        """, "unknown directive \"bogus\"", "conf/broken.conf", 2),
                Arguments.of("invalid port in listen", """
                        daemon off;
                        events {}
                        http {
                            server {
                                listen 99999;
                            }
                        }
                        """, "invalid port in \"99999\" of the \"listen\" directive", "conf/portico.conf", 5),
                Arguments.of("duplicate default server", """
                        daemon off;
                        events {}
                        http {
                            server {
                                listen %%PORT%% default_server;
                            }
                            server {
                                listen %%PORT%% default_server;
                            }
                        }
                        """, "a duplicate default server for 0.0.0.0:%%PORT%%", "conf/portico.conf", 8),
                Arguments.of("listen ssl without a certificate", """
                        daemon off;
                        events {}
                        http {
                            server {
                                listen 127.0.0.1:%%PORT%% ssl;
                            }
                        }
                        """, "no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive",
                        "conf/portico.conf", 4));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void startFailsWithFileAndLine(String name, String config, String message, String file, int line) {
        try (TestPrefix prefix = TestPrefix.withConfig(config)) {
            prefix.write("conf/broken.conf", "keepalive_timeout 10s;\nbogus 1;\n");
            String expected = prefix.substitute(message) + " in " + prefix.path(file) + ":" + line;

            CommandResult r = Portico.run(prefix, "-p", prefix.dir().toString(), "-c", TestPrefix.CONF);

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.stderr()).contains("portico: [emerg] " + expected + "\n");
            assertThat(prefix.errorLog()).containsPattern(
                    "(?m)^\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d \\[emerg\\] \\d+#\\d+: "
                            + java.util.regex.Pattern.quote(expected) + "$");
            assertThat(prefix.pidFile()).doesNotExist();
            assertThat(PorticoProcess.accepts(prefix.port())).isFalse();

            CommandResult t = Portico.run(prefix, "-p", prefix.dir().toString(), "-t");
            assertThat(t.exitCode()).isEqualTo(1);
            assertThat(t.stderr()).isEqualTo("portico: [emerg] " + expected + "\n"
                    + "portico: configuration file " + prefix.path(TestPrefix.CONF) + " test failed\n");
        }
    }
}
