package dev.portico.proxy.uwsgi;

import dev.portico.balancer.UpstreamGroup;
import dev.portico.config.syntax.SourceLocation;
import dev.portico.http.HttpExchange;
import dev.portico.http.RequestProcessor;
import dev.portico.http.Template;
import dev.portico.log.LogLevel;
import dev.portico.proxy.PassGroups;

/**
 * One uwsgi_pass: a literal address, whose group is found once the whole configuration is
 * read (an upstream block may follow the location that names it), or a {@link #template}
 * with variables, rendered and looked up per request as nginx's ngx_http_uwsgi_eval and
 * ngx_http_upstream_init_request do.
 */
final class UwsgiPass {

    /** The literal address, or null for a template. */
    final UwsgiAddress address;
    /** A literal suwsgi:// address: TLS to the upstream. */
    final boolean secure;
    final Template template;
    final SourceLocation where;
    final int sequence;
    final PassGroups groups;
    UpstreamGroup group;

    private UwsgiPass(UwsgiAddress address, boolean secure, Template template, SourceLocation where, int sequence,
                      PassGroups groups) {
        this.address = address;
        this.secure = secure;
        this.template = template;
        this.where = where;
        this.sequence = sequence;
        this.groups = groups;
    }

    static UwsgiPass literal(UwsgiAddress address, boolean secure, SourceLocation where, PassGroups groups) {
        UwsgiPass pass = new UwsgiPass(address, secure, null, where, groups.nextSequence(), groups);
        if (address.unix()) {
            pass.group = groups.unix(address.host());
        }
        return pass;
    }

    static UwsgiPass withVariables(Template template, SourceLocation where, PassGroups groups) {
        return new UwsgiPass(null, false, template, where, 0, groups);
    }

    /** "uwsgi://" (any case) in front of an address is optional; nginx strips it when longer. */
    static String withoutScheme(String url) {
        return url.length() > 8 && url.regionMatches(true, 0, "uwsgi://", 0, 8) ? url.substring(8) : url;
    }

    /** "suwsgi://" (any case) in front of an address: uwsgi over TLS. */
    static boolean secure(String url) {
        return url.length() > 9 && url.regionMatches(true, 0, "suwsgi://", 0, 9);
    }

    /** One request's upstream: its group, whether it goes over TLS (suwsgi://), and the host for TLS's name. */
    record Target(UpstreamGroup group, boolean secure, String host) {
    }

    /**
     * This request's upstream, or null when the request was answered instead: 500 for an
     * address that does not parse or has no port, 502 for a name that would need a resolver
     * (Portico has none), each with nginx's error-log line.
     */
    Target target(HttpExchange x) {
        if (template == null) {
            return new Target(group, secure, address.host());
        }
        String url = template.render(x);
        boolean tls = secure(url);
        String rest = tls ? url.substring(9) : withoutScheme(url);
        UwsgiAddress a;
        try {
            a = UwsgiAddress.parse(rest);
        } catch (UwsgiAddress.BadAddress e) {
            return refuse(x, 500, e.getMessage() + " in upstream \"" + rest + "\"");
        }
        if (a.port() < 0 && !a.unix()) {
            UpstreamGroup block = groups.block(a.host());
            return block != null ? new Target(block, tls, a.host())
                    : refuse(x, 500, "no port in upstream \"" + a.host() + "\"");
        }
        UpstreamGroup found = groups.atRequest(a.host(), a.unix() ? 0 : a.port(), false, a.unix());
        return found != null ? new Target(found, tls, a.host())
                : refuse(x, 502, "no resolver defined to resolve " + a.host());
    }

    private static Target refuse(HttpExchange x, int status, String message) {
        RequestProcessor.logError(x, LogLevel.ERROR, message);
        RequestProcessor.finish(x, status);
        return null;
    }
}
