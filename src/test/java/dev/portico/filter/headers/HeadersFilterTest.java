package dev.portico.filter.headers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.files.HttpDates;
import dev.portico.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeadersFilterTest {

    @TempDir
    Path dir;

    private static final String CONF = """
            events {}
            http {
                access_log off;
                add_header X-Http http;
                server {
                    listen 127.0.0.1:@PORT@;
                    add_header X-Server server;
                    add_header X-Always always-value always;
                    add_header X-Uri $uri;

                    location /inherit/ {
                    }
                    location /own/ {
                        add_header X-Own own;
                        add_header Set-Cookie a=1;
                        add_header Set-Cookie b=2;
                        add_header X-Empty "";
                    }
                    location /etag/ {
                        add_header ETag '"new"';
                        add_header Cache-Control private;
                        add_header Cache-Control no-transform;
                    }
                    location /noetag/ {
                        add_header ETag "";
                    }
                    location /exp/ {
                        expires 1h;
                    }
                    location /epoch/ {
                        expires epoch;
                    }
                    location /max/ {
                        expires max;
                    }
                    location /negative/ {
                        expires -1;
                    }
                    location /modified/ {
                        expires modified 1d;
                    }
                    location /variable/ {
                        expires $arg_e;
                    }
                    location /redirect/ {
                        error_page 404 =301 http://example.com/moved;
                    }
                }
            }
            """;

    @Test
    void aLevelWithItsOwnAddHeaderDoesNotInherit() throws Exception {
        try (TestServer s = TestServer.start(dir, CONF)) {
            HttpResponse<String> inherited = s.get("/inherit/ok");
            assertThat(inherited.statusCode()).isEqualTo(200);
            assertThat(inherited.headers().firstValue("X-Server")).hasValue("server");
            assertThat(inherited.headers().firstValue("X-Uri")).hasValue("/inherit/ok");
            assertThat(inherited.headers().firstValue("X-Http")).isEmpty();

            HttpResponse<String> own = s.get("/own/ok");
            assertThat(own.headers().firstValue("X-Own")).hasValue("own");
            assertThat(own.headers().firstValue("X-Server")).isEmpty();
            assertThat(own.headers().firstValue("X-Always")).isEmpty();
            assertThat(own.headers().allValues("Set-Cookie")).containsExactly("a=1", "b=2");
            assertThat(own.headers().map()).doesNotContainKey("x-empty");
        }
    }

    @Test
    void onlySafeStatusesUnlessAlways() throws Exception {
        try (TestServer s = TestServer.start(dir, CONF)) {
            HttpResponse<String> missing = s.get("/inherit/missing");
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(missing.headers().firstValue("X-Always")).hasValue("always-value");
            assertThat(missing.headers().firstValue("X-Server")).isEmpty();

            HttpResponse<String> redirect = s.get("/redirect/x");
            assertThat(redirect.statusCode()).isEqualTo(301);
            assertThat(redirect.headers().firstValue("X-Server")).hasValue("server");
            assertThat(redirect.headers().firstValue("Location")).hasValue("http://example.com/moved");
        }
    }

    @Test
    void etagAndLastModifiedReplaceCacheControlAdds() throws Exception {
        try (TestServer s = TestServer.start(dir, CONF)) {
            HttpResponse<String> etag = s.get("/etag/ok");
            assertThat(etag.headers().allValues("ETag")).containsExactly("\"new\"");
            assertThat(etag.headers().allValues("Cache-Control")).containsExactly("private", "no-transform");

            HttpResponse<String> none = s.get("/noetag/ok");
            assertThat(none.headers().allValues("ETag")).isEmpty();

            assertThat(s.get("/inherit/ok").headers().allValues("ETag")).containsExactly("\"orig\"");
        }
    }

    @Test
    void expiresHeaders() throws Exception {
        try (TestServer s = TestServer.start(dir, CONF)) {
            long before = System.currentTimeMillis() / 1000;
            HttpResponse<String> r = s.get("/exp/ok");
            long after = System.currentTimeMillis() / 1000;
            assertThat(r.headers().allValues("Cache-Control")).containsExactly("max-age=3600");
            long expires = HttpDates.parse(r.headers().firstValue("Expires").orElseThrow());
            assertThat(expires).isBetween(before + 3600, after + 3600);

            HttpResponse<String> epoch = s.get("/epoch/ok");
            assertThat(epoch.headers().firstValue("Expires")).hasValue("Thu, 01 Jan 1970 00:00:01 GMT");
            assertThat(epoch.headers().firstValue("Cache-Control")).hasValue("no-cache");

            HttpResponse<String> max = s.get("/max/ok");
            assertThat(max.headers().firstValue("Expires")).hasValue("Thu, 31 Dec 2037 23:55:55 GMT");
            assertThat(max.headers().firstValue("Cache-Control")).hasValue("max-age=315360000");

            assertThat(s.get("/negative/ok").headers().firstValue("Cache-Control")).hasValue("no-cache");

            long lm = 1_600_000_000L;
            HttpResponse<String> modified = s.get("/modified/ok?lm=" + lm);
            assertThat(modified.headers().firstValue("Expires")).hasValue(HttpDates.formatSeconds(lm + 86400));
            assertThat(modified.headers().firstValue("Cache-Control")).hasValue("no-cache");

            HttpResponse<String> variable = s.get("/variable/ok?e=2m");
            assertThat(variable.headers().firstValue("Cache-Control")).hasValue("max-age=120");
            assertThat(s.get("/variable/ok?e=bogus").headers().firstValue("Cache-Control")).isEmpty();

            HttpResponse<String> notFound = s.get("/exp/missing");
            assertThat(notFound.statusCode()).isEqualTo(404);
            assertThat(notFound.headers().firstValue("Expires")).isEmpty();
            assertThat(notFound.headers().firstValue("Cache-Control")).isEmpty();
        }
    }
}
