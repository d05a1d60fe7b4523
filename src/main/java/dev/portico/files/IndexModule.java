package dev.portico.files;

import dev.portico.config.ConfKey;
import dev.portico.config.ConfLevel;
import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfigException;
import dev.portico.config.Contexts;
import dev.portico.config.Directive;
import dev.portico.config.Directive.Arity;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Module;
import dev.portico.http.Flow;
import dev.portico.http.HttpConfig;
import dev.portico.http.HttpCoreConf;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.HttpExchange;
import dev.portico.http.Phase;
import dev.portico.http.RequestProcessor;
import dev.portico.http.Template;
import dev.portico.http.VariableTable;
import dev.portico.log.LogLevel;
import java.util.ArrayList;
import java.util.List;

/**
 * The index module (ngx_http_index_module): for a URI ending in "/", the first
 * index file that exists is served through an internal redirect to URI + name;
 * a name starting with "/" is redirected to without a check.
 */
public final class IndexModule implements Module {

    /** One name of the index directive, compiled when it has variables. */
    record Index(String name, Template template) {
        String render(HttpExchange x) {
            return template == null ? name : template.render(x);
        }
    }

    /** The index names in force; null until an index directive sets them. */
    public static final class IndexConf {
        List<Index> indices;

        public List<String> names() {
            List<String> names = new ArrayList<>(indices.size());
            for (Index i : indices) {
                names.add(i.name());
            }
            return names;
        }

        static void merge(IndexConf parent, IndexConf child) {
            if (child.indices == null) {
                child.indices = parent.indices != null ? parent.indices : DEFAULT;
            }
        }
    }

    static final List<Index> DEFAULT = List.of(new Index("index.html", null));

    public static final ConfKey<IndexConf> INDEX =
            ConfKey.of("http_index", ConfLevel.LOCATION, IndexConf::new, IndexConf::merge);

    @Override
    public String name() {
        return "http_index";
    }

    @Override
    public List<Directive> directives() {
        return List.of(Directive.of("index", Contexts.HTTP_SERVER_LOCATION, Arity.ONE_OR_MORE, IndexModule::index));
    }

    /** Each occurrence adds its names, as nginx's index directive does. */
    private static void index(DirectiveCall c) throws ConfigException {
        IndexConf conf = c.conf(INDEX);
        List<Index> indices = conf.indices == null ? new ArrayList<>() : new ArrayList<>(conf.indices);
        for (int i = 0; i < c.argCount(); i++) {
            String name = c.arg(i);
            if (name.startsWith("/") && i != c.argCount() - 1) {
                c.warn("only the last index in \"index\" directive should be absolute");
            }
            if (name.isEmpty()) {
                throw c.error("index \"" + c.arg(0) + "\" in \"index\" directive is invalid");
            }
            Template template = name.indexOf('$') >= 0
                    ? Template.compile(name, VariableTable.of(c.build()), c.where())
                    : null;
            indices.add(new Index(name, template));
        }
        conf.indices = List.copyOf(indices);
    }

    @Override
    public void postConfiguration(ConfigBuild build) {
        HttpConfig.registry(build).add(Phase.CONTENT, IndexModule::handle);
    }

    static Flow handle(HttpExchange x) {
        String uri = x.uri();
        if (!uri.endsWith("/")) {
            return Flow.NEXT;
        }
        String method = x.method();
        if (!method.equals("GET") && !method.equals("HEAD") && !method.equals("POST")) {
            return Flow.NEXT;
        }
        HttpCoreConf core = x.conf().get(HttpCoreModule.CORE);
        List<Index> indices = x.conf().get(INDEX).indices;
        DocumentRoot.Mapped base = null;
        boolean dirTested = false;
        for (Index index : indices) {
            String name = index.render(x);
            if (name.startsWith("/")) {
                RequestProcessor.internalRedirect(x, name, x.args());
                return Flow.DONE;
            }
            if (base == null) {
                base = DocumentRoot.map(x);
                if (base == null) {
                    RequestProcessor.finish(x, 404);
                    return Flow.DONE;
                }
            }
            String path = base.path() + name;
            DocumentRoot.Stat stat = DocumentRoot.stat(path);
            if (!stat.ok()) {
                DocumentRoot.Errno err = stat.error();
                if (err == DocumentRoot.Errno.ELOOP) {
                    RequestProcessor.finish(x, 403);
                    return Flow.DONE;
                }
                if (err == DocumentRoot.Errno.ENOTDIR || err == DocumentRoot.Errno.ENAMETOOLONG
                        || err == DocumentRoot.Errno.EACCES) {
                    return error(x, core, path, err);
                }
                if (!dirTested) {
                    String dir = base.path();
                    if (dir.length() > 1 && dir.endsWith("/")) {
                        dir = dir.substring(0, dir.length() - 1);
                    }
                    Flow tested = testDir(x, core, dir, path);
                    if (tested != null) {
                        return tested;
                    }
                    dirTested = true;
                }
                if (err == DocumentRoot.Errno.ENOENT) {
                    continue;
                }
                RequestProcessor.logError(x, LogLevel.CRIT, "stat() \"" + path + "\" failed" + err.describe());
                RequestProcessor.finish(x, 500);
                return Flow.DONE;
            }
            RequestProcessor.internalRedirect(x, uri + name, x.args());
            return Flow.DONE;
        }
        return Flow.NEXT;
    }

    /**
     * ngx_http_index_test_dir: once an index file is missing, checks that the
     * folder itself exists, so that a missing folder is a 404 rather than a
     * listing or a 403. Returns null when the folder is fine.
     */
    private static Flow testDir(HttpExchange x, HttpCoreConf core, String dir, String indexPath) {
        DocumentRoot.Stat stat = DocumentRoot.stat(dir);
        if (!stat.ok()) {
            DocumentRoot.Errno err = stat.error();
            if (err == DocumentRoot.Errno.ELOOP) {
                RequestProcessor.finish(x, 403);
                return Flow.DONE;
            }
            if (err == DocumentRoot.Errno.ENOENT) {
                return error(x, core, indexPath, err);
            }
            if (err == DocumentRoot.Errno.EACCES) {
                // The index file's own lookup got past this folder: searching it is allowed.
                return null;
            }
            RequestProcessor.logError(x, LogLevel.CRIT, "stat() \"" + dir + "\" failed" + err.describe());
            RequestProcessor.finish(x, 500);
            return Flow.DONE;
        }
        if (stat.isDirectory()) {
            return null;
        }
        RequestProcessor.logError(x, LogLevel.ALERT, "\"" + dir + "\" is not a directory");
        RequestProcessor.finish(x, 500);
        return Flow.DONE;
    }

    /** ngx_http_index_error: 403 "is forbidden", or 404 "is not found" (logged when log_not_found is on). */
    private static Flow error(HttpExchange x, HttpCoreConf core, String file, DocumentRoot.Errno err) {
        if (err == DocumentRoot.Errno.EACCES) {
            RequestProcessor.logError(x, LogLevel.ERROR, "\"" + file + "\" is forbidden" + err.describe());
            RequestProcessor.finish(x, 403);
            return Flow.DONE;
        }
        if (core.logNotFound()) {
            RequestProcessor.logError(x, LogLevel.ERROR, "\"" + file + "\" is not found" + err.describe());
        }
        RequestProcessor.finish(x, 404);
        return Flow.DONE;
    }
}
