package dev.portico.proxy;

import dev.portico.http.HttpExchange;
import dev.portico.http.Variable;
import dev.portico.http.VariableTable;
import java.util.function.Function;

/** The $upstream_* variables, read from the request's {@link UpstreamRequest}; not found when not proxied. */
public final class UpstreamVariables {

    private UpstreamVariables() {
    }

    public static void register() {
        builtin("upstream_addr", UpstreamRequest::address);
        builtin("upstream_status", UpstreamRequest::statusText);
        builtin("upstream_connect_time", UpstreamRequest::connectTime);
        builtin("upstream_header_time", UpstreamRequest::headerTime);
        builtin("upstream_response_time", UpstreamRequest::responseTime);
        builtin("upstream_response_length", UpstreamRequest::responseLength);
        // No cache yet (the *_cache directives are read, not applied): never a cache status.
        VariableTable.registerBuiltin("upstream_cache_status", x -> null);
        VariableTable.registerPrefix("upstream_http_", suffix -> {
            String header = suffix.replace('_', '-');
            return x -> x.upstream() instanceof UpstreamRequest u ? u.upstreamHeader(header) : null;
        });
    }

    private static void builtin(String name, Function<UpstreamRequest, String> value) {
        Variable v = (HttpExchange x) -> x.upstream() instanceof UpstreamRequest u ? value.apply(u) : null;
        VariableTable.registerBuiltin(name, v);
    }
}
