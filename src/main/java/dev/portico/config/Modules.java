package dev.portico.config;

import dev.portico.core.CoreModule;
import dev.portico.filter.headers.HeadersModule;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.TempPathsModule;
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
            new HeadersModule(),
            new AccessLogModule(),
            new TempPathsModule()
    );

    private Modules() {
    }
}
