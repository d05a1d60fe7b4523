package dev.portico.http.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.portico.config.ConfigException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rewrite directives' parsing and nginx's error messages, with file:line. */
class RewriteConfigTest {

    @TempDir
    Path dir;

    /** The http block opens on line 2 of the file, so its text starts on line 3. */
    private String fails(String http) {
        ConfigException e = assertThrows(ConfigException.class, () -> TestServer.load(dir, http));
        return e.getMessage();
    }

    private String at(int httpLine) {
        return " in " + dir.resolve("portico.conf") + ":" + (httpLine + 3);
    }

    @Test
    void validConfigurationLoads() throws Exception {
        assertNotNull(TestServer.load(dir, """
                server {
                    listen 127.0.0.1:8080;
                    rewrite_log on;
                    set $a "x$host";
                    if ($a) { set $b 1; }
                    if ( $request_method = POST ) { return 405; }
                    if ($uri ~* "^/(?<name>[a-z]+)$") { return 200 $name; }
                    if (!-f /nonexistent) { break; }
                    location / {
                        uninitialized_variable_warn off;
                        rewrite ^/old/(.*)$ /new/$1 last;
                        rewrite ^ https://example.com/ permanent;
                        return 301 https://$host$request_uri;
                        if ($args = "") { return 204; }
                    }
                }
                """).http());
    }

    @Test
    void returnCodes() {
        assertEquals("invalid return code \"abc\"" + at(1),
                fails("server {\n return abc;\n}"));
        assertEquals("invalid return code \"1000\"" + at(1),
                fails("server {\n return 1000;\n}"));
        assertEquals("invalid return code \"/relative\"" + at(1),
                fails("server {\n return /relative;\n}"));
        assertEquals("invalid return code \"http://x\"" + at(1),
                fails("server {\n return http://x text;\n}"));
        assertEquals("invalid number of arguments in \"return\" directive" + at(1),
                fails("server {\n return 200 a b;\n}"));
    }

    @Test
    void rewriteErrors() {
        assertEquals("empty replacement" + at(1), fails("server {\n rewrite ^ \"\";\n}"));
        assertEquals("invalid parameter \"forever\"" + at(1), fails("server {\n rewrite ^ /x forever;\n}"));
        assertEquals("the closing bracket in \"abc\" variable is missing" + at(1),
                fails("server {\n rewrite ^ /${abc;\n}"));
        assertEquals("invalid variable name" + at(1), fails("server {\n rewrite ^ /x$;\n}"));
        String message = fails("server {\n rewrite ^(/x /y;\n}");
        assertEquals(true, message.startsWith("pcre2_compile() failed: "), message);
        assertEquals(true, message.endsWith(at(1)), message);
    }

    @Test
    void setErrors() {
        assertEquals("invalid variable name \"a\"" + at(1), fails("server {\n set a 1;\n}"));
        assertEquals("invalid variable name \"$\"" + at(1), fails("server {\n set $ 1;\n}"));
        assertEquals("the duplicate \"uri\" variable" + at(1), fails("server {\n set $uri /x;\n}"));
        assertEquals("the duplicate \"host\" variable" + at(2),
                fails("server {\n location / {\n set $host x;\n }\n}"));
        assertEquals("unknown \"nosuch\" variable" + at(1), fails("server {\n set $a $nosuch;\n}"));
    }

    @Test
    void conditionErrors() {
        assertEquals("invalid condition \"$a)\"" + at(1), fails("server {\n if $a) { }\n}"));
        assertEquals("invalid condition \"$a\"" + at(1), fails("server {\n if ($a { }\n}"));
        assertEquals("unexpected \"==\" in condition" + at(1), fails("server {\n if ($a == b) { }\n}"));
        assertEquals("invalid condition \"$a\"" + at(1), fails("server {\n if ($a = b c) { }\n}"));
        assertEquals("invalid condition \"-z\"" + at(1), fails("server {\n if (-z /tmp) { }\n}"));
        assertEquals("invalid condition \"-f\"" + at(1), fails("server {\n if (-f) { }\n}"));
        assertEquals("invalid condition \"foo\"" + at(1), fails("server {\n if (foo) { }\n}"));
    }

    @Test
    void contexts() {
        assertEquals("\"if\" directive is not allowed here" + at(2),
                fails("server {\n location / {\n if ($a) { if ($b) { } }\n }\n}"));
        assertEquals("\"return\" directive is not allowed here" + at(0), fails("return 200;"));
        assertEquals("\"break\" directive is not allowed here" + at(0), fails("break;"));
        assertEquals("\"rewrite_log\" directive is duplicate" + at(2),
                fails("server {\n rewrite_log on;\n rewrite_log off;\n}"));
        assertEquals("invalid value \"maybe\" in \"uninitialized_variable_warn\" directive, it must be \"on\" or \"off\""
                + at(0), fails("uninitialized_variable_warn maybe;"));
        assertEquals("directive \"if\" has no opening \"{\"" + at(1), fails("server {\n if ($a);\n}"));
    }
}
