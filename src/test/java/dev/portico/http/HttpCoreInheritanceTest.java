package dev.portico.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.config.ConfigFixture;
import dev.portico.core.Snapshot;
import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each HTTP core directive three ways: unset everywhere (nginx's default),
 * set in http and inherited by a location, set in http and overridden in the
 * location.
 */
class HttpCoreInheritanceTest {

    @TempDir
    Path dir;

    private HttpCoreConf location(String httpLevel, String locationLevel) throws Exception {
        Snapshot s = ConfigFixture.load(dir, "http {\n" + httpLevel + "\n server {\n listen 127.0.0.1:18095;\n"
                + " location /x {\n" + locationLevel + "\n }\n }\n}\n");
        Location server = s.http().sockets().get(0).serverNames(null).defaultServer().root();
        return LocationMatcher.find(server, "/x").location().conf().get(HttpCoreModule.CORE);
    }

    private <T> void check(String directive, String httpValue, String locationValue, Function<HttpCoreConf, T> get,
                           T defaultValue, T httpParsed, T locationParsed) throws Exception {
        assertThat(get.apply(location("", ""))).as(directive + " default").isEqualTo(defaultValue);
        assertThat(get.apply(location(directive + " " + httpValue + ";", "")))
                .as(directive + " inherited").isEqualTo(httpParsed);
        assertThat(get.apply(location(directive + " " + httpValue + ";", directive + " " + locationValue + ";")))
                .as(directive + " overridden").isEqualTo(locationParsed);
    }

    @Test
    void sizesAndTimes() throws Exception {
        check("client_max_body_size", "10m", "0", HttpCoreConf::clientMaxBodySize,
                1024L * 1024, 10L * 1024 * 1024, 0L);
        check("client_body_buffer_size", "8k", "32k", HttpCoreConf::clientBodyBufferSize,
                16L * 1024, 8L * 1024, 32L * 1024);
        check("client_body_timeout", "10", "5s", HttpCoreConf::clientBodyTimeout, 60_000L, 10_000L, 5_000L);
        check("send_timeout", "1m", "500ms", HttpCoreConf::sendTimeout, 60_000L, 60_000L, 500L);
        check("keepalive_timeout", "30", "0", HttpCoreConf::keepaliveTimeout, 75_000L, 30_000L, 0L);
        check("keepalive_requests", "10", "20", HttpCoreConf::keepaliveRequests, 1000, 10, 20);
        check("lingering_timeout", "1s", "2s", HttpCoreConf::lingeringTimeout, 5_000L, 1_000L, 2_000L);
        check("lingering_time", "10s", "20s", HttpCoreConf::lingeringTime, 30_000L, 10_000L, 20_000L);
        check("keepalive_time", "10m", "1h", HttpCoreConf::keepaliveTime, 3_600_000L, 600_000L, 3_600_000L);
    }

    @Test
    void flags() throws Exception {
        check("sendfile", "on", "off", HttpCoreConf::sendfile, false, true, false);
        check("tcp_nopush", "on", "off", HttpCoreConf::tcpNopush, false, true, false);
        check("tcp_nodelay", "off", "on", HttpCoreConf::tcpNodelay, true, false, true);
        check("server_tokens", "off", "on", HttpCoreConf::serverTokens, true, false, true);
        check("log_not_found", "off", "on", HttpCoreConf::logNotFound, true, false, true);
        check("recursive_error_pages", "on", "off", HttpCoreConf::recursiveErrorPages, false, true, false);
        check("absolute_redirect", "off", "on", HttpCoreConf::absoluteRedirect, true, false, true);
        check("server_name_in_redirect", "on", "off", HttpCoreConf::serverNameInRedirect, false, true, false);
        check("port_in_redirect", "off", "on", HttpCoreConf::portInRedirect, true, false, true);
        check("chunked_transfer_encoding", "off", "on", HttpCoreConf::chunkedTransferEncoding, true, false, true);
        check("lingering_close", "always", "off", HttpCoreConf::lingeringClose, "on", "always", "off");
    }

    @Test
    void keepaliveHeaderTimeoutTravelsWithTheTimeout() throws Exception {
        HttpCoreConf c = location("keepalive_timeout 65 60;", "");
        assertThat(c.keepaliveTimeout()).isEqualTo(65_000L);
        assertThat(c.keepaliveHeaderTimeout()).isEqualTo(60L);
        HttpCoreConf overridden = location("keepalive_timeout 65 60;", "keepalive_timeout 10;");
        assertThat(overridden.keepaliveHeaderTimeout()).isNull();
    }

    @Test
    void typesAndDefaultType() throws Exception {
        HttpCoreConf none = location("", "");
        assertThat(none.defaultType()).isEqualTo("text/plain");
        assertThat(none.contentTypeFor("/a.html")).isEqualTo("text/html");
        HttpCoreConf inherited = location("types { text/css css; } default_type application/octet-stream;", "");
        assertThat(inherited.contentTypeFor("/a.CSS")).isEqualTo("text/css");
        assertThat(inherited.contentTypeFor("/a.html")).isEqualTo("application/octet-stream");
        HttpCoreConf overridden = location("types { text/css css; }", "types { image/png png; }");
        assertThat(overridden.contentTypeFor("/a.css")).isEqualTo("text/plain");
        assertThat(overridden.contentTypeFor("/a.png")).isEqualTo("image/png");
    }

    @Test
    void errorPagesAreInheritedOnlyWhenTheLevelHasNone() throws Exception {
        HttpCoreConf inherited = location("error_page 404 /404.html;", "");
        assertThat(inherited.errorPages()).extracting(ErrorPage::status).containsExactly(404);
        HttpCoreConf own = location("error_page 404 /404.html;", "error_page 500 502 =200 /err;");
        assertThat(own.errorPages()).extracting(ErrorPage::status).containsExactly(500, 502);
        assertThat(own.errorPages()).extracting(ErrorPage::overwrite).containsExactly(200, 200);
        HttpCoreConf keep = location("", "error_page 404 = /x;");
        assertThat(keep.errorPages().get(0).overwrite()).isZero();
        assertThat(location("", "error_page 404 /x;").errorPages().get(0).overwrite()).isEqualTo(-1);
    }

    @Test
    void serverLevelSettings() throws Exception {
        Snapshot s = ConfigFixture.load(dir, """
                http {
                  client_header_timeout 5s;
                  large_client_header_buffers 2 1k;
                  server { listen 127.0.0.1:18096; server_name a; }
                  server { listen 127.0.0.1:18096; server_name b; client_header_timeout 7; client_header_buffer_size 2k; }
                }
                """);
        ServerNames names = s.http().sockets().get(0).serverNames(null);
        HttpServerConf a = names.select("a").server().serverConf().get(HttpCoreModule.SERVER_CONF);
        HttpServerConf b = names.select("b").server().serverConf().get(HttpCoreModule.SERVER_CONF);
        assertThat(a.clientHeaderTimeout()).isEqualTo(5_000L);
        assertThat(a.largeHeaderBuffers()).isEqualTo(2);
        assertThat(a.largeHeaderBufferSize()).isEqualTo(1024L);
        assertThat(a.clientHeaderBufferSize()).isEqualTo(1024L);
        assertThat(b.clientHeaderTimeout()).isEqualTo(7_000L);
        assertThat(b.clientHeaderBufferSize()).isEqualTo(2048L);
    }
}
