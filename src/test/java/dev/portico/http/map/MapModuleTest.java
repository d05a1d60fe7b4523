package dev.portico.http.map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.portico.config.ConfigException;
import dev.portico.http.rewrite.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** map blocks: nginx's errors, and lookups against a real server. */
class MapModuleTest {

    @TempDir
    Path dir;

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private String fails(String http) {
        return assertThrows(ConfigException.class, () -> TestServer.load(dir, http)).getMessage();
    }

    /** The http block opens on line 2 of the file, so its text starts on line 3. */
    private String at(int httpLine) {
        return " in " + dir.resolve("portico.conf") + ":" + (httpLine + 3);
    }

    @Test
    void errors() {
        assertEquals("conflicting parameter \"a\"" + at(2), fails("map $uri $m {\n a 1;\n A 2;\n}"));
        assertEquals("invalid number of the map parameters" + at(1), fails("map $uri $m {\n a 1 2;\n}"));
        assertEquals("invalid number of the map parameters" + at(1), fails("map $uri $m {\n justkey;\n}"));
        assertEquals("duplicate default map parameter" + at(2), fails("map $uri $m {\n default 1;\n default 2;\n}"));
        assertEquals("the duplicate \"host\" variable" + at(0), fails("map $uri $host {\n}"));
        assertEquals("invalid variable name \"m\"" + at(0), fails("map $uri m {\n}"));
        assertEquals("invalid hostname or wildcard \"*.a.*\"" + at(1),
                fails("map $host $m {\n hostnames;\n *.a.* 1;\n}".replace("hostnames;\n *.a.*", "hostnames; *.a.*")));
        assertEquals("conflicting parameter \"*.example.com\"" + at(2),
                fails("map $host $m {\n hostnames; .example.com 1;\n *.example.com 2;\n}"));
        assertEquals("unexpected \"{\"" + at(1), fails("map $uri $m {\n a { }\n}"));
        assertEquals("\"map\" directive is not allowed here" + at(1), fails("server {\n map $uri $m { }\n}"));
        assertEquals("unknown \"nosuch\" variable" + at(1), fails("map $uri $m {\n a $nosuch;\n}"));
    }

    @Test
    void exactRegexDefaultAndVariables() throws Exception {
        Files.writeString(dir.resolve("extra.map"), "/inc included;\n");
        server = TestServer.start(dir, """
                map $uri $kind {
                    default          "other:$uri";
                    /exact           exact;
                    /CASE            lower;
                    ~^/re/(?<id>\\d+)$  "number $id";
                    ~*^/ci/(\\w+)$      "ci $1";
                    ~^/re/           "regex order";
                    include          EXTRA;
                }
                map $arg_v $empty {
                    ''    empty;
                    \\default literal-default;
                    default set;
                }
                map $uri $counted {
                    volatile;
                    default "$kind";
                }
                server {
                    listen 127.0.0.1:PORT;
                    location / { return 200 "$kind"; }
                    location /both { return 200 "$empty $counted"; }
                    location /setmap { set $kind "overridden"; return 200 "$kind"; }
                }
                """.replace("EXTRA", dir.resolve("extra.map").toString()));
        assertEquals("exact", server.get("/exact").body());
        assertEquals("lower", server.get("/case").body());
        assertEquals("literal-default other:/both", server.get("/both?v=default").body());
        assertEquals("number 42", server.get("/re/42").body());
        assertEquals("regex order", server.get("/re/x").body());
        assertEquals("ci Word", server.get("/CI/Word").body());
        assertEquals("included", server.get("/inc").body());
        assertEquals("other:/nothing", server.get("/nothing").body());
        assertEquals("empty other:/both", server.get("/both").body());
        assertEquals("set other:/both", server.get("/both?v=1").body());
        assertEquals("overridden", server.get("/setmap").body());
    }

    @Test
    void hostnames() throws Exception {
        server = TestServer.start(dir, """
                map $http_host $site {
                    hostnames;
                    default           none;
                    example.com       exact;
                    *.example.com     wild;
                    *.deep.example.com deeper;
                    .example.org      dot;
                    www.example.*     tail;
                }
                server {
                    listen 127.0.0.1:PORT;
                    location / { return 200 "$site"; }
                }
                """);
        assertEquals("exact", server.get("/", "EXAMPLE.com").body());
        assertEquals("exact", server.get("/", "example.com.").body());
        assertEquals("wild", server.get("/", "a.example.com").body());
        assertEquals("wild", server.get("/", "a.b.example.com").body());
        assertEquals("deeper", server.get("/", "x.deep.example.com").body());
        assertEquals("dot", server.get("/", "example.org").body());
        assertEquals("dot", server.get("/", "w.example.org").body());
        assertEquals("tail", server.get("/", "www.example.net").body());
        assertEquals("none", server.get("/", "www.example").body());
        assertEquals("none", server.get("/", "other.test").body());
    }

    @Test
    void websocketConnectionUpgradeRecipe() throws Exception {
        server = TestServer.start(dir, """
                map $http_upgrade $connection_upgrade {
                    default upgrade;
                    ''      close;
                }
                server {
                    listen 127.0.0.1:PORT;
                    location / { return 200 "connection=$connection_upgrade"; }
                }
                """);
        assertEquals("connection=close", server.get("/").body());
        TestServer.Response r = server.request("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                + "Connection: close\r\n\r\n");
        assertEquals(200, r.status());
        assertEquals("connection=upgrade", r.body());
    }
}
