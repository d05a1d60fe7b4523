package dev.portico.proxy;

import static dev.portico.config.Contexts.HTTP_SERVER_LOCATION;

import dev.portico.config.ConfKey;
import dev.portico.config.ConfigException;
import dev.portico.config.Directive;
import dev.portico.config.Directive.Arity;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Slots;
import dev.portico.config.Values;
import dev.portico.http.TempPaths;
import dev.portico.tls.UpstreamSslDirectives;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The directives every upstream module has, declared once for a family's prefix
 * ({@code proxy_read_timeout}, {@code uwsgi_read_timeout} ...) into the module's
 * {@link UpstreamConf}, with nginx's slot parsers and messages: the three timeouts,
 * *_pass_request_headers and _body, *_hide_header, *_pass_header, *_ignore_headers,
 * *_buffering, *_buffer_size, *_buffers, *_busy_buffers_size, *_request_buffering,
 * *_intercept_errors, *_next_upstream (+ _tries, _timeout), *_socket_keepalive,
 * *_temp_path and *_max_temp_file_size; and the *_ssl_* directives of TLS to the upstream
 * ({@link UpstreamSslDirectives}).
 */
public final class UpstreamDirectives {

    private UpstreamDirectives() {
    }

    /**
     * The family's directives, for http, server and location blocks.
     *
     * @param key      the module's location-level configuration
     * @param upstream its {@link UpstreamConf}
     */
    public static <T> List<Directive> of(UpstreamFamily family, ConfKey<T> key, Function<T, UpstreamConf> upstream) {
        Declarations<T> d = new Declarations<>(family, key, upstream);
        d.millis("_connect_timeout", u -> u.connectTimeout, (u, v) -> u.connectTimeout = v);
        d.millis("_send_timeout", u -> u.sendTimeout, (u, v) -> u.sendTimeout = v);
        d.millis("_read_timeout", u -> u.readTimeout, (u, v) -> u.readTimeout = v);
        d.flag("_pass_request_headers", u -> u.passRequestHeaders, (u, v) -> u.passRequestHeaders = v);
        d.flag("_pass_request_body", u -> u.passRequestBody, (u, v) -> u.passRequestBody = v);
        d.add("_hide_header", Arity.ONE, (u, c) -> u.hideHeaders = append(u.hideHeaders, c.arg(0)));
        d.add("_pass_header", Arity.ONE, (u, c) -> u.passHeaders = append(u.passHeaders, c.arg(0)));
        d.add("_ignore_headers", Arity.ONE_OR_MORE, (u, c) -> u.ignoreHeaders = Values.bitmask(c, u.ignoreHeaders,
                AccelHeaders.IGNORABLE));
        d.flag("_buffering", u -> u.buffering, (u, v) -> u.buffering = v);
        d.add("_buffer_size", Arity.ONE, (u, c) -> {
            if (u.bufferSize != null) {
                throw c.duplicate();
            }
            u.bufferSize = c.size(0);
            u.buffersWhere = c.where();
        });
        d.add("_buffers", Arity.TWO, UpstreamDirectives::buffers);
        d.add("_busy_buffers_size", Arity.ONE, (u, c) -> {
            if (u.busyBuffersSizeConf != null) {
                throw c.duplicate();
            }
            u.busyBuffersSizeConf = c.size(0);
            u.buffersWhere = c.where();
        });
        d.flag("_request_buffering", u -> u.requestBuffering, (u, v) -> u.requestBuffering = v);
        d.flag("_intercept_errors", u -> u.interceptErrors, (u, v) -> u.interceptErrors = v);
        d.add("_next_upstream", Arity.ONE_OR_MORE, (u, c) -> {
            Set<String> words = Values.bitmask(c, u.nextUpstream == null ? null : new LinkedHashSet<>(u.nextUpstream),
                    List.copyOf(family.nextUpstreamWords()));
            u.nextUpstream = List.copyOf(words);
        });
        d.number("_next_upstream_tries", u -> u.nextUpstreamTries, (u, v) -> u.nextUpstreamTries = v);
        d.millis("_next_upstream_timeout", u -> u.nextUpstreamTimeout, (u, v) -> u.nextUpstreamTimeout = v);
        d.flag("_socket_keepalive", u -> u.socketKeepalive, (u, v) -> u.socketKeepalive = v);
        d.add("_temp_path", Arity.between(1, 4), (u, c) -> {
            if (u.tempPath != null) {
                throw c.duplicate();
            }
            u.tempPath = TempPaths.declare(c);
        });
        d.add("_max_temp_file_size", Arity.ONE, (u, c) -> {
            if (u.maxTempFileSize != null) {
                throw c.duplicate();
            }
            u.maxTempFileSize = c.size(0);
        });
        d.directives.addAll(UpstreamSslDirectives.of(family.prefix(), key, t -> upstream.apply(t).ssl));
        return List.copyOf(d.directives);
    }

    /** Builds the family's directives over the module's key and its UpstreamConf. */
    private static final class Declarations<T> {
        final UpstreamFamily family;
        final ConfKey<T> key;
        final Function<T, UpstreamConf> upstream;
        final List<Directive> directives = new ArrayList<>();

        Declarations(UpstreamFamily family, ConfKey<T> key, Function<T, UpstreamConf> upstream) {
            this.family = family;
            this.key = key;
            this.upstream = upstream;
        }

        interface Handler {
            void handle(UpstreamConf conf, DirectiveCall call) throws ConfigException;
        }

        void add(String suffix, Arity arity, Handler handler) {
            directives.add(Directive.of(family.directive(suffix), HTTP_SERVER_LOCATION, arity,
                    c -> handler.handle(upstream.apply(c.conf(key)), c)));
        }

        void flag(String suffix, Function<UpstreamConf, Boolean> get, BiConsumer<UpstreamConf, Boolean> set) {
            directives.add(Slots.flag(family.directive(suffix), HTTP_SERVER_LOCATION, key,
                    c -> get.apply(upstream.apply(c)), (c, v) -> set.accept(upstream.apply(c), v)));
        }

        void millis(String suffix, Function<UpstreamConf, Long> get, BiConsumer<UpstreamConf, Long> set) {
            directives.add(Slots.millis(family.directive(suffix), HTTP_SERVER_LOCATION, key,
                    c -> get.apply(upstream.apply(c)), (c, v) -> set.accept(upstream.apply(c), v)));
        }

        /** ngx_conf_set_num_slot: digits only, else "invalid number". */
        void number(String suffix, Function<UpstreamConf, Integer> get, BiConsumer<UpstreamConf, Integer> set) {
            directives.add(Slots.slot(family.directive(suffix), HTTP_SERVER_LOCATION, key,
                    c -> get.apply(upstream.apply(c)), (c, v) -> set.accept(upstream.apply(c), v), c -> {
                        long n = Values.number(c.arg(0));
                        if (n < 0 || n > Integer.MAX_VALUE) {
                            throw c.error("\"" + c.name() + "\" directive invalid number");
                        }
                        return (int) n;
                    }));
        }
    }

    private static List<String> append(List<String> list, String value) {
        List<String> out = list == null ? new ArrayList<>() : list;
        out.add(value);
        return out;
    }

    /** ngx_conf_set_bufs_slot: a number and a size, neither zero. */
    private static void buffers(UpstreamConf u, DirectiveCall c) throws ConfigException {
        if (u.buffersNumber != null) {
            throw c.duplicate();
        }
        long number = Values.number(c.arg(0));
        long size = Values.size(c.arg(1));
        if (number <= 0 || number > Integer.MAX_VALUE || size <= 0) {
            throw c.error("\"" + c.name() + "\" directive invalid value");
        }
        u.buffersNumber = (int) number;
        u.buffersSize = size;
        u.buffersWhere = c.where();
    }
}
