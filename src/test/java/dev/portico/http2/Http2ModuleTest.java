package dev.portico.http2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.config.ConfigException;
import dev.portico.config.ConfigFixture;
import dev.portico.core.Snapshot;
import dev.portico.http.ListenSocket;
import dev.portico.http.VirtualServer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP/2 directives as nginx 1.25's ngx_http_v2_module reads them: defaults,
 * http → server → location inheritance, nginx's limits and error words, and the
 * obsolete directives accepted with nginx's warnings.
 */
class Http2ModuleTest {

    @TempDir
    Path dir;

    private Snapshot load(String http) throws ConfigException {
        return ConfigFixture.load(dir, "events {}\nhttp {\n" + http + "\n}\n");
    }

    private String error(String http) {
        try {
            load(http);
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("loaded without an error:\n" + http);
    }

    private static VirtualServer server(Snapshot s, int socket, int index) {
        ListenSocket l = s.http().sockets().get(socket);
        return l.allServerNames().get(0).servers().get(index);
    }

    @Test
    void defaultsAreNginxs() throws ConfigException {
        Snapshot s = load("server { listen 127.0.0.1:8081; location /a { } }");
        VirtualServer v = server(s, 0, 0);
        Http2ServerConf conf = v.serverConf().get(Http2Module.SERVER);
        assertThat(conf.enabled()).isFalse();
        assertThat(conf.maxConcurrentStreams()).isEqualTo(128);
        assertThat(conf.prereadSize()).isEqualTo(65536);
        assertThat(v.root().conf().get(Http2Module.LOCATION).chunkSize()).isEqualTo(8192);
        assertThat(s.http().httpConf().get(Http2Module.MAIN).recvBufferSize()).isEqualTo(256 * 1024);
        assertThat(Http2Module.enabled(s.http().sockets().get(0))).isFalse();
    }

    @Test
    void http2OnInAServerOrTheListenFlagTurnsItOnForThatAddress() throws ConfigException {
        Snapshot s = load("""
                http2_max_concurrent_streams 10;
                http2_chunk_size 4k;
                server { listen 127.0.0.1:8081; http2 on; http2_body_preread_size 1m;
                         location /a { http2_chunk_size 16k; } }
                server { listen 127.0.0.1:8082 http2; }
                server { listen 127.0.0.1:8083; }
                """);
        VirtualServer on = server(s, 0, 0);
        assertThat(on.serverConf().get(Http2Module.SERVER).enabled()).isTrue();
        assertThat(on.serverConf().get(Http2Module.SERVER).maxConcurrentStreams()).isEqualTo(10);
        assertThat(on.serverConf().get(Http2Module.SERVER).prereadSize()).isEqualTo(1024 * 1024);
        assertThat(on.root().conf().get(Http2Module.LOCATION).chunkSize()).isEqualTo(4096);
        assertThat(dev.portico.http.LocationMatcher.find(on.root(), "/a").location().conf().get(Http2Module.LOCATION).chunkSize()).isEqualTo(16384);
        assertThat(Http2Module.enabled(s.http().sockets().get(0))).isTrue();
        assertThat(Http2Module.enabled(s.http().sockets().get(1))).isTrue();
        assertThat(s.http().sockets().get(1).http2()).isTrue();
        assertThat(Http2Module.enabled(s.http().sockets().get(2))).isFalse();
    }

    @Test
    void valuesOutsideNginxsLimitsAreRefusedInItsWords() {
        assertThat(error("http2_chunk_size 0;")).startsWith("the http2 chunk size cannot be zero in ");
        assertThat(error("http2_body_preread_size 3000m;"))
                .startsWith("the maximum body preread buffer size is 2147483647 in ");
        assertThat(error("http2_recv_buffer_size 16;"))
                .startsWith("\"http2_recv_buffer_size\" directive value is too small in ");
        assertThat(error("server { http2_recv_buffer_size 1m; }"))
                .startsWith("\"http2_recv_buffer_size\" directive is not allowed here in ");
        assertThat(error("http2_streams_index_size 12;"))
                .startsWith("\"http2_streams_index_size\" directive must be a power of two in ");
        assertThat(error("http2_pool_size 100;")).startsWith("the pool size must be no less than 112 in ");
        assertThat(error("http2_pool_size 1000;")).startsWith("the pool size must be a multiple of 16 in ");
        assertThat(error("http2 yes;"))
                .startsWith("invalid value \"yes\" in \"http2\" directive, it must be \"on\" or \"off\" in ");
        assertThat(error("http2 on; http2 off;")).startsWith("\"http2\" directive is duplicate in ");
        assertThat(error("server { location / { http2 on; } }"))
                .startsWith("\"http2\" directive is not allowed here in ");
    }

    @Test
    void aChunkSizeOverNginxsLargestFrameIsCut() throws ConfigException {
        Snapshot s = load("http2_chunk_size 32m; server { listen 127.0.0.1:8081; }");
        assertThat(server(s, 0, 0).root().conf().get(Http2Module.LOCATION).chunkSize()).isEqualTo((1 << 24) - 1);
    }

    @Test
    void obsoleteDirectivesAreAcceptedWithNginxsWarnings() throws ConfigException {
        Snapshot s = load("""
                http2_idle_timeout 3m;
                http2_recv_timeout 30s;
                http2_max_requests 100;
                http2_max_field_size 4k;
                http2_max_header_size 16k;
                http2_max_concurrent_pushes 5;
                server { listen 127.0.0.1:8081; http2_push_preload on; location / { http2_push /a.css; } }
                """);
        List<String> warnings = s.warnings().stream().map(Object::toString).toList();
        assertThat(warnings).anyMatch(w -> w.startsWith("the \"http2_idle_timeout\" directive is obsolete,"
                + " use the \"keepalive_timeout\" directive instead in "));
        assertThat(warnings).anyMatch(w -> w.startsWith("the \"http2_recv_timeout\" directive is obsolete,"
                + " use the \"client_header_timeout\" directive instead in "));
        assertThat(warnings).anyMatch(w -> w.startsWith("the \"http2_max_requests\" directive is obsolete,"
                + " use the \"keepalive_requests\" directive instead in "));
        assertThat(warnings).anyMatch(w -> w.startsWith("the \"http2_max_field_size\" directive is obsolete,"
                + " use the \"large_client_header_buffers\" directive instead in "));
        assertThat(warnings).anyMatch(w -> w.startsWith("the \"http2_max_header_size\" directive is obsolete,"
                + " use the \"large_client_header_buffers\" directive instead in "));
        assertThat(warnings).anyMatch(w -> w.startsWith(
                "the \"http2_max_concurrent_pushes\" directive is obsolete, ignored in "));
        assertThat(warnings).anyMatch(w -> w.startsWith("the \"http2_push_preload\" directive is obsolete, ignored in "));
        assertThat(warnings).anyMatch(w -> w.startsWith("the \"http2_push\" directive is obsolete, ignored in "));
    }
}
