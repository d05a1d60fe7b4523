package dev.portico.status;

import dev.portico.balancer.Upstreams;
import dev.portico.config.Contexts;
import dev.portico.config.Directive;
import dev.portico.config.Directive.Arity;
import dev.portico.config.Module;
import dev.portico.http.ConnectionCounters;
import dev.portico.http.HttpCoreConf;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.VariableTable;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Status endpoints. {@code stub_status} is nginx's ngx_http_stub_status_module: the
 * location's (or the server's) content handler becomes the basic status page, and
 * {@code $connections_active}, {@code _reading}, {@code _writing}, {@code _waiting} are
 * available everywhere. {@code portico_status} is Portico's own: the same counters and
 * the upstream peers' state as JSON.
 */
public final class StatusModule implements Module {

    static {
        variable("connections_active", ConnectionCounters.Totals::active);
        variable("connections_reading", ConnectionCounters.Totals::reading);
        variable("connections_writing", ConnectionCounters.Totals::writing);
        variable("connections_waiting", ConnectionCounters.Totals::waiting);
    }

    private static void variable(String name, ToLongFunction<ConnectionCounters.Totals> value) {
        VariableTable.registerBuiltin(name, x -> Long.toString(value.applyAsLong(StubStatus.totals())));
    }

    @Override
    public String name() {
        return "http_stub_status";
    }

    @Override
    public List<Directive> directives() {
        return List.of(
                // nginx 1.7.5 takes no argument; older configurations say "stub_status on". nginx
                // accepts any one argument and ignores it, and so does this.
                Directive.of("stub_status", Contexts.SERVER_LOCATION, Arity.between(0, 1),
                        c -> c.conf(HttpCoreModule.CORE).setHandler(StubStatus::handle)),
                Directive.of("portico_status", Contexts.LOCATION, Arity.NONE, c -> {
                    HttpCoreConf core = c.conf(HttpCoreModule.CORE);
                    if (core.handler() instanceof PorticoStatus) {
                        throw c.duplicate();
                    }
                    core.setHandler(new PorticoStatus(Upstreams.of(c.build())));
                }));
    }

    @Override
    public List<String> configureArguments() {
        return List.of("--with-http_stub_status_module");
    }
}
