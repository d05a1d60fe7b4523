package dev.portico.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.config.ConfigFixture;
import dev.portico.core.Snapshot;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Location selection, starting with the example table of nginx's documentation of `location`. */
class LocationMatcherTest {

    @TempDir
    Path dir;

    private Location server(String locations) throws Exception {
        Snapshot s = ConfigFixture.load(dir, "http {\n server {\n listen 127.0.0.1:18090;\n" + locations + "\n }\n}\n");
        return s.http().sockets().get(0).serverNames(null).defaultServer().root();
    }

    private static String match(Location server, String uri) {
        return LocationMatcher.find(server, uri).location().toString();
    }

    @Test
    void nginxDocumentationExample() throws Exception {
        Location s = server("""
                location = / { }
                location / { }
                location /documents/ { }
                location ^~ /images/ { }
                location ~* \\.(gif|jpg|jpeg)$ { }
                """);
        assertThat(match(s, "/")).isEqualTo("location = /");
        assertThat(match(s, "/index.html")).isEqualTo("location /");
        assertThat(match(s, "/documents/document.html")).isEqualTo("location /documents/");
        assertThat(match(s, "/images/1.gif")).isEqualTo("location ^~ /images/");
        assertThat(match(s, "/documents/1.jpg")).isEqualTo("location ~* \\.(gif|jpg|jpeg)$");
    }

    @Test
    void regexLocationsAreTriedInFileOrder() throws Exception {
        Location s = server("""
                location ~ /a { }
                location ~ /ab { }
                """);
        assertThat(match(s, "/abc")).isEqualTo("location ~ /a");
    }

    @Test
    void longestPrefixWinsRegardlessOfOrder() throws Exception {
        Location s = server("""
                location /a { }
                location /a/b/ { }
                location /a/b { }
                """);
        assertThat(match(s, "/a/b/c")).isEqualTo("location /a/b/");
        assertThat(match(s, "/a/bc")).isEqualTo("location /a/b");
        assertThat(match(s, "/a")).isEqualTo("location /a");
        assertThat(match(s, "/x")).isEqualTo("server");
    }

    @Test
    void caseSensitiveAndCaselessRegex() throws Exception {
        Location s = server("""
                location ~ \\.PNG$ { }
                location ~* \\.png$ { }
                """);
        assertThat(match(s, "/a.PNG")).isEqualTo("location ~ \\.PNG$");
        assertThat(match(s, "/a.Png")).isEqualTo("location ~* \\.png$");
    }

    @Test
    void nestedLocationsAreSearchedInsideTheirPrefix() throws Exception {
        Location s = server("""
                location /static/ {
                    location ~ \\.css$ { }
                    location /static/img/ { }
                }
                location ~ \\.js$ { }
                """);
        assertThat(match(s, "/static/a.css")).isEqualTo("location ~ \\.css$");
        assertThat(match(s, "/static/img/x.png")).isEqualTo("location /static/img/");
        assertThat(match(s, "/static/x.js")).isEqualTo("location ~ \\.js$");
        assertThat(match(s, "/static/x.txt")).isEqualTo("location /static/");
    }

    @Test
    void exactMatchOfAPrefixLocationStillChecksRegexes() throws Exception {
        Location s = server("""
                location /a.jpg { }
                location ~ jpg$ { }
                """);
        assertThat(match(s, "/a.jpg")).isEqualTo("location ~ jpg$");
    }

    @Test
    void namedLocationsAreNotMatchedByUri() throws Exception {
        Location s = server("""
                location @fallback { }
                """);
        assertThat(match(s, "/@fallback")).isEqualTo("server");
        assertThat(LocationMatcher.named(s, "@fallback")).isNotNull();
    }

    @Test
    void regexCapturesAreKept() throws Exception {
        Location s = server("""
                location ~ ^/user/(\\d+)/(?<section>\\w+)$ { }
                """);
        LocationMatcher.Result r = LocationMatcher.find(s, "/user/42/posts");
        assertThat(r.captures().group(1)).isEqualTo("42");
        assertThat(r.captures().group("section")).isEqualTo("posts");
    }
}
