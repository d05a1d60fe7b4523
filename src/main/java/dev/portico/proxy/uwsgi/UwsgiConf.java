package dev.portico.proxy.uwsgi;

import dev.portico.config.ConfigException;
import dev.portico.proxy.UpstreamConf;
import dev.portico.proxy.UpstreamFamily;
import dev.portico.tls.UpstreamTls;
import java.util.List;

/**
 * The uwsgi module's location-level settings (ngx_http_uwsgi_loc_conf_t). Null means "not
 * set at this level"; {@link #merge} fills from the parent or nginx's default. uwsgi_pass is
 * not inherited by nested locations; the uwsgi_param list is, as a whole: a level with any
 * uwsgi_param of its own replaces its parent's list.
 */
final class UwsgiConf {

    UwsgiPass pass;
    List<UwsgiParam> params;
    Integer modifier1;
    Integer modifier2;
    /** The settings every upstream module has (timeouts, buffers, headers, retries ...). */
    final UpstreamConf upstream = new UpstreamConf();

    /** The protocol of this location's uwsgi_pass, built at the merge; null without one. */
    UwsgiProtocol protocol;
    /** TLS to the upstream for a suwsgi:// uwsgi_pass (or one with variables); null otherwise. */
    UpstreamTls tls;

    static void merge(UwsgiConf parent, UwsgiConf child) throws ConfigException {
        if (child.params == null) {
            child.params = parent.params;
        }
        child.modifier1 = child.modifier1 != null ? child.modifier1 : parent.modifier1 != null ? parent.modifier1 : 0;
        child.modifier2 = child.modifier2 != null ? child.modifier2 : parent.modifier2 != null ? parent.modifier2 : 0;
        child.upstream.merge(UpstreamFamily.UWSGI, parent.upstream);
        if (child.pass != null) {
            child.protocol = new UwsgiProtocol(new UwsgiSettings(child.params == null ? List.of() : child.params,
                    child.modifier1, child.modifier2, child.upstream.passRequestHeaders(),
                    child.upstream.bufferSize()));
            if (child.pass.secure || child.pass.template != null) {
                child.tls = child.upstream.tls();
            }
        }
    }
}
