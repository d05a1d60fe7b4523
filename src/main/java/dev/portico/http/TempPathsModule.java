package dev.portico.http;

import static dev.portico.config.Contexts.HTTP_SERVER_LOCATION;

import dev.portico.config.Directive;
import dev.portico.config.Directive.Arity;
import dev.portico.config.Module;
import java.util.List;

/**
 * The temporary-file folders of the upstream protocols not built yet (fastcgi,
 * scgi). Their folders are created at start-up like client_body_temp_path's;
 * each protocol module takes its directive over when it is built (proxy_temp_path
 * and uwsgi_temp_path are declared with the other upstream directives, by
 * dev.portico.proxy.UpstreamDirectives).
 */
public final class TempPathsModule implements Module {

    @Override
    public String name() {
        return "http_temp_paths";
    }

    @Override
    public List<Directive> directives() {
        return List.of(
                Directive.of("fastcgi_temp_path", HTTP_SERVER_LOCATION, Arity.between(1, 4), TempPaths::declare),
                Directive.of("scgi_temp_path", HTTP_SERVER_LOCATION, Arity.between(1, 4), TempPaths::declare));
    }
}
