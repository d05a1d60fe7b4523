package dev.portico.http2;

import static dev.portico.config.Contexts.HTTP;
import static dev.portico.config.Contexts.HTTP_SERVER;
import static dev.portico.config.Contexts.HTTP_SERVER_LOCATION;

import dev.portico.config.ConfKey;
import dev.portico.config.ConfLevel;
import dev.portico.config.ConfigException;
import dev.portico.config.Directive;
import dev.portico.config.Directive.Arity;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Module;
import dev.portico.config.Slots;
import dev.portico.http.HttpExchange;
import dev.portico.http.ListenSocket;
import dev.portico.http.VariableTable;
import dev.portico.http.VirtualServer;
import java.util.List;

/**
 * HTTP/2 (nginx's ngx_http_v2_module, as of 1.25.1): `http2 on|off` beside
 * `listen ... http2`, the http2_* directives with nginx's defaults, limits and
 * words, the obsolete ones accepted with nginx's warnings, and $http2. The
 * connections themselves: {@link Http2Session} and {@link Http2StreamHandler}.
 */
public final class Http2Module implements Module {

    public static final ConfKey<Http2MainConf> MAIN = ConfKey.of("http_v2_main", ConfLevel.HTTP, Http2MainConf::new);
    public static final ConfKey<Http2ServerConf> SERVER =
            ConfKey.of("http_v2", ConfLevel.SERVER, Http2ServerConf::new, Http2ServerConf::merge);
    public static final ConfKey<Http2LocationConf> LOCATION =
            ConfKey.of("http_v2_loc", ConfLevel.LOCATION, Http2LocationConf::new, Http2LocationConf::merge);

    /** nginx's NGX_HTTP_V2_STATE_BUFFER_SIZE: the read buffer must be larger. */
    private static final long STATE_BUFFER_SIZE = 16;
    /** nginx's NGX_HTTP_V2_MAX_WINDOW. */
    static final long MAX_WINDOW = (1L << 31) - 1;
    /** nginx's NGX_HTTP_V2_MAX_FRAME_SIZE. */
    private static final long MAX_FRAME_SIZE = (1L << 24) - 1;
    /** nginx's NGX_MIN_POOL_SIZE on 64-bit systems, and its alignment. */
    private static final long MIN_POOL_SIZE = 112;
    private static final long POOL_ALIGNMENT = 16;

    static {
        VariableTable.registerBuiltin("http2", Http2Module::protocol);
    }

    @Override
    public String name() {
        return "http_v2";
    }

    @Override
    public List<Directive> directives() {
        return List.of(
                Slots.flag("http2", HTTP_SERVER, SERVER, s -> s.enable, (s, v) -> s.enable = v),
                Directive.of("http2_recv_buffer_size", HTTP, Arity.ONE, c -> {
                    Http2MainConf m = c.conf(MAIN);
                    if (m.recvBufferSize != null) {
                        throw c.duplicate();
                    }
                    long size = c.size(0);
                    if (size <= STATE_BUFFER_SIZE) {
                        throw c.error("\"" + c.name() + "\" directive value is too small");
                    }
                    m.recvBufferSize = size;
                }),
                Directive.of("http2_pool_size", HTTP_SERVER, Arity.ONE, c -> {
                    Http2ServerConf s = c.conf(SERVER);
                    if (s.poolSize != null) {
                        throw c.duplicate();
                    }
                    long size = c.size(0);
                    if (size < MIN_POOL_SIZE) {
                        throw c.error("the pool size must be no less than " + MIN_POOL_SIZE);
                    }
                    if (size % POOL_ALIGNMENT != 0) {
                        throw c.error("the pool size must be a multiple of " + POOL_ALIGNMENT);
                    }
                    s.poolSize = size;
                }),
                Slots.number("http2_max_concurrent_streams", HTTP_SERVER, SERVER, s -> s.maxConcurrentStreams,
                        (s, v) -> s.maxConcurrentStreams = v),
                obsolete("http2_max_concurrent_pushes", HTTP_SERVER, Arity.ONE, null),
                obsolete("http2_max_requests", HTTP_SERVER, Arity.ONE, "keepalive_requests"),
                obsolete("http2_max_field_size", HTTP_SERVER, Arity.ONE, "large_client_header_buffers"),
                obsolete("http2_max_header_size", HTTP_SERVER, Arity.ONE, "large_client_header_buffers"),
                Directive.of("http2_body_preread_size", HTTP_SERVER, Arity.ONE, c -> {
                    Http2ServerConf s = c.conf(SERVER);
                    if (s.prereadSize != null) {
                        throw c.duplicate();
                    }
                    long size = c.size(0);
                    if (size > MAX_WINDOW) {
                        throw c.error("the maximum body preread buffer size is " + MAX_WINDOW);
                    }
                    s.prereadSize = size;
                }),
                Directive.of("http2_streams_index_size", HTTP_SERVER, Arity.ONE, c -> {
                    Http2ServerConf s = c.conf(SERVER);
                    if (s.streamsIndexSize != null) {
                        throw c.duplicate();
                    }
                    int n = c.number(0);
                    if (n == 0 || (n & (n - 1)) != 0) {
                        throw c.error("\"" + c.name() + "\" directive must be a power of two");
                    }
                    s.streamsIndexSize = n;
                }),
                obsolete("http2_recv_timeout", HTTP_SERVER, Arity.ONE, "client_header_timeout"),
                obsolete("http2_idle_timeout", HTTP_SERVER, Arity.ONE, "keepalive_timeout"),
                Directive.of("http2_chunk_size", HTTP_SERVER_LOCATION, Arity.ONE, Http2Module::chunkSize),
                obsolete("http2_push_preload", HTTP_SERVER_LOCATION, Arity.ONE, null),
                obsolete("http2_push", HTTP_SERVER_LOCATION, Arity.ONE, null)
        );
    }

    private static void chunkSize(DirectiveCall c) throws ConfigException {
        Http2LocationConf l = c.conf(LOCATION);
        if (l.chunkSize != null) {
            throw c.duplicate();
        }
        long size = c.size(0);
        if (size == 0) {
            throw c.error("the http2 chunk size cannot be zero");
        }
        l.chunkSize = Math.min(size, MAX_FRAME_SIZE);
    }

    /**
     * nginx's ngx_http_v2_obsolete: the directive is read, not parsed, and has no effect;
     * a warning names its replacement when there is one. Server push is gone from nginx
     * (1.25.1) and from here.
     */
    private static Directive obsolete(String name, java.util.Set<dev.portico.config.Context> contexts, Arity arity,
                                      String replacement) {
        return Directive.of(name, contexts, arity, c -> c.warn(replacement != null
                ? "the \"" + name + "\" directive is obsolete, use the \"" + replacement + "\" directive instead"
                : "the \"" + name + "\" directive is obsolete, ignored"));
    }

    /** $http2: "h2" over TLS, "h2c" over cleartext, empty for HTTP/1.x. */
    private static String protocol(HttpExchange x) {
        if (x.version().majorVersion() != 2) {
            return "";
        }
        return x.connection().secure() ? "h2" : "h2c";
    }

    /**
     * True when a connection to {@code socket} may speak HTTP/2 with {@code server}:
     * a `listen ... http2` of that address, or `http2 on` in the server (nginx 1.25.1's
     * {@code h2scf->enable || hc->addr_conf->http2}).
     */
    public static boolean enabled(ListenSocket socket, VirtualServer server) {
        return socket.http2() || server.serverConf().get(SERVER).enabled();
    }

    /** True when the address's default server, or its listen, turns HTTP/2 on: the preface is looked for. */
    public static boolean enabled(ListenSocket socket) {
        if (socket.http2()) {
            return true;
        }
        for (dev.portico.http.ServerNames names : socket.allServerNames()) {
            if (enabled(socket, names.defaultServer())) {
                return true;
            }
        }
        return false;
    }
}
