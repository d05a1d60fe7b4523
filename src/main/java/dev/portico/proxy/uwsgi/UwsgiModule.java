package dev.portico.proxy.uwsgi;

import static dev.portico.config.Contexts.HTTP_SERVER_LOCATION;

import dev.portico.balancer.UpstreamGroup;
import dev.portico.config.ConfKey;
import dev.portico.config.ConfSet;
import dev.portico.config.ConfLevel;
import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfigException;
import dev.portico.config.Contexts;
import dev.portico.config.Directive;
import dev.portico.config.Directive.Arity;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Module;
import dev.portico.config.Values;
import dev.portico.http.Flow;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.HttpExchange;
import dev.portico.http.Template;
import dev.portico.proxy.CacheDirectives;
import dev.portico.proxy.LocationPass;
import dev.portico.proxy.PassGroups;
import dev.portico.proxy.UpstreamDirectives;
import dev.portico.proxy.UpstreamFamily;
import dev.portico.proxy.UpstreamRequest;
import dev.portico.tls.UpstreamTls;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * nginx's ngx_http_uwsgi_module over the upstream engine: uwsgi_pass to a uWSGI server (or
 * any uwsgi-protocol application server) on a unix socket, a TCP address or an upstream
 * block, over TLS for suwsgi:// (uwsgi_ssl_*, with the upstream family's directives); the request's CGI variables (uwsgi_param, inherited as a whole list), the packet's
 * modifiers, and the settings every upstream module has (timeouts, buffering, retries,
 * headers: see {@link UpstreamDirectives}). The protocol is {@link UwsgiProtocol}: one
 * connection per request, never kept alive. The uwsgi_cache directives are read and checked
 * ({@link CacheDirectives}) but cache nothing yet.
 */
public final class UwsgiModule implements Module {

    static final ConfKey<UwsgiConf> UWSGI =
            ConfKey.of("http_uwsgi", ConfLevel.LOCATION, UwsgiConf::new, UwsgiConf::merge);

    @Override
    public String name() {
        return "http_uwsgi";
    }

    @Override
    public List<Directive> directives() {
        List<Directive> all = new ArrayList<>(List.of(
                Directive.of("uwsgi_pass", Contexts.LOCATION_IF, Arity.ONE, UwsgiModule::uwsgiPass),
                Directive.of("uwsgi_param", HTTP_SERVER_LOCATION, Arity.TWO_OR_THREE, UwsgiModule::param),
                modifier("uwsgi_modifier1", c -> c.modifier1, (c, v) -> c.modifier1 = v),
                modifier("uwsgi_modifier2", c -> c.modifier2, (c, v) -> c.modifier2 = v),
                Directive.of("uwsgi_http_version", HTTP_SERVER_LOCATION, Arity.ONE, UwsgiModule::httpVersion)));
        all.addAll(UpstreamDirectives.of(UpstreamFamily.UWSGI, UWSGI, c -> c.upstream));
        all.addAll(CacheDirectives.of(UpstreamFamily.UWSGI));
        return List.copyOf(all);
    }

    // ---- uwsgi_pass ----

    private static void uwsgiPass(DirectiveCall c) throws ConfigException {
        UwsgiConf conf = c.conf(UWSGI);
        if (conf.pass != null) {
            throw c.duplicate();
        }
        PassGroups groups = PassGroups.of(c.build());
        String url = c.arg(0);
        // As nginx's uwsgi_pass sets its handler on this location only: nested ones do not inherit it.
        c.conf(HttpCoreModule.CORE).setHandler(UwsgiModule::handle);
        if (url.indexOf('$') >= 0) {
            conf.pass = UwsgiPass.withVariables(Template.compile(c, 0), c.where(), groups);
            return;
        }
        boolean secure = UwsgiPass.secure(url);
        String address = secure ? url.substring(9) : UwsgiPass.withoutScheme(url);
        try {
            conf.pass = UwsgiPass.literal(UwsgiAddress.parse(address), secure, c.where(), groups);
        } catch (UwsgiAddress.BadAddress e) {
            throw c.error(e.getMessage() + " in upstream \"" + address + "\"");
        }
        if (conf.pass.group == null) {
            c.build().shared(Pending.class, Pending::new).add(conf.pass);
        }
    }

    /** The literal uwsgi_pass addresses of this load whose groups are found once every upstream block is read. */
    static final class Pending extends ArrayList<UwsgiPass> {
    }

    /** Each literal uwsgi_pass's group: an upstream block of that name, or the address (which needs a port). */
    @Override
    public void postConfiguration(ConfigBuild build) throws ConfigException {
        CacheDirectives.check(build, UpstreamFamily.UWSGI);
        Pending pending = build.sharedOrNull(Pending.class);
        if (pending == null) {
            return;
        }
        PassGroups groups = PassGroups.of(build);
        for (UwsgiPass pass : pending) {
            pass.group = groups.atLoad(pass.address.host(), pass.address.port(), -1, pass.where, pass.sequence);
        }
    }

    /** This location's own uwsgi_pass (not inherited), or null; for use once the configuration is merged. */
    public static LocationPass locationPass(ConfSet location) {
        UwsgiConf conf = location.get(UWSGI);
        UwsgiPass pass = conf.pass;
        if (pass == null) {
            return null;
        }
        UwsgiAddress a = pass.address;
        String target = a == null ? pass.template.source()
                : a.unix() ? "unix:" + a.host() : a.port() < 0 ? a.host() : a.host() + ":" + a.port();
        return new LocationPass("uwsgi_pass", target, pass.template != null ? null : pass.group,
                conf.upstream.settings(), null, pass.where, pass.secure ? conf.tls.target(a.host()) : null);
    }

    private static Flow handle(HttpExchange x) {
        UwsgiConf conf = x.conf().get(UWSGI);
        UwsgiPass.Target target = conf.pass.target(x);
        if (target != null) {
            UpstreamTls.Target tls = target.secure() ? conf.tls.target(x, target.host()) : null;
            UpstreamRequest.start(x, conf.protocol, target.group(), conf.upstream.settings(), tls);
        }
        return Flow.DONE;
    }

    // ---- the packet ----

    /** ngx_http_upstream_param_set_slot: NAME VALUE [if_not_empty], added to this level's list. */
    private static void param(DirectiveCall c) throws ConfigException {
        UwsgiConf conf = c.conf(UWSGI);
        boolean ifNotEmpty = false;
        if (c.argCount() == 3) {
            if (!c.arg(2).equals("if_not_empty")) {
                throw c.error("invalid parameter \"" + c.arg(2) + "\"");
            }
            ifNotEmpty = true;
        }
        if (conf.params == null) {
            conf.params = new ArrayList<>();
        }
        conf.params.add(new UwsgiParam(c.arg(0), Template.compile(c, 1), ifNotEmpty));
    }

    /** ngx_conf_set_num_slot with ngx_http_uwsgi_modifier_bounds (0-255). */
    private static Directive modifier(String name, Function<UwsgiConf, Integer> get,
                                      BiConsumer<UwsgiConf, Integer> set) {
        return Directive.of(name, HTTP_SERVER_LOCATION, Arity.ONE, c -> {
            UwsgiConf conf = c.conf(UWSGI);
            if (get.apply(conf) != null) {
                throw c.duplicate();
            }
            long n = Values.number(c.arg(0));
            if (n < 0) {
                throw c.error("\"" + c.name() + "\" directive invalid number");
            }
            if (n > 255) {
                throw c.error("value must be between 0 and 255");
            }
            set.accept(conf, (int) n);
        });
    }

    /**
     * Not an nginx directive (nginx refuses it as unknown), but written by deployment guides
     * that copy proxy_http_version: accepted with a warning and ignored, as the uwsgi protocol
     * has no keep-alive.
     */
    private static void httpVersion(DirectiveCall c) throws ConfigException {
        if (!c.arg(0).equals("1.0") && !c.arg(0).equals("1.1")) {
            throw c.invalidValue(c.arg(0));
        }
        c.warn("\"uwsgi_http_version\" is not an nginx directive and is ignored: the uwsgi protocol has no"
                + " keep-alive, every request to a uwsgi upstream uses a connection of its own");
    }
}
