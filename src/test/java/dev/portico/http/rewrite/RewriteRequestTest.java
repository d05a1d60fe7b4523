package dev.portico.http.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** return, set, if, rewrite and break against a real server. */
class RewriteRequestTest {

    @TempDir
    Path dir;

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private TestServer start(String http) throws Exception {
        server = TestServer.start(dir, http);
        return server;
    }

    @Test
    void returnTextWithVariablesAndContentType() throws Exception {
        start("""
                default_type text/plain;
                types { application/json json; }
                server {
                    listen 127.0.0.1:PORT;
                    location /text { return 200 "uri=$uri args=$args"; }
                    location /data.json { return 201 '{"ok":true}'; }
                    location /gone { return 410; }
                    location /teapot { return 418 "short and stout"; }
                    location /empty { return 204; }
                    location /close { return 444; }
                }
                """);
        TestServer.Response r = server.get("/text?a=1");
        assertEquals(200, r.status());
        assertEquals("uri=/text args=a=1", r.body());
        assertEquals("text/plain", r.header("Content-Type"));
        assertEquals("18", r.header("Content-Length"));

        r = server.get("/data.json");
        assertEquals(201, r.status());
        assertEquals("application/json", r.header("Content-Type"));
        assertEquals("{\"ok\":true}", r.body());

        r = server.get("/gone");
        assertEquals(410, r.status());
        assertTrue(r.body().contains("<title>410 Gone</title>"), r.body());

        r = server.get("/teapot");
        assertEquals(418, r.status());
        assertEquals("short and stout", r.body());

        r = server.get("/empty");
        assertEquals(204, r.status());
        assertNull(r.header("Content-Type"));
        assertEquals("", r.body());

        r = server.get("/close");
        assertEquals(-1, r.status());
    }

    @Test
    void returnRedirects() throws Exception {
        start("""
                server {
                    listen 127.0.0.1:PORT;
                    server_name main.test;
                    location /https { return 301 https://$host$request_uri; }
                    location /bare { return http://example.com/bare; }
                    location /rel { return 302 /target?x=1; }
                    location /see { return 303 /other; }
                    location /keep { return 307 /keep2; }
                    location /norel { absolute_redirect off; return 308 /perm; }
                    location /named { server_name_in_redirect on; return 302 /n; }
                    location /noport { port_in_redirect off; return 302 /p; }
                }
                """);
        TestServer.Response r = server.get("/https/a?b=c", "Example.COM:8080");
        assertEquals(301, r.status());
        assertEquals("https://example.com/https/a?b=c", r.header("Location"));
        assertTrue(r.body().contains("301 Moved Permanently"), r.body());

        r = server.get("/bare");
        assertEquals(302, r.status());
        assertEquals("http://example.com/bare", r.header("Location"));

        int port = server.port();
        r = server.get("/rel", "client.test");
        assertEquals(302, r.status());
        assertEquals("http://client.test:" + port + "/target?x=1", r.header("Location"));

        assertEquals(303, server.get("/see").status());
        assertEquals("http://localhost:" + port + "/other", server.get("/see").header("Location"));
        assertEquals(307, server.get("/keep").status());

        r = server.get("/norel");
        assertEquals(308, r.status());
        assertEquals("/perm", r.header("Location"));

        r = server.get("/named", "client.test");
        assertEquals("http://main.test:" + port + "/n", r.header("Location"));

        r = server.get("/noport", "client.test");
        assertEquals("http://client.test/p", r.header("Location"));
    }

    @Test
    void errorPageAppliesToReturnWithoutText() throws Exception {
        start("""
                server {
                    listen 127.0.0.1:PORT;
                    error_page 404 /custom404;
                    location /missing { return 404; }
                    location = /custom404 { return 200 "custom page for $request_uri"; }
                }
                """);
        TestServer.Response r = server.get("/missing");
        assertEquals(404, r.status());
        assertEquals("custom page for /missing", r.body());
    }

    @Test
    void setAndUninitializedVariables() throws Exception {
        start("""
                server {
                    listen 127.0.0.1:PORT;
                    set $who "server";
                    location /a {
                        set $greeting "hello";
                        set $both "$greeting, $who";
                        return 200 "$both|$unset|";
                    }
                    location /b {
                        set $unset "b";
                        return 200 "$who";
                    }
                    location /args {
                        set $args "x=1&y=2";
                        return 200 "$arg_y $is_args$args";
                    }
                }
                """);
        TestServer.Response r = server.get("/a");
        assertEquals(200, r.status());
        // the server level's script ran first, then the location's
        assertEquals("hello, server||", r.body());
        assertTrue(server.awaitLog("using uninitialized \"unset\" variable").contains(
                "[warn]"), "warning logged");

        assertEquals("server", server.get("/b").body());
        assertEquals("2 ?x=1&y=2", server.get("/args?old=1").body());
    }

    @Test
    void ifOperators() throws Exception {
        Path file = Files.writeString(dir.resolve("exists.txt"), "x");
        Path sub = Files.createDirectory(dir.resolve("sub"));
        start("""
                server {
                    listen 127.0.0.1:PORT;
                    location /truth {
                        if ($arg_v) { return 200 "true"; }
                        return 200 "false";
                    }
                    location /eq {
                        if ($arg_v = "yes") { return 200 "equal"; }
                        if ($arg_v != "yes") { return 200 "not equal"; }
                    }
                    location /re {
                        if ($arg_v ~ ^id-(\\d+)$) { return 200 "id $1"; }
                        if ($arg_v ~* ^NAME-(?<who>\\w+)$) { return 200 "name $who"; }
                        if ($arg_v !~ ^x) { return 200 "no x"; }
                        if ($arg_v !~* ^XY) { return 200 "x but not xy"; }
                        return 200 "xy";
                    }
                    location /file {
                        if (-f FILE) { set $r "f"; }
                        if (!-f SUB) { set $r "${r}!f"; }
                        if (-d SUB) { set $r "${r}d"; }
                        if (!-d FILE) { set $r "${r}!d"; }
                        if (-e SUB) { set $r "${r}e"; }
                        if (!-e NOPE) { set $r "${r}!e"; }
                        if (!-x FILE) { set $r "${r}!x"; }
                        if (-x SUB) { set $r "${r}x"; }
                        if (-f $arg_path) { set $r "${r}+"; }
                        return 200 $r;
                    }
                }
                """.replace("FILE", file.toString()).replace("SUB", sub.toString())
                .replace("NOPE", dir.resolve("nope").toString()));
        assertEquals("true", server.get("/truth?v=1").body());
        assertEquals("false", server.get("/truth?v=0").body());
        assertEquals("false", server.get("/truth").body());
        assertEquals("equal", server.get("/eq?v=yes").body());
        assertEquals("not equal", server.get("/eq?v=no").body());
        assertEquals("id 42", server.get("/re?v=id-42").body());
        assertEquals("name Bob", server.get("/re?v=name-Bob").body());
        assertEquals("no x", server.get("/re?v=abc").body());
        assertEquals("x but not xy", server.get("/re?v=xa").body());
        assertEquals("xy", server.get("/re?v=xY").body());
        assertEquals("f!fd!de!e!xx", server.get("/file").body());
        assertEquals("f!fd!de!e!xx+", server.get("/file?path=" + file).body());
    }

    @Test
    void ifBlockConfigurationIsPutInForce() throws Exception {
        start("""
                server {
                    listen 127.0.0.1:PORT;
                    location /x {
                        if ($arg_custom) { error_page 404 /custom; set $kind "custom"; }
                        set $after "ran";
                        return 404;
                    }
                    location = /custom { return 200 "custom page"; }
                }
                """);
        TestServer.Response r = server.get("/x");
        assertEquals(404, r.status());
        assertTrue(r.body().contains("<title>404 Not Found</title>"), r.body());
        r = server.get("/x?custom=1");
        // the if block's error_page is in force for the rest of the request
        assertEquals(404, r.status());
        assertEquals("custom page", r.body());
    }

    @Test
    void scriptGoesOnAfterATrueIfBlock() throws Exception {
        start("""
                server {
                    listen 127.0.0.1:PORT;
                    location /x {
                        if ($arg_a) { set $kind "a"; }
                        if ($arg_b) { set $kind "${kind}b"; }
                        set $after "ran";
                        return 200 "$kind $after";
                    }
                }
                """);
        assertEquals(" ran", server.get("/x").body());
        assertEquals("ab ran", server.get("/x?a=1&b=1").body());
        assertEquals("b ran", server.get("/x?b=1").body());
    }

    @Test
    void serverLevelIfAndRewrite() throws Exception {
        start("""
                server {
                    listen 127.0.0.1:PORT;
                    if ($http_x_block) { return 403; }
                    rewrite ^/legacy/(.*)$ /modern/$1;
                    location /modern/ { return 200 "modern $uri"; }
                    location / { return 200 "root $uri"; }
                }
                """);
        assertEquals(403, server.request("GET /a HTTP/1.1\r\nHost: x\r\nX-Block: 1\r\nConnection: close\r\n\r\n")
                .status());
        assertEquals("modern /modern/page", server.get("/legacy/page").body());
        assertEquals("root /other", server.get("/other").body());
    }

    @Test
    void rewriteFlags() throws Exception {
        start("""
                server {
                    listen 127.0.0.1:PORT;
                    rewrite_log on;
                    location /last/ {
                        rewrite ^/last/(\\w+)/(\\w+)$ /dest/$2/$1 last;
                        return 200 "not reached";
                    }
                    location /brk/ {
                        rewrite ^/brk/(.*)$ /elsewhere/$1 break;
                        return 200 "not reached";
                    }
                    location /plain/ {
                        rewrite ^/plain/(.*)$ /dest/$1;
                        set $x "continued";
                    }
                    location /dest/ {
                        return 200 "dest $uri args=$args x=$x";
                    }
                    location /elsewhere/ { return 200 "wrong"; }
                    location /tmp { rewrite ^/tmp(.*)$ /r$1 redirect; }
                    location /perm { rewrite ^/perm(.*)$ /p$1 permanent; }
                    location /abs { rewrite ^ http://other.test$uri; }
                    location /dropargs { rewrite ^ /dest/d? last; }
                    location /newargs { rewrite ^ /dest/n?a=1 last; }
                    location /redirargs { rewrite ^ /r?a=1 permanent; }
                    location /bare {
                        rewrite ^ /x;
                        break;
                        return 200 "not reached";
                    }
                }
                """);
        assertEquals("dest /dest/b/a args= x=", server.get("/last/a/b").body());
        // break: the script ends (the return is not reached) and the location stays, though the URI changed
        assertEquals(404, server.get("/brk/q").status());
        assertEquals("dest /dest/p args=k=v x=continued", server.get("/plain/p?k=v").body());

        int port = server.port();
        TestServer.Response r = server.get("/tmp/a?q=1");
        assertEquals(302, r.status());
        assertEquals("http://localhost:" + port + "/r/a?q=1", r.header("Location"));
        r = server.get("/perm/b");
        assertEquals(301, r.status());
        assertEquals("http://localhost:" + port + "/p/b", r.header("Location"));
        r = server.get("/abs");
        assertEquals(302, r.status());
        assertEquals("http://other.test/abs", r.header("Location"));

        assertEquals("dest /dest/d args= x=", server.get("/dropargs?old=1").body());
        assertEquals("dest /dest/n args=a=1&old=1 x=", server.get("/newargs?old=1").body());
        r = server.get("/redirargs?old=1");
        assertEquals("http://localhost:" + port + "/r?a=1&old=1", r.header("Location"));

        // break after a rewrite: no location search, no content handler here
        assertEquals(404, server.get("/bare").status());

        String log = server.awaitLog("rewritten data: \"/elsewhere/q\", args: \"\"");
        assertTrue(log.contains("rewritten data: \"/dest/b/a\", args: \"\""), log);
        assertTrue(log.contains("[notice]"), log);
        assertTrue(log.contains("\"^/last/(\\w+)/(\\w+)$\" matches \"/last/a/b\""), log);
    }

    @Test
    void capturesAreEscapedInRedirectsOfQuotedUris() throws Exception {
        start("""
                server {
                    listen 127.0.0.1:PORT;
                    location /q/ { rewrite ^/q/(.*)$ /to/$1 redirect; }
                }
                """);
        TestServer.Response r = server.get("/q/a%20b");
        assertEquals(302, r.status());
        assertEquals("http://localhost:" + server.port() + "/to/a%20b", r.header("Location"));
    }

    @Test
    void rewriteCycleEndsWith500() throws Exception {
        start("""
                server {
                    listen 127.0.0.1:PORT;
                    location /loop { rewrite ^ /loop last; }
                    location /ping { rewrite ^/ping(.*) /pong$1 last; }
                    location /pong { rewrite ^/pong(.*) /ping$1 last; }
                }
                """);
        assertEquals(500, server.get("/loop").status());
        assertEquals(500, server.get("/ping").status());
        assertTrue(server.awaitLog("rewrite or internal redirection cycle while processing \"/loop\"")
                .contains("rewrite or internal redirection cycle while processing \"/loop\""));
    }

    @Test
    void internalLocationsAreReachableAfterRewrite() throws Exception {
        start("""
                server {
                    listen 127.0.0.1:PORT;
                    location /public { rewrite ^ /private last; }
                    location /private { internal; return 200 "private"; }
                }
                """);
        assertEquals(404, server.get("/private").status());
        assertEquals("private", server.get("/public").body());
    }

    @Test
    void nestedLocationsDoNotRunTheParentScript() throws Exception {
        start("""
                server {
                    listen 127.0.0.1:PORT;
                    location /outer {
                        set $mark "outer";
                        location /outer/inner { return 200 "inner [$mark]"; }
                        return 200 "outer [$mark]";
                    }
                }
                """);
        assertEquals("outer [outer]", server.get("/outer").body());
        assertEquals("inner []", server.get("/outer/inner").body());
    }
}
