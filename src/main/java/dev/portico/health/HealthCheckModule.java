package dev.portico.health;

import dev.portico.config.ConfSet;
import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfigException;
import dev.portico.config.Contexts;
import dev.portico.config.Directive;
import dev.portico.config.Directive.Arity;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Module;
import dev.portico.http.HttpConfig;
import dev.portico.proxy.LocationPass;
import dev.portico.proxy.http.ProxyModule;
import dev.portico.proxy.uwsgi.UwsgiModule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Active health checks with NGINX Plus's syntax (ngx_http_upstream_hc_module), which nginx's
 * open-source edition lacks: {@code health_check} in a location that proxies to an upstream
 * block ({@code proxy_pass http://NAME} or {@code uwsgi_pass NAME}) and {@code match NAME {}}
 * in http. The checks run while the configuration is served ({@link HealthChecks}); their
 * verdict takes peers out of every balancing method ({@code PeerState.setUnhealthy}).
 * See docs/health-checks.md.
 */
public final class HealthCheckModule implements Module {

    /** One health_check as read, with its location, resolved once the configuration is merged. */
    private record Declared(HealthCheck check, ConfSet location) {
    }

    /** What this load's health_check and match directives declared. */
    private static final class Declarations {
        final List<Declared> checks = new ArrayList<>();
        final Map<String, Match> matches = new HashMap<>();
    }

    @Override
    public String name() {
        return "http_upstream_hc";
    }

    @Override
    public List<Directive> directives() {
        return List.of(
                Directive.of("health_check", Contexts.LOCATION, Arity.ANY, HealthCheckModule::healthCheck),
                Directive.block("match", Contexts.HTTP, Arity.ONE, HealthCheckModule::match));
    }

    private static Declarations declarations(ConfigBuild build) {
        return build.shared(Declarations.class, Declarations::new);
    }

    private static void healthCheck(DirectiveCall c) throws ConfigException {
        declarations(c.build()).checks.add(new Declared(HealthCheck.parse(c), c.frame().locationSet()));
    }

    private static void match(DirectiveCall c) throws ConfigException {
        Map<String, Match> matches = declarations(c.build()).matches;
        String name = c.arg(0);
        if (matches.containsKey(name)) {
            throw c.error("duplicate match \"" + name + "\"");
        }
        matches.put(name, Match.parse(name, c.block().directives()));
    }

    /** Each health_check's group and match, checked now that every *_pass knows its group. */
    @Override
    public void postConfiguration(ConfigBuild build) throws ConfigException {
        Declarations d = build.sharedOrNull(Declarations.class);
        if (d == null || d.checks.isEmpty()) {
            return;
        }
        List<HealthChecks.Target> targets = new ArrayList<>();
        for (Declared declared : d.checks) {
            HealthCheck check = declared.check();
            LocationPass pass = locationPass(declared.location(), check);
            Match match = Match.DEFAULT;
            if (check.match() != null) {
                match = d.matches.get(check.match());
                if (match == null) {
                    throw new ConfigException("unknown match \"" + check.match() + "\" in \"health_check\"",
                            check.where());
                }
            }
            targets.add(new HealthChecks.Target(check, match, pass, declared.location()));
        }
        HttpConfig.registry(build).addLiveTask(new HealthChecks(targets));
    }

    /** The location's pass to an upstream block, or the error that says why there is none. */
    private static LocationPass locationPass(ConfSet location, HealthCheck check) throws ConfigException {
        LocationPass pass = ProxyModule.locationPass(location);
        if (pass == null) {
            pass = UwsgiModule.locationPass(location);
        }
        if (pass == null) {
            throw new ConfigException("\"health_check\" requires \"proxy_pass\" or \"uwsgi_pass\" to an upstream"
                    + " block in the same location", check.where());
        }
        if (pass.group() == null) {
            throw new ConfigException("\"health_check\" cannot be used with \"" + pass.directive()
                    + "\" with variables", check.where());
        }
        if (!pass.namesBlock()) {
            throw new ConfigException("\"health_check\" requires \"" + pass.directive() + "\" to name an upstream"
                    + " block, not the address \"" + pass.target() + "\"", check.where());
        }
        return pass;
    }
}
