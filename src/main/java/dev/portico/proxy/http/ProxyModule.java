package dev.portico.proxy.http;

import static dev.portico.config.Contexts.HTTP_SERVER_LOCATION;

import dev.portico.balancer.UpstreamGroup;
import dev.portico.balancer.Upstreams;
import dev.portico.config.ConfKey;
import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfLevel;
import dev.portico.config.ConfigException;
import dev.portico.config.Contexts;
import dev.portico.config.Directive;
import dev.portico.config.Directive.Arity;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Module;
import dev.portico.config.Slots;
import dev.portico.http.Flow;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.HttpExchange;
import dev.portico.http.Location;
import dev.portico.http.TempPaths;
import dev.portico.http.Template;
import dev.portico.http.VariableTable;
import dev.portico.proxy.Peer;
import dev.portico.proxy.UpstreamRequest;
import dev.portico.proxy.UpstreamVariables;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * nginx's ngx_http_proxy_module over the upstream engine: proxy_pass to an
 * HTTP/1.x server on TCP or a unix socket, the request headers sent
 * (proxy_set_header), the response headers passed (proxy_hide_header,
 * proxy_pass_header, proxy_redirect), timeouts, and $proxy_* variables.
 *
 * The response is read ahead of the client (proxy_buffering on) or streamed
 * through bounded socket buffers (off). The request body is read whole before
 * connecting (proxy_request_buffering on, the default) or streamed as it
 * arrives (off). As with nginx, upstream keepalive connections need
 * {@code proxy_http_version 1.1} and {@code proxy_set_header Connection ""}:
 * the default "Connection: close" makes the upstream close each connection.
 */
public final class ProxyModule implements Module {

    static final ConfKey<ProxyConf> PROXY =
            ConfKey.of("http_proxy", ConfLevel.LOCATION, ProxyConf::new, ProxyConf::merge);

    private static final Set<String> NEXT_UPSTREAM_VALUES = Set.of("error", "timeout", "invalid_header",
            "http_500", "http_502", "http_503", "http_504", "http_403", "http_404", "http_429",
            "non_idempotent", "off", "denied", "updating");

    static {
        VariableTable.registerBuiltin("proxy_host", ProxyModule::proxyHost);
        VariableTable.registerBuiltin("proxy_port", x -> {
            ProxyPass pass = passOf(x);
            return pass == null ? null : pass.proxyPort();
        });
        VariableTable.registerBuiltin("proxy_add_x_forwarded_for", ProxyModule::addXForwardedFor);
        UpstreamVariables.register();
    }

    @Override
    public String name() {
        return "http_proxy";
    }

    @Override
    public List<Directive> directives() {
        return List.of(
                Directive.of("proxy_pass", Contexts.LOCATION_IF, Arity.ONE, ProxyModule::proxyPass),
                Directive.of("proxy_set_header", HTTP_SERVER_LOCATION, Arity.TWO, ProxyModule::setHeader),
                Slots.slot("proxy_http_version", HTTP_SERVER_LOCATION, PROXY, c -> c.httpVersion,
                        (c, v) -> c.httpVersion = v, c -> switch (c.arg(0)) {
                            case "1.0" -> 10;
                            case "1.1" -> 11;
                            default -> throw c.invalidValue(c.arg(0));
                        }),
                Slots.flag("proxy_pass_request_headers", HTTP_SERVER_LOCATION, PROXY, c -> c.passRequestHeaders,
                        (c, v) -> c.passRequestHeaders = v),
                Slots.flag("proxy_pass_request_body", HTTP_SERVER_LOCATION, PROXY, c -> c.passRequestBody,
                        (c, v) -> c.passRequestBody = v),
                Directive.of("proxy_hide_header", HTTP_SERVER_LOCATION, Arity.ONE,
                        c -> c.conf(PROXY).hideHeaders = append(c.conf(PROXY).hideHeaders, c.arg(0))),
                Directive.of("proxy_pass_header", HTTP_SERVER_LOCATION, Arity.ONE,
                        c -> c.conf(PROXY).passHeaders = append(c.conf(PROXY).passHeaders, c.arg(0))),
                Slots.millis("proxy_connect_timeout", HTTP_SERVER_LOCATION, PROXY, c -> c.connectTimeout,
                        (c, v) -> c.connectTimeout = v),
                Slots.millis("proxy_send_timeout", HTTP_SERVER_LOCATION, PROXY, c -> c.sendTimeout,
                        (c, v) -> c.sendTimeout = v),
                Slots.millis("proxy_read_timeout", HTTP_SERVER_LOCATION, PROXY, c -> c.readTimeout,
                        (c, v) -> c.readTimeout = v),
                Directive.of("proxy_redirect", HTTP_SERVER_LOCATION, Arity.ONE_OR_TWO, ProxyModule::redirect),
                Slots.flag("proxy_buffering", HTTP_SERVER_LOCATION, PROXY, c -> c.buffering,
                        (c, v) -> c.buffering = v),
                Directive.of("proxy_buffer_size", HTTP_SERVER_LOCATION, Arity.ONE, c -> {
                    ProxyConf conf = c.conf(PROXY);
                    if (conf.bufferSize != null) {
                        throw c.duplicate();
                    }
                    conf.bufferSize = c.size(0);
                    conf.buffersWhere = c.where();
                }),
                Directive.of("proxy_buffers", HTTP_SERVER_LOCATION, Arity.TWO, ProxyModule::buffers),
                Directive.of("proxy_busy_buffers_size", HTTP_SERVER_LOCATION, Arity.ONE, c -> {
                    ProxyConf conf = c.conf(PROXY);
                    if (conf.busyBuffersSizeConf != null) {
                        throw c.duplicate();
                    }
                    conf.busyBuffersSizeConf = c.size(0);
                    conf.buffersWhere = c.where();
                }),
                Slots.flag("proxy_request_buffering", HTTP_SERVER_LOCATION, PROXY, c -> c.requestBuffering,
                        (c, v) -> c.requestBuffering = v),
                Slots.flag("proxy_intercept_errors", HTTP_SERVER_LOCATION, PROXY, c -> c.interceptErrors,
                        (c, v) -> c.interceptErrors = v),
                Directive.of("proxy_next_upstream", HTTP_SERVER_LOCATION, Arity.ONE_OR_MORE,
                        ProxyModule::nextUpstream),
                Slots.number("proxy_next_upstream_tries", HTTP_SERVER_LOCATION, PROXY, c -> c.nextUpstreamTries,
                        (c, v) -> c.nextUpstreamTries = v),
                Slots.millis("proxy_next_upstream_timeout", HTTP_SERVER_LOCATION, PROXY,
                        c -> c.nextUpstreamTimeout, (c, v) -> c.nextUpstreamTimeout = v),
                Slots.flag("proxy_socket_keepalive", HTTP_SERVER_LOCATION, PROXY, c -> c.socketKeepalive,
                        (c, v) -> c.socketKeepalive = v),
                Directive.of("proxy_temp_path", HTTP_SERVER_LOCATION, Arity.between(1, 4), c -> {
                    ProxyConf conf = c.conf(PROXY);
                    if (conf.tempPath != null) {
                        throw c.duplicate();
                    }
                    conf.tempPath = TempPaths.declare(c);
                }),
                Slots.size("proxy_max_temp_file_size", HTTP_SERVER_LOCATION, PROXY, c -> c.maxTempFileSize,
                        (c, v) -> c.maxTempFileSize = v),
                Directive.of("proxy_ignore_headers", HTTP_SERVER_LOCATION, Arity.ONE_OR_MORE,
                        ProxyModule::ignoreHeaders));
    }

    private static List<String> append(List<String> list, String value) {
        List<String> out = list == null ? new ArrayList<>() : list;
        out.add(value);
        return out;
    }

    // ---- proxy_pass ----

    private static void proxyPass(DirectiveCall c) throws ConfigException {
        ProxyConf conf = c.conf(PROXY);
        if (conf.pass != null) {
            throw c.duplicate();
        }
        String url = c.arg(0);
        if (url.indexOf('$') >= 0) {
            // Rendered and parsed per request (ngx_http_proxy_eval): no URL checks now.
            conf.pass = ProxyPass.withVariables(Template.compile(c, 0), VariableTable.of(c.build()).slot(" proxy_pass"),
                    c.where(), Upstreams.of(c.build()), pending(c).literalGroups);
            c.conf(HttpCoreModule.CORE).setHandler(ProxyModule::handle);
            return;
        }
        String lower = url.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("https://")) {
            throw c.error("https upstreams in \"proxy_pass\" are not supported by portico yet");
        }
        if (!lower.startsWith("http://")) {
            throw c.error("invalid URL prefix in \"" + url + "\"");
        }
        ProxyPass pass = parse(c, url);
        if (pass.uri() != null && !uriAllowed(c)) {
            throw c.error("\"proxy_pass\" cannot have URI part in location given by regular expression, "
                    + "or inside named location, or inside \"if\" statement, or inside \"limit_except\" block");
        }
        conf.pass = pass;
        // nginx's proxy_pass sets the handler of this location only: nested locations do not inherit it.
        c.conf(HttpCoreModule.CORE).setHandler(ProxyModule::handle);
    }

    private static boolean uriAllowed(DirectiveCall c) {
        if (c.context() != dev.portico.config.Context.LOCATION) {
            return false;
        }
        if (c.frame().state() instanceof HttpCoreModule.LocationBlock block) {
            Location.Match m = block.match();
            return m != Location.Match.REGEX && m != Location.Match.REGEX_CASELESS && m != Location.Match.NAMED;
        }
        return true;
    }

    /** "http://host[:port][/uri]" or "http://unix:/path.sock[:/uri]"; the group is found at the end. */
    static ProxyPass parse(DirectiveCall c, String url) throws ConfigException {
        Upstreams upstreams = Upstreams.of(c.build());
        int seq = upstreams.nextSequence();
        String rest = url.substring("http://".length());
        if (rest.startsWith("unix:")) {
            String after = rest.substring("unix:".length());
            int colon = after.indexOf(':');
            String path = colon < 0 ? after : after.substring(0, colon);
            String uri = colon < 0 ? null : after.substring(colon + 1);
            if (path.isEmpty()) {
                throw c.error("no path in the unix domain socket in \"" + url + "\"");
            }
            ProxyPass pass = new ProxyPass(url, "unix:" + path, -1, uri == null || uri.isEmpty() ? null : uri,
                    "localhost", "", c.where(), seq);
            pass.group = upstreams.implicitGroup("unix:" + path, List.of(Peer.unix(path)));
            pending(c).add(pass);
            return pass;
        }
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String uri = slash < 0 ? null : rest.substring(slash);
        String host = authority;
        int port = -1;
        int colon = authority.lastIndexOf(':');
        if (colon >= 0 && authority.indexOf(']', colon) < 0) {
            host = authority.substring(0, colon);
            try {
                port = Integer.parseInt(authority.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw c.error("invalid port in upstream \"" + authority + "\"");
            }
        }
        if (host.isEmpty()) {
            throw c.error("no host in upstream \"" + authority + "\"");
        }
        int shown = port < 0 ? 80 : port;
        String proxyHost = shown == 80 ? host : host + ":" + shown;
        ProxyPass pass = new ProxyPass(url, host, port, uri, proxyHost, Integer.toString(shown), c.where(), seq);
        pending(c).add(pass);
        return pass;
    }

    /**
     * The proxy_pass URLs of this load, whose groups are found once every
     * upstream block is read, and the groups of the literal ones by host and
     * port, which a proxy_pass with variables may name.
     */
    static final class Pending extends ArrayList<ProxyPass> {
        final Map<String, UpstreamGroup> literalGroups = new HashMap<>();
    }

    /** How a literal proxy_pass's group is found by host (any case) and port (0 for a unix socket path). */
    static String literalKey(String host, int port) {
        return host.toLowerCase(java.util.Locale.ROOT) + " " + port;
    }

    private static Pending pending(DirectiveCall c) {
        return c.build().shared(Pending.class, Pending::new);
    }

    /**
     * Finds each proxy_pass's group: an upstream block of that name (which
     * must not be given a port, as nginx's ngx_http_upstream_add), or else the
     * address itself, resolved now, as a group of one peer per address.
     */
    @Override
    public void postConfiguration(ConfigBuild build) throws ConfigException {
        Pending pending = build.sharedOrNull(Pending.class);
        if (pending == null) {
            return;
        }
        Upstreams upstreams = Upstreams.of(build);
        for (ProxyPass pass : pending) {
            if (pass.group != null) {
                pending.literalGroups.putIfAbsent(literalKey(pass.host.substring("unix:".length()), 0), pass.group);
                continue;
            }
            Upstreams.Declared block = upstreams.block(pass.host);
            if (block != null) {
                if (pass.port >= 0) {
                    if (block.sequence() < pass.sequence) {
                        throw new ConfigException("upstream \"" + pass.host + "\" may not have port " + pass.port
                                + " in " + block.group().where(), pass.where);
                    }
                    throw new ConfigException("upstream \"" + pass.host + "\" may not have port " + pass.port,
                            block.group().where());
                }
                pass.group = block.group();
                continue;
            }
            int port = pass.port < 0 ? 80 : pass.port;
            String host = pass.host;
            String lookup = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            String authority = pass.port < 0 ? host : host + ":" + pass.port;
            List<Peer> peers = new ArrayList<>();
            try {
                // Resolved once at load time, as nginx does for a literal proxy_pass host.
                for (InetAddress a : InetAddress.getAllByName(lookup)) {
                    peers.add(Peer.tcp(new InetSocketAddress(a, port)));
                }
            } catch (UnknownHostException e) {
                throw new ConfigException("host not found in upstream \"" + authority + "\"", pass.where);
            }
            pass.group = upstreams.implicitGroup(host + ":" + port, peers);
            pending.literalGroups.putIfAbsent(literalKey(host, port), pass.group);
        }
    }

    private static Flow handle(HttpExchange x) {
        ProxyConf conf = x.conf().get(PROXY);
        ProxyPass pass = conf.pass;
        if (pass.hasVariables()) {
            pass = ProxyTarget.resolve(x, pass);
            if (pass == null) {
                return Flow.DONE;
            }
            x.setVariableSlot(conf.pass.slot, pass);
        }
        UpstreamRequest.start(x, conf.protocol, pass.group(), conf.settings);
        return Flow.DONE;
    }

    // ---- other directives ----

    private static void setHeader(DirectiveCall c) throws ConfigException {
        ProxyConf conf = c.conf(PROXY);
        if (conf.setHeaders == null) {
            conf.setHeaders = new ArrayList<>();
        }
        Template value = Template.compile(c, 1);
        conf.setHeaders.add(new ProxyConf.HeaderSetting(c.arg(0), value::render));
    }

    private static void redirect(DirectiveCall c) throws ConfigException {
        ProxyConf conf = c.conf(PROXY);
        if (conf.redirects == null) {
            conf.redirects = new ArrayList<>();
        }
        if (c.argCount() == 1) {
            switch (c.arg(0)) {
                case "off" -> conf.redirects.clear();
                case "default" -> {
                    if (conf.pass != null && conf.pass.hasVariables()) {
                        throw c.error("\"proxy_redirect default\" cannot be used with \"proxy_pass\" directive "
                                + "with variables");
                    }
                    conf.redirects.add(ProxyConf.Redirect.DEFAULT);
                }
                default -> throw c.invalidArgs();
            }
            return;
        }
        conf.redirects.add(new ProxyConf.Redirect(Template.compile(c, 0), Template.compile(c, 1)));
    }

    private static void buffers(DirectiveCall c) throws ConfigException {
        ProxyConf conf = c.conf(PROXY);
        if (conf.buffersNumber != null) {
            throw c.duplicate();
        }
        int number = c.number(0);
        long size = c.size(1);
        if (number == 0 || size == 0) {
            throw c.error("invalid value \"" + c.arg(number == 0 ? 0 : 1) + "\" in \"" + c.name() + "\" directive");
        }
        conf.buffersNumber = number;
        conf.buffersSize = size;
        conf.buffersWhere = c.where();
    }

    /**
     * nginx's bitmask slot: values in any case, more than one directive at a
     * level adds up, a repeated value is a warning. The X-Accel ones take
     * effect (see AccelHeaders); Expires, Cache-Control, Set-Cookie and Vary
     * only change caching, and there is no cache yet.
     */
    private static void ignoreHeaders(DirectiveCall c) throws ConfigException {
        ProxyConf conf = c.conf(PROXY);
        Set<String> names = conf.ignoreHeaders == null ? new java.util.LinkedHashSet<>() : conf.ignoreHeaders;
        for (String v : c.args()) {
            String known = null;
            for (String name : dev.portico.proxy.AccelHeaders.IGNORABLE) {
                if (name.equalsIgnoreCase(v)) {
                    known = name.toLowerCase(java.util.Locale.ROOT);
                }
            }
            if (known == null) {
                throw c.error("invalid value \"" + v + "\"");
            }
            if (!names.add(known)) {
                c.warn("duplicate value \"" + v + "\"");
            }
        }
        conf.ignoreHeaders = names;
    }

    private static void nextUpstream(DirectiveCall c) throws ConfigException {
        ProxyConf conf = c.conf(PROXY);
        if (conf.nextUpstream != null) {
            throw c.duplicate();
        }
        for (String v : c.args()) {
            if (!NEXT_UPSTREAM_VALUES.contains(v)) {
                throw c.invalidValue(v);
            }
        }
        conf.nextUpstream = List.copyOf(c.args());
    }

    // ---- variables ----

    /** The proxy_pass of the request's location, rendered for this request when it has variables; or null. */
    private static ProxyPass passOf(HttpExchange x) {
        ProxyPass pass = x.conf() == null ? null : x.conf().get(PROXY).pass;
        return pass == null ? null : pass.of(x);
    }

    static String proxyHost(HttpExchange x) {
        ProxyPass pass = passOf(x);
        return pass == null ? null : pass.proxyHost();
    }

    /** The client's X-Forwarded-For lines, joined, with the client's address appended. */
    private static String addXForwardedFor(HttpExchange x) {
        List<String> given = x.requestHeaders().getAll("X-Forwarded-For");
        String client = x.connection().remoteAddress();
        if (given.isEmpty()) {
            return client;
        }
        return String.join(", ", given) + ", " + client;
    }
}
