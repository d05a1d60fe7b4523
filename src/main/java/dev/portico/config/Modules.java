package dev.portico.config;

import dev.portico.core.CoreModule;
import dev.portico.files.AutoindexModule;
import dev.portico.files.FilesModule;
import dev.portico.files.IndexModule;
import dev.portico.filter.headers.HeadersModule;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.TempPathsModule;
import dev.portico.http.map.MapModule;
import dev.portico.http.rewrite.RewriteModule;
import dev.portico.log.AccessLogModule;
import dev.portico.log.ErrorLogModule;
import java.util.List;

/**
 * Every module, in the order that decides phase-handler and filter order, as
 * nginx's module list does. A module not listed here does not exist.
 */
public final class Modules {

    public static final List<Module> ALL = List.of(
            new CoreModule(),
            new ErrorLogModule(),
            new HttpCoreModule(),
            // Before the rewrite module: its server-rewrite handler makes nginx's TLS checks first.
            new dev.portico.tls.SslModule(),
            new dev.portico.http2.Http2Module(),
            new HeadersModule(),
            new AccessLogModule(),
            new RewriteModule(),
            new MapModule(),
            // Content handlers run in list order: index, then autoindex, then the static
            // file handler, the order in which nginx's content phase tries them.
            new IndexModule(),
            new AutoindexModule(),
            new FilesModule(),
            new dev.portico.status.StatusModule(),
            new dev.portico.balancer.UpstreamModule(),
            new dev.portico.proxy.http.ProxyModule(),
            new dev.portico.proxy.uwsgi.UwsgiModule(),
            // After the modules whose *_pass it checks: their groups are known by its post-configuration.
            new dev.portico.health.HealthCheckModule(),
            new TempPathsModule()
    );

    private Modules() {
    }
}
