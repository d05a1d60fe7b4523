package dev.portico.proxy.uwsgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfigException;
import dev.portico.core.Snapshot;
import dev.portico.http.rewrite.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The uwsgi directives' parsing and nginx's messages (ngx_http_uwsgi_module.c), with file:line. */
class UwsgiConfigTest {

    @TempDir
    Path dir;

    private String fails(String http) {
        return assertThrows(ConfigException.class, () -> TestServer.load(dir, http)).getMessage();
    }

    /** The http block's text starts on line 3 of the file. */
    private String at(int httpLine) {
        return " in " + dir.resolve("portico.conf") + ":" + (httpLine + 3);
    }

    private List<ConfigBuild.Warning> warnings(String http) throws Exception {
        Snapshot s = TestServer.load(dir, http);
        return s.build().warnings();
    }

    @Test
    void everyDirectiveLoads() throws Exception {
        Files.copy(Path.of("conf/uwsgi_params"), dir.resolve("uwsgi_params"));
        assertNotNull(TestServer.load(dir, """
                upstream flask_app { server unix:/run/app.sock fail_timeout=0; }
                uwsgi_cache_path cache levels=1:2 keys_zone=flask_cache:10m max_size=1g inactive=60m use_temp_path=off;
                uwsgi_buffering off;
                uwsgi_buffer_size 8k;
                uwsgi_buffers 16 8k;
                uwsgi_busy_buffers_size 16k;
                uwsgi_request_buffering off;
                uwsgi_temp_path tmp/uwsgi 1 2;
                uwsgi_max_temp_file_size 0;
                uwsgi_next_upstream error timeout http_503 non_idempotent;
                uwsgi_next_upstream_tries 3;
                uwsgi_next_upstream_timeout 10s;
                uwsgi_socket_keepalive on;
                uwsgi_modifier1 30;
                uwsgi_modifier2 0;
                server {
                    listen 127.0.0.1:8080;
                    location / {
                        include uwsgi_params;
                        uwsgi_pass flask_app;
                        uwsgi_connect_timeout 30;
                        uwsgi_read_timeout 60;
                        uwsgi_send_timeout 60;
                        uwsgi_param Host $host;
                        uwsgi_param HTTPS $https if_not_empty;
                        uwsgi_intercept_errors on;
                        uwsgi_hide_header X-Powered-By;
                        uwsgi_pass_header X-Accel-Redirect;
                        uwsgi_ignore_headers X-Accel-Expires Set-Cookie;
                        uwsgi_pass_request_headers on;
                        uwsgi_pass_request_body on;
                        uwsgi_cache flask_cache;
                        uwsgi_cache_key $scheme$request_method$host$request_uri;
                        uwsgi_cache_valid 200 10m;
                        uwsgi_cache_valid 404 any 1m;
                        uwsgi_cache_use_stale error timeout updating http_500 http_503;
                        uwsgi_cache_bypass $http_authorization $cookie_nocache;
                        uwsgi_no_cache $http_authorization;
                        uwsgi_cache_methods GET HEAD;
                        uwsgi_cache_min_uses 2;
                        uwsgi_cache_lock on;
                        uwsgi_cache_lock_timeout 5s;
                        uwsgi_cache_lock_age 5s;
                        uwsgi_cache_revalidate on;
                        uwsgi_cache_background_update on;
                        uwsgi_cache_max_range_offset 10m;
                    }
                    location /tcp { uwsgi_pass 127.0.0.1:3031; }
                    location /scheme { uwsgi_pass uwsgi://127.0.0.1:3031; }
                    location /unix { uwsgi_pass unix:/run/app.sock; }
                    location /v6 { uwsgi_pass [::1]:3031; }
                    location /var { uwsgi_pass $arg_to; }
                    location ~ \\.py$ { uwsgi_pass uwsgi://flask_app; }
                }
                """));
    }

    @Test
    void badAddressesInNginxsWords() {
        assertEquals("invalid port in upstream \"127.0.0.1:99999\"" + at(1),
                fails("server {\nlocation / { uwsgi_pass 127.0.0.1:99999; }\n}"));
        assertEquals("invalid host in upstream \"127.0.0.1:3031/app\"" + at(1),
                fails("server {\nlocation / { uwsgi_pass uwsgi://127.0.0.1:3031/app; }\n}"));
        assertEquals("no path in the unix domain socket in upstream \"unix:\"" + at(1),
                fails("server {\nlocation / { uwsgi_pass unix:; }\n}"));
        assertEquals("no host in upstream \":3031\"" + at(1),
                fails("server {\nlocation / { uwsgi_pass :3031; }\n}"));
        // uwsgi has no default port: a name that is no upstream block needs one.
        assertEquals("no port in upstream \"localhost\"" + at(1),
                fails("server {\nlocation / { uwsgi_pass localhost; }\n}"));
        assertEquals("host not found in upstream \"nosuchhost.invalid:3031\"" + at(1),
                fails("server {\nlocation / { uwsgi_pass nosuchhost.invalid:3031; }\n}"));
    }

    @Test
    void anUpstreamBlockTakesNoPort() {
        assertEquals("upstream \"app\" may not have port 3031 in " + dir.resolve("portico.conf") + ":3" + at(2),
                fails("upstream app { server 127.0.0.1:1; }\nserver {\nlocation / { uwsgi_pass app:3031; }\n}"));
    }

    @Test
    void directiveErrors() {
        assertEquals("\"uwsgi_pass\" directive is duplicate" + at(2),
                fails("server { location / {\nuwsgi_pass 127.0.0.1:1;\nuwsgi_pass 127.0.0.1:2;\n} }"));
        assertEquals("\"uwsgi_pass\" directive is not allowed here" + at(0), fails("uwsgi_pass 127.0.0.1:1;"));
        assertEquals("value must be between 0 and 255" + at(0), fails("uwsgi_modifier1 256;"));
        assertEquals("\"uwsgi_modifier2\" directive invalid number" + at(0), fails("uwsgi_modifier2 x;"));
        assertEquals("\"uwsgi_modifier1\" directive is duplicate" + at(1), fails("uwsgi_modifier1 1;\nuwsgi_modifier1 2;"));
        assertEquals("invalid parameter \"if_empty\"" + at(0), fails("uwsgi_param A $a if_empty;"));
        assertEquals("invalid number of arguments in \"uwsgi_param\" directive" + at(0), fails("uwsgi_param A;"));
        // uwsgi's next_upstream has no http_502 nor http_504 (ngx_http_uwsgi_next_upstream_masks).
        assertEquals("invalid value \"http_502\"" + at(0), fails("uwsgi_next_upstream error http_502;"));
        assertEquals("\"uwsgi_next_upstream_tries\" directive invalid number" + at(0),
                fails("uwsgi_next_upstream_tries -1;"));
        assertEquals("\"uwsgi_buffers\" directive invalid value" + at(0), fails("uwsgi_buffers 0 4k;"));
        assertEquals("invalid value \"2.0\" in \"uwsgi_http_version\" directive" + at(0),
                fails("uwsgi_http_version 2.0;"));
    }

    @Test
    void bufferSizesMustFitTogetherNamingTheUwsgiDirectives() {
        assertEquals("\"uwsgi_busy_buffers_size\" must be less than the size of all \"uwsgi_buffers\" minus one"
                + " buffer" + at(0), fails("uwsgi_buffer_size 128k;\nserver { listen 127.0.0.1:8080; }"));
        assertEquals("\"uwsgi_busy_buffers_size\" must be equal to or greater than the maximum of the value of"
                + " \"uwsgi_buffer_size\" and one of the \"uwsgi_buffers\"" + at(1),
                fails("uwsgi_buffers 8 8k;\nuwsgi_busy_buffers_size 4k;\nserver { listen 127.0.0.1:8080; }"));
        assertEquals("there must be at least 2 \"uwsgi_buffers\"" + at(0),
                fails("uwsgi_buffers 1 8k;\nserver { listen 127.0.0.1:8080; }"));
        assertEquals("\"uwsgi_max_temp_file_size\" must be equal to zero to disable temporary files usage or must be"
                + " equal to or greater than the maximum of the value of \"uwsgi_buffer_size\" and one of the"
                + " \"uwsgi_buffers\"" + at(0),
                fails("uwsgi_buffers 8 16k;\nuwsgi_max_temp_file_size 8k;\nserver { listen 127.0.0.1:8080; }"));
    }

    @Test
    void uwsgiTempPathIsTheUwsgiModules() {
        assertEquals("\"uwsgi_temp_path\" directive is duplicate" + at(1),
                fails("uwsgi_temp_path a;\nuwsgi_temp_path b;"));
    }

    @Test
    void cacheDirectivesAreCheckedAsNginxDoes() throws Exception {
        assertEquals("\"uwsgi_cache_path\" must have \"keys_zone\" parameter" + at(0), fails("uwsgi_cache_path c levels=1:2;"));
        assertEquals("invalid number of arguments in \"uwsgi_cache_path\" directive" + at(0), fails("uwsgi_cache_path c;"));
        assertEquals("keys zone \"keys_zone=z:1k\" is too small" + at(0), fails("uwsgi_cache_path c keys_zone=z:1k;"));
        assertEquals("invalid keys zone size \"keys_zone=z\"" + at(0), fails("uwsgi_cache_path c keys_zone=z;"));
        assertEquals("invalid \"levels\" \"levels=1:3\"" + at(0), fails("uwsgi_cache_path c levels=1:3 keys_zone=z:1m;"));
        assertEquals("invalid parameter \"purger=on\"" + at(0), fails("uwsgi_cache_path c keys_zone=z:1m purger=on;"));
        assertEquals("duplicate zone \"z\"" + at(1), fails("uwsgi_cache_path c keys_zone=z:1m;\n"
                + "uwsgi_cache_path d keys_zone=z:1m;"));
        assertEquals("\"uwsgi_cache_path\" directive is not allowed here" + at(0),
                fails("server { uwsgi_cache_path c keys_zone=z:1m; }"));
        assertEquals("\"uwsgi_cache\" zone \"nowhere\" is unknown" + at(1),
                fails("server { listen 127.0.0.1:8080;\nuwsgi_cache nowhere; }"));
        assertEquals("\"uwsgi_cache\" directive is duplicate" + at(2),
                fails("uwsgi_cache_path c keys_zone=z:1m;\nuwsgi_cache z;\nuwsgi_cache off;"));
        assertEquals("invalid status \"99\"" + at(0), fails("uwsgi_cache_valid 99 1m;"));
        assertEquals("invalid time value \"forever\"" + at(0), fails("uwsgi_cache_valid 200 forever;"));
        assertEquals("invalid value \"PUT\"" + at(0), fails("uwsgi_cache_methods GET PUT;"));
        // Read, checked, and reported as having no effect.
        List<ConfigBuild.Warning> w = warnings("uwsgi_cache_path c keys_zone=z:1m;\nserver { uwsgi_cache z; }");
        assertEquals(1, w.size(), w.toString());
        assertEquals("\"uwsgi_cache\" has no effect yet: portico does not cache responses" + at(1),
                w.get(0).toString());
    }

    @Test
    void uwsgiHttpVersionIsIgnoredWithAWarning() throws Exception {
        List<ConfigBuild.Warning> w = warnings("server {\nlocation / { uwsgi_pass 127.0.0.1:1; uwsgi_http_version 1.1; }\n}");
        assertEquals(List.of("\"uwsgi_http_version\" is not an nginx directive and is ignored: the uwsgi protocol has"
                + " no keep-alive, every request to a uwsgi upstream uses a connection of its own" + at(1)),
                w.stream().map(Object::toString).toList());
    }
}
