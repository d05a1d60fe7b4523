package dev.portico.files;

import dev.portico.config.ConfKey;
import dev.portico.config.ConfLevel;
import dev.portico.config.ConfSet;
import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfigException;
import dev.portico.config.Contexts;
import dev.portico.config.Directive;
import dev.portico.config.Directive.Arity;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Module;
import dev.portico.config.Slots;
import dev.portico.config.Values;
import dev.portico.http.Flow;
import dev.portico.http.HttpConfig;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.HttpExchange;
import dev.portico.http.Location;
import dev.portico.http.Phase;
import dev.portico.http.RequestProcessor;
import dev.portico.http.Template;
import dev.portico.http.VariableTable;
import dev.portico.log.LogLevel;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Static files (ngx_http_static_module with the file directives of nginx's
 * http core): root, alias, try_files, etag, if_modified_since, max_ranges,
 * the open-file tuning directives, and the $document_root, $realpath_root and
 * $request_filename variables.
 *
 * <p>Content handlers run in module order; this module's come after those of
 * {@link IndexModule} and {@link AutoindexModule}, which is the order nginx's
 * content phase reaches them in (index, autoindex, static).
 *
 * <p>open_file_cache, open_file_cache_valid, open_file_cache_min_uses,
 * open_file_cache_errors and open_file_cache_events are read and checked as
 * nginx does, and have no further effect: every request does its own stat()
 * and open(), which is what nginx does with the cache off. disable_symlinks,
 * directio and aio accept "off" only; other values are reported as not
 * supported rather than silently ignored.
 */
public final class FilesModule implements Module {

    public static final ConfKey<FilesConf> FILES =
            ConfKey.of("http_static", ConfLevel.LOCATION, FilesConf::new, FilesConf::merge);

    static {
        VariableTable.registerBuiltin("document_root", DocumentRoot::documentRoot);
        VariableTable.registerBuiltin("realpath_root", DocumentRoot::realpathRoot);
        VariableTable.registerBuiltin("request_filename", DocumentRoot::requestFilename);
    }

    @Override
    public String name() {
        return "http_static";
    }

    @Override
    public List<Directive> directives() {
        return List.of(
                Directive.of("root", Contexts.HTTP_SERVER_LOCATION_IF, Arity.ONE, FilesModule::root),
                Directive.of("alias", Contexts.LOCATION, Arity.ONE, FilesModule::root),
                Directive.of("try_files", Contexts.SERVER_LOCATION, Arity.TWO_OR_MORE, TryFiles::directive),
                flag("etag", (conf, v) -> conf.etag = v, conf -> conf.etag),
                Directive.of("if_modified_since", Contexts.HTTP_SERVER_LOCATION, Arity.ONE, c -> {
                    FilesConf conf = c.conf(FILES);
                    if (conf.ifModifiedSince != null) {
                        throw c.duplicate();
                    }
                    conf.ifModifiedSince = switch (c.arg(0)) {
                        case "off" -> ConditionalRequest.IfModifiedSince.OFF;
                        case "exact" -> ConditionalRequest.IfModifiedSince.EXACT;
                        case "before" -> ConditionalRequest.IfModifiedSince.BEFORE;
                        default -> throw c.error("invalid value \"" + c.arg(0) + "\"");
                    };
                }),
                Slots.slot("max_ranges", Contexts.HTTP_SERVER_LOCATION, FILES, c -> c.maxRanges, (c, v) -> c.maxRanges = v, FilesModule::number),
                Directive.of("open_file_cache", Contexts.HTTP_SERVER_LOCATION, Arity.ONE_OR_TWO,
                        FilesModule::openFileCache),
                Slots.slot("open_file_cache_valid", Contexts.HTTP_SERVER_LOCATION, FILES, c -> c.openFileCacheValid, (c, v) -> c.openFileCacheValid = v, c -> c.seconds(0)),
                Slots.slot("open_file_cache_min_uses", Contexts.HTTP_SERVER_LOCATION, FILES, c -> c.openFileCacheMinUses, (c, v) -> c.openFileCacheMinUses = v, FilesModule::number),
                flag("open_file_cache_errors", (conf, v) -> conf.openFileCacheErrors = v,
                        conf -> conf.openFileCacheErrors),
                flag("open_file_cache_events", (conf, v) -> conf.openFileCacheEvents = v,
                        conf -> conf.openFileCacheEvents),
                Directive.of("disable_symlinks", Contexts.HTTP_SERVER_LOCATION, Arity.ONE_OR_TWO,
                        FilesModule::disableSymlinks),
                Directive.of("directio", Contexts.HTTP_SERVER_LOCATION, Arity.ONE, c -> {
                    FilesConf conf = c.conf(FILES);
                    if (conf.directioSet != null) {
                        throw c.duplicate();
                    }
                    if (!c.arg(0).equals("off")) {
                        c.offset(0);
                        throw c.error("\"directio " + c.arg(0) + "\" is not supported by portico, only \"off\"");
                    }
                    conf.directioSet = true;
                }),
                Directive.of("aio", Contexts.HTTP_SERVER_LOCATION, Arity.ONE, c -> {
                    FilesConf conf = c.conf(FILES);
                    if (conf.aioSet != null) {
                        throw c.duplicate();
                    }
                    String v = c.arg(0);
                    if (v.equals("off")) {
                        conf.aioSet = true;
                        return;
                    }
                    if (v.equals("on") || v.equals("threads") || v.startsWith("threads=")) {
                        throw c.error("\"aio " + v + "\" is not supported by portico, only \"off\"");
                    }
                    throw c.error("invalid value \"" + v + "\" in \"aio\" directive");
                }));
    }

    private static Directive flag(String name, BiConsumer<FilesConf, Boolean> set, Function<FilesConf, Boolean> get) {
        return Directive.of(name, Contexts.HTTP_SERVER_LOCATION, Arity.ONE, c -> {
            FilesConf conf = c.conf(FILES);
            if (get.apply(conf) != null) {
                throw c.duplicate();
            }
            set.accept(conf, c.flag(0));
        });
    }

    /** ngx_conf_set_num_slot: a non-negative number, else "invalid number". */
    private static int number(DirectiveCall c) throws ConfigException {
        long v = Values.number(c.arg(0));
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw c.error("\"" + c.name() + "\" directive invalid number");
        }
        return (int) v;
    }

    /** root and alias, as ngx_http_core_root. */
    private static void root(DirectiveCall c) throws ConfigException {
        FilesConf conf = c.conf(FILES);
        boolean alias = c.name().equals("alias");
        if (conf.root != null) {
            if ((conf.alias != 0) == alias) {
                throw c.duplicate();
            }
            throw c.error("\"" + c.name() + "\" directive is duplicate, \""
                    + (conf.alias != 0 ? "alias" : "root") + "\" directive was specified earlier");
        }
        HttpCoreModule.LocationBlock location = c.frame().state() instanceof HttpCoreModule.LocationBlock b ? b : null;
        if (alias && location != null && location.match() == Location.Match.NAMED) {
            throw c.error("the \"alias\" directive cannot be used inside the named location");
        }
        String value = c.arg(0);
        for (String variable : new String[] {"document_root", "realpath_root"}) {
            if (value.contains("$" + variable) || value.contains("${" + variable + "}")) {
                throw c.error("the $" + variable + " variable cannot be used in the \"" + c.name() + "\" directive");
            }
        }
        if (!alias && value.length() > 0 && value.endsWith("/")) {
            value = value.substring(0, value.length() - 1);
        }
        boolean regex = location != null
                && (location.match() == Location.Match.REGEX || location.match() == Location.Match.REGEX_CASELESS);
        if (alias) {
            conf.alias = regex ? FilesConf.ALIAS_REGEX : Math.max(1, location == null ? 1 : location.name().length());
        } else {
            conf.alias = 0;
        }
        boolean variables = value.indexOf('$') >= 0;
        conf.rootHasDotSegments = DocumentRoot.hasDotSegment(value, 0);
        if (!value.startsWith("$")) {
            value = DocumentRoot.fullName(c.build().prefix().toString(), value);
        }
        conf.root = value;
        conf.prefix = c.build().prefix().toString();
        if (variables || conf.alias == FilesConf.ALIAS_REGEX) {
            conf.rootTemplate = Template.compile(value, VariableTable.of(c.build()), c.where());
        }
    }

    /** open_file_cache off | max=N [inactive=time]: checked as nginx does; the cache itself is not kept. */
    private static void openFileCache(DirectiveCall c) throws ConfigException {
        FilesConf conf = c.conf(FILES);
        if (conf.openFileCacheSet != null) {
            throw c.duplicate();
        }
        boolean off = false;
        long max = 0;
        for (String value : c.args()) {
            if (value.startsWith("max=")) {
                max = Values.number(value.substring(4));
                if (max <= 0) {
                    throw c.error("invalid \"open_file_cache\" parameter \"" + value + "\"");
                }
                continue;
            }
            if (value.startsWith("inactive=")) {
                if (Values.seconds(value.substring(9)) < 0) {
                    throw c.error("invalid \"open_file_cache\" parameter \"" + value + "\"");
                }
                continue;
            }
            if (value.equals("off")) {
                off = true;
                continue;
            }
            throw c.error("invalid \"open_file_cache\" parameter \"" + value + "\"");
        }
        conf.openFileCacheSet = true;
        if (!off && max == 0) {
            throw c.error("\"open_file_cache\" must have the \"max\" parameter");
        }
    }

    /** disable_symlinks: nginx's syntax is checked; only "off" is supported. */
    private static void disableSymlinks(DirectiveCall c) throws ConfigException {
        FilesConf conf = c.conf(FILES);
        if (conf.disableSymlinksSet != null) {
            throw c.duplicate();
        }
        String mode = null;
        boolean from = false;
        for (String value : c.args()) {
            if (value.equals("off") || value.equals("on") || value.equals("if_not_owner")) {
                mode = value;
                continue;
            }
            if (value.startsWith("from=")) {
                from = true;
                continue;
            }
            throw c.error("invalid parameter \"" + value + "\"");
        }
        if (mode == null) {
            throw c.error("\"disable_symlinks\" must have \"off\", \"on\" or \"if_not_owner\" parameter");
        }
        if (c.argCount() == 2 && !from) {
            throw c.error("duplicate parameters \"" + c.arg(0) + " " + c.arg(1) + "\"");
        }
        if (from && mode.equals("off")) {
            throw c.error("\"from=\" cannot be used with \"off\" parameter");
        }
        if (!mode.equals("off")) {
            throw c.error("\"disable_symlinks " + mode + "\" is not supported by portico, only \"off\"");
        }
        conf.disableSymlinksSet = true;
    }

    @Override
    public void postConfiguration(ConfigBuild build) {
        String html = DocumentRoot.fullName(build.prefix().toString(), "html");
        for (ConfSet set : HttpCoreModule.locationConfs(build)) {
            FilesConf conf = set.get(FILES);
            if (conf.root == FilesConf.DEFAULT_ROOT_PENDING) {
                conf.root = html;
                conf.prefix = build.prefix().toString();
            }
        }
        HttpConfig.Registry registry = HttpConfig.registry(build);
        registry.add(Phase.PRE_CONTENT, TryFiles::handle);
        registry.add(Phase.CONTENT, StaticHandler::handle);
        registry.add(Phase.CONTENT, FilesModule::directoryIndexForbidden);
    }

    /**
     * The end of nginx's content phase for a URI ending in "/" that no handler
     * took (no index file, no autoindex): 403 with "directory index of ... is
     * forbidden".
     */
    static Flow directoryIndexForbidden(HttpExchange x) {
        if (!x.uri().endsWith("/")) {
            return Flow.NEXT;
        }
        DocumentRoot.Mapped mapped = DocumentRoot.map(x);
        if (mapped != null) {
            RequestProcessor.logError(x, LogLevel.ERROR, "directory index of \"" + mapped.path() + "\" is forbidden");
        }
        RequestProcessor.finish(x, 403);
        return Flow.DONE;
    }
}
