package dev.portico.proxy.http;

import static dev.portico.config.Contexts.HTTP_SERVER_LOCATION;

import dev.portico.config.ConfKey;
import dev.portico.config.ConfSet;
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
import dev.portico.http.Template;
import dev.portico.http.VariableTable;
import dev.portico.proxy.LocationPass;
import dev.portico.proxy.PassGroups;
import dev.portico.proxy.UpstreamDirectives;
import dev.portico.proxy.UpstreamFamily;
import dev.portico.proxy.UpstreamRequest;
import dev.portico.proxy.UpstreamVariables;
import dev.portico.tls.UpstreamTls;
import java.util.ArrayList;
import java.util.List;

/**
 * nginx's ngx_http_proxy_module over the upstream engine: proxy_pass to an
 * HTTP/1.x server on TCP or a unix socket, over TLS for https:// (the
 * proxy_ssl_* directives come with the upstream family's), the request headers sent
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
        List<Directive> all = new ArrayList<>(List.of(
                Directive.of("proxy_pass", Contexts.LOCATION_IF, Arity.ONE, ProxyModule::proxyPass),
                Directive.of("proxy_set_header", HTTP_SERVER_LOCATION, Arity.TWO, ProxyModule::setHeader),
                Slots.slot("proxy_http_version", HTTP_SERVER_LOCATION, PROXY, c -> c.httpVersion,
                        (c, v) -> c.httpVersion = v, c -> switch (c.arg(0)) {
                            case "1.0" -> 10;
                            case "1.1" -> 11;
                            default -> throw c.invalidValue(c.arg(0));
                        }),
                Directive.of("proxy_redirect", HTTP_SERVER_LOCATION, Arity.ONE_OR_TWO, ProxyModule::redirect)));
        all.addAll(UpstreamDirectives.of(UpstreamFamily.PROXY, PROXY, c -> c.upstream));
        return List.copyOf(all);
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
                    c.where(), PassGroups.of(c.build()));
            c.conf(HttpCoreModule.CORE).setHandler(ProxyModule::handle);
            return;
        }
        String lower = url.toLowerCase(java.util.Locale.ROOT);
        boolean https = lower.startsWith("https://");
        if (!https && !lower.startsWith("http://")) {
            throw c.error("invalid URL prefix in \"" + url + "\"");
        }
        ProxyPass pass = parse(c, url, https);
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

    /**
     * "http://host[:port][/uri]" or "http://unix:/path.sock[:/uri]", or the same with "https://"
     * (port 443 unless written); the group is found at the end.
     */
    static ProxyPass parse(DirectiveCall c, String url, boolean https) throws ConfigException {
        PassGroups groups = PassGroups.of(c.build());
        int seq = groups.nextSequence();
        String rest = url.substring(https ? "https://".length() : "http://".length());
        if (rest.startsWith("unix:")) {
            String after = rest.substring("unix:".length());
            int colon = after.indexOf(':');
            String path = colon < 0 ? after : after.substring(0, colon);
            String uri = colon < 0 ? null : after.substring(colon + 1);
            if (path.isEmpty()) {
                throw c.error("no path in the unix domain socket in \"" + url + "\"");
            }
            ProxyPass pass = new ProxyPass(url, https, "unix:" + path, -1, uri == null || uri.isEmpty() ? null : uri,
                    "localhost", "", c.where(), seq);
            pass.group = groups.unix(path);
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
        int defaultPort = ProxyPass.defaultPort(https);
        int shown = port < 0 ? defaultPort : port;
        String proxyHost = shown == defaultPort ? host : host + ":" + shown;
        ProxyPass pass = new ProxyPass(url, https, host, port, uri, proxyHost, Integer.toString(shown), c.where(),
                seq);
        pending(c).add(pass);
        return pass;
    }

    /** The literal proxy_pass URLs of this load, whose groups are found once every upstream block is read. */
    static final class Pending extends ArrayList<ProxyPass> {
    }

    private static Pending pending(DirectiveCall c) {
        return c.build().shared(Pending.class, Pending::new);
    }

    @Override
    public void postConfiguration(ConfigBuild build) throws ConfigException {
        Pending pending = build.sharedOrNull(Pending.class);
        if (pending == null) {
            return;
        }
        PassGroups groups = PassGroups.of(build);
        for (ProxyPass pass : pending) {
            if (pass.group == null) {
                pass.group = groups.atLoad(pass.host, pass.port, ProxyPass.defaultPort(pass.https), pass.where,
                        pass.sequence);
            }
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
        UpstreamTls.Target tls = pass.https ? conf.tls.target(x, pass.sslName()) : null;
        UpstreamRequest.start(x, conf.protocol, pass.group(), conf.upstream.settings(), tls);
        return Flow.DONE;
    }

    /** This location's own proxy_pass (not inherited), or null; for use once the configuration is merged. */
    public static LocationPass locationPass(ConfSet location) {
        ProxyConf conf = location.get(PROXY);
        ProxyPass pass = conf.pass;
        if (pass == null) {
            return null;
        }
        String host = null;
        for (ProxyConf.HeaderSetting s : conf.effectiveHeaders) {
            if (s.name().equalsIgnoreCase("host")) {
                host = s.constant();
                break;
            }
        }
        if (host == null || host.isEmpty()) {
            host = pass.hasVariables() ? null : pass.proxyHost();
        }
        return new LocationPass("proxy_pass", pass.url(), pass.hasVariables() ? null : pass.group(),
                conf.upstream.settings(), host, pass.where, pass.https ? conf.tls.target(pass.sslName()) : null);
    }

    // ---- other directives ----

    private static void setHeader(DirectiveCall c) throws ConfigException {
        ProxyConf conf = c.conf(PROXY);
        if (conf.setHeaders == null) {
            conf.setHeaders = new ArrayList<>();
        }
        Template value = Template.compile(c, 1);
        conf.setHeaders.add(new ProxyConf.HeaderSetting(c.arg(0), value::render,
                value.isConstant() ? value.render(null) : null));
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
