package dev.portico.proxy.http;

import dev.portico.http.Template;
import dev.portico.proxy.UpstreamConf;
import dev.portico.proxy.UpstreamFamily;
import dev.portico.tls.UpstreamTls;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The proxy module's location-level settings (ngx_http_proxy_loc_conf_t).
 * Null means "not set at this level"; {@link #merge} fills from the parent or
 * nginx's default. proxy_pass itself is not inherited by nested locations.
 */
final class ProxyConf {

    /**
     * One header sent to the upstream; its value is rendered per request, empty means "not sent".
     * {@code constant} is the value when it has no variables, else null.
     */
    record HeaderSetting(String name, dev.portico.http.Variable value, String constant) {
    }

    /** One proxy_redirect rule; {@link #DEFAULT} stands for "proxy_redirect default". */
    record Redirect(Template from, Template to) {
        static final Redirect DEFAULT = new Redirect(null, null);
    }

    ProxyPass pass;
    List<HeaderSetting> setHeaders;
    Integer httpVersion;
    List<Redirect> redirects;
    /** The settings every upstream module has (timeouts, buffers, headers, retries ...). */
    final UpstreamConf upstream = new UpstreamConf();

    /** Lower-case names of setHeaders, after the merge: client headers of these names are not passed. */
    Set<String> setHeaderNames;

    static void merge(ProxyConf parent, ProxyConf child) throws dev.portico.config.ConfigException {
        if (child.setHeaders == null) {
            child.setHeaders = parent.setHeaders;
        }
        child.httpVersion = child.httpVersion != null ? child.httpVersion
                : parent.httpVersion != null ? parent.httpVersion : 10;
        if (child.redirects == null) {
            child.redirects = parent.redirects;
        }
        child.upstream.merge(UpstreamFamily.PROXY, parent.upstream);
        child.finish();
        // As nginx's plcf->ssl: a proxy_pass that is https, or may be (variables), builds its TLS now.
        if (child.pass != null && (child.pass.https || child.pass.hasVariables())) {
            child.tls = child.upstream.tls();
        }
    }

    /** TLS to the upstream for an https proxy_pass (or one with variables); null otherwise. */
    UpstreamTls tls;

    /** Derived values, computed once per level after the merge. */
    private void finish() {
        List<HeaderSetting> all = new ArrayList<>(setHeaders == null ? List.of() : setHeaders);
        Set<String> names = new HashSet<>();
        for (HeaderSetting s : all) {
            names.add(s.name().toLowerCase(Locale.ROOT));
        }
        // nginx's defaults come after the configured headers unless those name them.
        if (!names.contains("host")) {
            all.add(new HeaderSetting("Host", ProxyModule::proxyHost, null));
        }
        if (!names.contains("connection")) {
            all.add(new HeaderSetting("Connection", x -> "close", "close"));
        }
        effectiveHeaders = List.copyOf(all);
        names.add("host");
        names.add("connection");
        setHeaderNames = dev.portico.http.HeaderNames.anyCase(names);
        protocol = pass == null ? null : new HttpProxyProtocol(this);
    }

    /** The HTTP protocol of this location's proxy_pass; null without one. */
    HttpProxyProtocol protocol;

    /** setHeaders with nginx's Host and Connection defaults added, in the order they are sent. */
    List<HeaderSetting> effectiveHeaders;

    /** The proxy_redirect rules in force: "default" when none was configured anywhere. */
    List<Redirect> redirectRules() {
        return redirects == null ? List.of(Redirect.DEFAULT) : redirects;
    }
}
