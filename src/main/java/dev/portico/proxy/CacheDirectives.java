package dev.portico.proxy;

import static dev.portico.config.Contexts.HTTP_SERVER_LOCATION;

import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfigException;
import dev.portico.config.Contexts;
import dev.portico.config.Directive;
import dev.portico.config.Directive.Arity;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Values;
import dev.portico.config.syntax.SourceLocation;
import dev.portico.http.TempPaths;
import dev.portico.http.Template;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The *_cache directives of an upstream family (uwsgi_cache, uwsgi_cache_path ...), read
 * with nginx's arities, value parsers and messages so that a configuration written for nginx
 * loads, or fails where nginx fails. Nothing is cached yet: a *_cache that names a zone is
 * reported with a warning. *_cache_path's folder is created at start, as nginx creates it.
 * Checked once every level is read ({@link #check}): a *_cache zone that no *_cache_path
 * declares ("zone "X" is unknown").
 */
public final class CacheDirectives {

    private CacheDirectives() {
    }

    /** ngx_http_upstream_cache_method_mask. */
    private static final List<String> METHODS = List.of("GET", "HEAD", "POST");

    /** The uses of *_cache and the zones of *_cache_path in one configuration load, per family. */
    private static final class Declared {
        final Map<String, SourceLocation> zones = new HashMap<>();
        final List<Use> uses = new ArrayList<>();
        /** Where each level set a directive that may appear once, by level object and name. */
        final Map<Object, Set<String>> onceSet = new HashMap<>();
    }

    /** A *_cache naming a zone. */
    private record Use(String zone, SourceLocation where) {
    }

    private static Declared declared(ConfigBuild build, UpstreamFamily family) {
        return build.shared(FamilyMap.class, FamilyMap::new).computeIfAbsent(family.prefix(), p -> new Declared());
    }

    private static final class FamilyMap extends HashMap<String, Declared> {
    }

    /** The family's cache directives. */
    public static List<Directive> of(UpstreamFamily family) {
        String p = family.prefix();
        List<Directive> all = new ArrayList<>();
        all.add(Directive.of(p + "_cache_path", Contexts.HTTP, Arity.TWO_OR_MORE, c -> cachePath(c, family)));
        all.add(once(family, "_cache", c -> {
            String zone = c.arg(0);
            if (zone.equals("off")) {
                return;
            }
            if (zone.indexOf('$') >= 0) {
                Template.compile(c, 0);
            } else {
                declared(c.build(), family).uses.add(new Use(zone, c.where()));
            }
            c.warn("\"" + c.name() + "\" has no effect yet: portico does not cache responses");
        }));
        all.add(once(family, "_cache_key", c -> Template.compile(c, 0)));
        all.add(Directive.of(p + "_cache_bypass", HTTP_SERVER_LOCATION, Arity.ONE_OR_MORE, CacheDirectives::templates));
        all.add(Directive.of(p + "_no_cache", HTTP_SERVER_LOCATION, Arity.ONE_OR_MORE, CacheDirectives::templates));
        all.add(Directive.of(p + "_cache_valid", HTTP_SERVER_LOCATION, Arity.ONE_OR_MORE, CacheDirectives::valid));
        all.add(once(family, "_cache_min_uses", c -> {
            if (Values.number(c.arg(0)) < 0) {
                throw c.error("\"" + c.name() + "\" directive invalid number");
            }
        }));
        all.add(once(family, "_cache_max_range_offset", c -> c.offset(0)));
        all.add(Directive.of(p + "_cache_use_stale", HTTP_SERVER_LOCATION, Arity.ONE_OR_MORE,
                c -> Values.bitmask(c, null, List.copyOf(family.nextUpstreamWords()))));
        all.add(Directive.of(p + "_cache_methods", HTTP_SERVER_LOCATION, Arity.ONE_OR_MORE, c -> Values.bitmask(c, null, METHODS)));
        all.add(once(family, "_cache_lock", c -> c.flag(0)));
        all.add(once(family, "_cache_lock_timeout", c -> c.millis(0)));
        all.add(once(family, "_cache_lock_age", c -> c.millis(0)));
        all.add(once(family, "_cache_revalidate", c -> c.flag(0)));
        all.add(once(family, "_cache_background_update", c -> c.flag(0)));
        return List.copyOf(all);
    }

    /** A one-argument directive that a level may set once ("is duplicate" the second time). */
    private static Directive once(UpstreamFamily family, String suffix, Directive.Handler check) {
        String name = family.directive(suffix);
        return Directive.of(name, HTTP_SERVER_LOCATION, Arity.ONE, c -> {
            Set<String> set = declared(c.build(), family).onceSet.computeIfAbsent(c.frame(), f -> new HashSet<>());
            if (!set.add(name)) {
                throw c.duplicate();
            }
            check.apply(c);
        });
    }

    /** ngx_http_set_predicate_slot and ngx_http_no_cache_set_slot: values with variables. */
    private static void templates(DirectiveCall c) throws ConfigException {
        for (int i = 0; i < c.argCount(); i++) {
            Template.compile(c, i);
        }
    }

    /** ngx_http_file_cache_valid_set_slot: [code ... | any] time. */
    private static void valid(DirectiveCall c) throws ConfigException {
        int last = c.argCount() - 1;
        if (Values.seconds(c.arg(last)) < 0) {
            throw c.error("invalid time value \"" + c.arg(last) + "\"");
        }
        for (int i = 0; i < last; i++) {
            if (c.arg(i).equals("any")) {
                continue;
            }
            long status = Values.number(c.arg(i));
            if (status < 100 || status > 599) {
                throw c.error("invalid status \"" + c.arg(i) + "\"");
            }
        }
    }

    /** ngx_http_file_cache_set_slot: path [levels=] [use_temp_path=] keys_zone=name:size [inactive=] .... */
    private static void cachePath(DirectiveCall c, UpstreamFamily family) throws ConfigException {
        String zone = null;
        for (int i = 1; i < c.argCount(); i++) {
            String v = c.arg(i);
            if (v.startsWith("levels=")) {
                levels(c, v);
            } else if (v.startsWith("use_temp_path=")) {
                String flag = v.substring(14);
                if (!flag.equals("on") && !flag.equals("off")) {
                    throw c.error("invalid use_temp_path value \"" + v + "\", it must be \"on\" or \"off\"");
                }
            } else if (v.startsWith("keys_zone=")) {
                int colon = v.indexOf(':');
                long size = colon < 0 ? -1 : Values.size(v.substring(colon + 1));
                if (size < 0) {
                    throw c.error("invalid keys zone size \"" + v + "\"");
                }
                if (size < 2 * 4096) {
                    throw c.error("keys zone \"" + v + "\" is too small");
                }
                zone = v.substring(10, colon);
            } else if (v.startsWith("inactive=")) {
                check(c, v, Values.seconds(v.substring(9)), "inactive");
            } else if (v.startsWith("max_size=")) {
                check(c, v, Values.offset(v.substring(9)), "max_size");
            } else if (v.startsWith("min_free=")) {
                check(c, v, Values.offset(v.substring(9)), "min_free");
            } else if (v.startsWith("loader_files=") || v.startsWith("manager_files=")) {
                int eq = v.indexOf('=');
                check(c, v, Values.number(v.substring(eq + 1)), v.substring(0, eq));
            } else if (v.startsWith("loader_sleep=") || v.startsWith("loader_threshold=")
                    || v.startsWith("manager_sleep=") || v.startsWith("manager_threshold=")) {
                int eq = v.indexOf('=');
                check(c, v, Values.millis(v.substring(eq + 1)), v.substring(0, eq));
            } else {
                throw c.error("invalid parameter \"" + v + "\"");
            }
        }
        if (zone == null || zone.isEmpty()) {
            throw c.error("\"" + c.name() + "\" must have \"keys_zone\" parameter");
        }
        if (declared(c.build(), family).zones.putIfAbsent(zone, c.where()) != null) {
            throw c.error("duplicate zone \"" + zone + "\"");
        }
        String path = c.arg(0).endsWith("/") && c.arg(0).length() > 1
                ? c.arg(0).substring(0, c.arg(0).length() - 1) : c.arg(0);
        TempPaths.of(c.build()).add(c.build().resolve(path));
    }

    private static void check(DirectiveCall c, String v, long value, String what) throws ConfigException {
        if (value < 0) {
            throw c.error("invalid " + what + " value \"" + v + "\"");
        }
    }

    /** "levels=1:2": up to three levels of 1 or 2 characters, colon-separated. */
    private static void levels(DirectiveCall c, String v) throws ConfigException {
        String[] parts = v.substring(7).split(":", -1);
        boolean ok = parts.length <= 3;
        for (String part : parts) {
            ok &= part.equals("1") || part.equals("2");
        }
        if (!ok) {
            throw c.error("invalid \"levels\" \"" + v + "\"");
        }
    }

    /**
     * After every block is read: each *_cache zone must be declared by a *_cache_path of the
     * same family, as nginx's merge checks ("zone "X" is unknown").
     */
    public static void check(ConfigBuild build, UpstreamFamily family) throws ConfigException {
        Declared d = declared(build, family);
        for (Use use : d.uses) {
            if (!d.zones.containsKey(use.zone())) {
                throw new ConfigException("\"" + family.directive("_cache") + "\" zone \"" + use.zone()
                        + "\" is unknown", use.where());
            }
        }
    }
}
