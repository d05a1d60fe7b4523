package dev.portico.files;

import dev.portico.config.ConfigException;
import dev.portico.config.DirectiveCall;
import dev.portico.http.Flow;
import dev.portico.http.HttpExchange;
import dev.portico.http.RequestProcessor;
import dev.portico.http.Template;
import dev.portico.http.VariableTable;
import dev.portico.log.LogLevel;
import java.util.ArrayList;
import java.util.List;

/**
 * try_files (ngx_http_try_files_module): checks each candidate under the root
 * or alias; the first that exists becomes the request's URI (no new location
 * search); when none does, the last argument is an "=code", a named location
 * or a URI to redirect to internally.
 */
public final class TryFiles {

    /**
     * One argument of try_files: its text (a trailing "/" removed when it asks
     * for a directory), compiled when it has variables.
     */
    public record Candidate(String name, Template template, boolean testDir) {
        String render(HttpExchange x) {
            return template == null ? name : template.render(x);
        }
    }

    private TryFiles() {
    }

    /** {@code try_files file ... uri;} or {@code try_files file ... =code;} */
    static void directive(DirectiveCall c) throws ConfigException {
        FilesConf conf = c.conf(FilesModule.FILES);
        if (conf.tryFiles != null) {
            throw c.duplicate();
        }
        int n = c.argCount();
        List<Candidate> candidates = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String name = c.arg(i);
            boolean testDir = false;
            if (!name.isEmpty() && name.charAt(name.length() - 1) == '/' && i + 1 < n) {
                testDir = true;
                name = name.substring(0, name.length() - 1);
            }
            Template template = name.indexOf('$') >= 0
                    ? Template.compile(name, VariableTable.of(c.build()), c.where())
                    : null;
            candidates.add(new Candidate(name, template, testDir));
        }
        String last = c.arg(n - 1);
        if (!last.isEmpty() && last.charAt(0) == '=') {
            long code = atoi(last.substring(1));
            if (code < 0 || code > 999) {
                throw c.error("invalid code \"" + last + "\"");
            }
            conf.tryFilesCode = (int) code;
        }
        conf.tryFiles = List.copyOf(candidates);
    }

    /** ngx_atoi: decimal digits only, -1 for anything else (including nothing). */
    private static long atoi(String s) {
        if (s.isEmpty() || s.length() > 9) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < '0' || ch > '9') {
                return -1;
            }
            v = v * 10 + (ch - '0');
        }
        return v;
    }

    /** The pre-content phase handler. */
    static Flow handle(HttpExchange x) {
        FilesConf conf = x.conf().get(FilesModule.FILES);
        List<Candidate> candidates = conf.tryFiles;
        if (candidates == null) {
            return Flow.NEXT;
        }
        DocumentRoot.Root root = DocumentRoot.root(x);
        int alias = root.alias();
        String uri = x.uri();
        int count = candidates.size();
        for (int i = 0; i < count; i++) {
            Candidate candidate = candidates.get(i);
            String name = candidate.render(x);
            if (candidate.template() != null && alias != 0 && alias != FilesConf.ALIAS_REGEX
                    && alias <= uri.length() && name.regionMatches(0, uri, 0, alias)) {
                name = name.substring(alias);
            }
            if (i == count - 1) {
                fallback(x, conf, name);
                return Flow.DONE;
            }
            DocumentRoot.Mapped mapped = DocumentRoot.join(x, root, name);
            if (mapped == null) {
                continue;
            }
            DocumentRoot.Stat stat = DocumentRoot.stat(mapped.path());
            if (!stat.ok()) {
                if (!stat.error().notFound()) {
                    RequestProcessor.logError(x, LogLevel.CRIT, "stat() \"" + mapped.path() + "\" failed"
                            + stat.error().describe());
                }
                continue;
            }
            if (stat.isDirectory() != candidate.testDir()) {
                continue;
            }
            if (alias == 0) {
                x.setUri(name);
            } else if (alias == FilesConf.ALIAS_REGEX) {
                if (!candidate.testDir()) {
                    x.setUri(name);
                    x.setAddUriToAlias(true);
                }
            } else {
                x.setUri(uri.substring(0, Math.min(alias, uri.length())) + name);
            }
            return Flow.NEXT;
        }
        return Flow.NEXT;
    }

    private static void fallback(HttpExchange x, FilesConf conf, String name) {
        if (conf.tryFilesCode > 0) {
            RequestProcessor.finish(x, conf.tryFilesCode);
            return;
        }
        if (name.startsWith("@")) {
            RequestProcessor.namedRedirect(x, name);
            return;
        }
        int q = name.indexOf('?');
        // nginx's ngx_http_split_args: the arguments are those of the fallback, or none.
        String path = q < 0 ? name : name.substring(0, q);
        String args = q < 0 ? "" : name.substring(q + 1);
        RequestProcessor.internalRedirect(x, path, args);
    }
}
