package dev.portico.filter.headers;

import dev.portico.config.ConfKey;
import dev.portico.config.ConfLevel;
import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfigException;
import dev.portico.config.Contexts;
import dev.portico.config.Directive;
import dev.portico.config.Directive.Arity;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Module;
import dev.portico.files.HttpDates;
import dev.portico.http.HeaderNames;
import dev.portico.http.HttpConfig;
import dev.portico.http.HttpExchange;
import dev.portico.http.Template;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * nginx's ngx_http_headers_filter_module: {@code add_header} and {@code expires}.
 * A level with any add_header of its own does not inherit its parent's; the
 * headers are added to successful and redirect responses only, unless
 * {@code always} is given.
 */
public final class HeadersModule implements Module {

    /** How an add_header value lands, as nginx's ngx_http_set_headers table. */
    enum Kind {
        /** Another header line; an empty value adds nothing. */
        ADD,
        /** Last-Modified and ETag: replace the response's own; an empty value removes it. */
        REPLACE
    }

    /** One add_header. */
    record HeaderValue(String name, Template value, Kind kind, boolean always) {
    }

    /** The location-level configuration; null fields are unset until merged. */
    static final class HeadersConf {
        List<HeaderValue> headers;
        Expires expires;

        static void merge(HeadersConf parent, HeadersConf child) {
            if (child.expires == null) {
                child.expires = parent.expires != null ? parent.expires : Expires.OFF;
            }
            if (child.headers == null) {
                child.headers = parent.headers;
            }
        }
    }

    public static final ConfKey<HeadersConf> HEADERS =
            ConfKey.of("http_headers", ConfLevel.LOCATION, HeadersConf::new, HeadersConf::merge);

    @Override
    public String name() {
        return "http_headers";
    }

    @Override
    public List<Directive> directives() {
        return List.of(
                Directive.of("add_header", Contexts.HTTP_SERVER_LOCATION_IF, Arity.TWO_OR_THREE,
                        HeadersModule::addHeader),
                Directive.of("expires", Contexts.HTTP_SERVER_LOCATION_IF, Arity.ONE_OR_TWO,
                        HeadersModule::expires));
    }

    private static void addHeader(DirectiveCall c) throws ConfigException {
        HeadersConf conf = c.conf(HEADERS);
        String name = c.arg(0);
        Kind kind = name.equalsIgnoreCase("Last-Modified") || name.equalsIgnoreCase("ETag") ? Kind.REPLACE : Kind.ADD;
        Template value = c.arg(1).isEmpty() ? Template.literal("") : Template.compile(c, 1);
        boolean always = false;
        if (c.argCount() == 3) {
            if (!c.arg(2).equals("always")) {
                throw c.error("invalid parameter \"" + c.arg(2) + "\"");
            }
            always = true;
        }
        List<HeaderValue> headers = conf.headers == null ? new ArrayList<>() : new ArrayList<>(conf.headers);
        headers.add(new HeaderValue(name, value, kind, always));
        conf.headers = List.copyOf(headers);
    }

    private static void expires(DirectiveCall c) throws ConfigException {
        HeadersConf conf = c.conf(HEADERS);
        if (conf.expires != null) {
            throw c.duplicate();
        }
        boolean modified = false;
        int n = 0;
        if (c.argCount() == 2) {
            if (!c.arg(0).equals("modified")) {
                throw c.error("\"expires\" directive invalid value");
            }
            modified = true;
            n = 1;
        }
        String text = c.arg(n);
        if (text.indexOf('$') >= 0) {
            conf.expires = new Expires(modified ? Expires.Type.MODIFIED : Expires.Type.ACCESS, 0,
                    Template.compile(c, n));
            return;
        }
        try {
            conf.expires = Expires.parse(text, modified);
        } catch (Expires.InvalidExpiresException e) {
            throw c.error("\"expires\" directive " + e.getMessage());
        }
    }

    @Override
    public void postConfiguration(ConfigBuild build) {
        HttpConfig.registry(build).addHeaderFilter(HeadersModule::filter);
    }

    /** nginx's "safe" statuses: add_header without always and expires apply to these only. */
    static boolean safeStatus(int status) {
        return switch (status) {
            case 200, 201, 204, 206, 301, 302, 303, 304, 307, 308 -> true;
            default -> false;
        };
    }

    static void filter(HttpExchange x, HttpResponse response) {
        if (x.conf() == null) {
            return;
        }
        HeadersConf conf = x.conf().get(HEADERS);
        if (conf == null || (conf.expires == null || conf.expires.type() == Expires.Type.OFF)
                && conf.headers == null) {
            return;
        }
        boolean safe = safeStatus(response.status().code());
        HttpHeaders headers = response.headers();
        if (safe && conf.expires != null && conf.expires.type() != Expires.Type.OFF) {
            Expires expires = conf.expires;
            if (expires.value() != null) {
                try {
                    expires = Expires.parse(expires.value().render(x), expires.type() == Expires.Type.MODIFIED);
                } catch (Expires.InvalidExpiresException e) {
                    expires = Expires.OFF;
                }
            }
            if (expires.type() != Expires.Type.OFF) {
                long lastModified = lastModifiedSeconds(headers);
                expires.apply(headers, System.currentTimeMillis() / 1000, lastModified, conf.expires.time() < 0);
            }
        }
        if (conf.headers == null) {
            return;
        }
        for (HeaderValue h : conf.headers) {
            if (!safe && !h.always()) {
                continue;
            }
            String value = sanitize(h.value().render(x));
            switch (h.kind()) {
                case ADD -> {
                    if (!value.isEmpty()) {
                        headers.add(h.name(), value);
                    }
                }
                case REPLACE -> {
                    if (value.isEmpty()) {
                        headers.remove(h.name());
                    } else {
                        headers.set(h.name(), value);
                    }
                }
            }
        }
    }

    private static long lastModifiedSeconds(HttpHeaders headers) {
        String lm = headers.get(HeaderNames.LAST_MODIFIED);
        if (lm == null) {
            return -1;
        }
        return HttpDates.parse(lm);
    }

    /** NUL, CR and LF become spaces, as ngx_http_sanitize_header_value. */
    static String sanitize(String value) {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch == 0 || ch == '\r' || ch == '\n') {
                char[] chars = value.toCharArray();
                for (int j = i; j < chars.length; j++) {
                    if (chars[j] == 0 || chars[j] == '\r' || chars[j] == '\n') {
                        chars[j] = ' ';
                    }
                }
                return new String(chars);
            }
        }
        return value;
    }
}
