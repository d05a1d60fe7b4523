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
import dev.portico.config.Slots;
import dev.portico.http.Flow;
import dev.portico.http.HeaderNames;
import dev.portico.http.HttpConfig;
import dev.portico.http.HttpExchange;
import dev.portico.http.Phase;
import dev.portico.http.RequestProcessor;
import dev.portico.http.ResponseBody;
import dev.portico.log.LogLevel;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Directory listings (ngx_http_autoindex_module): for a URI ending in "/"
 * that no index file answered, the folder's entries in html, xml, json or
 * jsonp, as {@link AutoindexPage} renders them.
 */
public final class AutoindexModule implements Module {

    enum Format { HTML, XML, JSON, JSONP }

    /** The autoindex settings of one level; null until set there. */
    public static final class AutoindexConf {
        Boolean enable;
        Format format;
        Boolean localtime;
        Boolean exactSize;

        static void merge(AutoindexConf parent, AutoindexConf child) {
            child.enable = pick(child.enable, parent.enable, false);
            child.format = pick(child.format, parent.format, Format.HTML);
            child.localtime = pick(child.localtime, parent.localtime, false);
            child.exactSize = pick(child.exactSize, parent.exactSize, true);
        }

        public boolean enabled() {
            return enable;
        }
    }

    private static <T> T pick(T own, T inherited, T fallback) {
        return own != null ? own : inherited != null ? inherited : fallback;
    }

    public static final ConfKey<AutoindexConf> AUTOINDEX =
            ConfKey.of("http_autoindex", ConfLevel.LOCATION, AutoindexConf::new, AutoindexConf::merge);

    @Override
    public String name() {
        return "http_autoindex";
    }

    @Override
    public List<Directive> directives() {
        return List.of(
                Slots.flag("autoindex", Contexts.HTTP_SERVER_LOCATION, AUTOINDEX, c -> c.enable, (c, v) -> c.enable = v),
                Directive.of("autoindex_format", Contexts.HTTP_SERVER_LOCATION, Arity.ONE,
                        AutoindexModule::format),
                Slots.flag("autoindex_localtime", Contexts.HTTP_SERVER_LOCATION, AUTOINDEX, c -> c.localtime, (c, v) -> c.localtime = v),
                Slots.flag("autoindex_exact_size", Contexts.HTTP_SERVER_LOCATION, AUTOINDEX, c -> c.exactSize, (c, v) -> c.exactSize = v));
    }

    /** ngx_conf_set_enum_slot: the value must be one of the names, exactly. */
    private static void format(DirectiveCall c) throws ConfigException {
        AutoindexConf conf = c.conf(AUTOINDEX);
        if (conf.format != null) {
            throw c.duplicate();
        }
        conf.format = switch (c.arg(0)) {
            case "html" -> Format.HTML;
            case "xml" -> Format.XML;
            case "json" -> Format.JSON;
            case "jsonp" -> Format.JSONP;
            default -> throw c.error("invalid value \"" + c.arg(0) + "\"");
        };
    }

    @Override
    public void postConfiguration(ConfigBuild build) {
        HttpConfig.registry(build).add(Phase.CONTENT, AutoindexModule::handle);
    }

    static Flow handle(HttpExchange x) {
        String uri = x.uri();
        if (!uri.endsWith("/")) {
            return Flow.NEXT;
        }
        String method = x.method();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return Flow.NEXT;
        }
        AutoindexConf conf = x.conf().get(AUTOINDEX);
        if (!conf.enable) {
            return Flow.NEXT;
        }
        x.discardRequestBody();
        DocumentRoot.Mapped mapped = DocumentRoot.map(x);
        if (mapped == null) {
            RequestProcessor.finish(x, 404);
            return Flow.DONE;
        }
        String dir = mapped.path();
        if (dir.length() > 1 && dir.endsWith("/")) {
            dir = dir.substring(0, dir.length() - 1);
        }
        Format format = conf.format;
        String callback = null;
        if (format == Format.JSONP) {
            callback = callback(x);
            if (callback == null) {
                RequestProcessor.finish(x, 400);
                return Flow.DONE;
            }
            if (callback.isEmpty()) {
                format = Format.JSON;
            }
        }
        List<AutoindexPage.Entry> entries;
        try {
            Path path = DocumentRoot.toPath(dir);
            if (path == null) {
                throw new java.nio.file.NoSuchFileException(dir);
            }
            DocumentRoot.Stat stat = DocumentRoot.stat(dir);
            if (stat.ok() && !stat.isDirectory()) {
                throw new java.nio.file.NotDirectoryException(dir);
            }
            entries = AutoindexPage.list(path);
        } catch (IOException e) {
            DocumentRoot.Errno err = e instanceof java.nio.file.NotDirectoryException
                    ? DocumentRoot.Errno.ENOTDIR : DocumentRoot.Errno.of(e);
            int status;
            LogLevel level = LogLevel.ERROR;
            if (err.notFound()) {
                status = 404;
            } else if (err == DocumentRoot.Errno.EACCES) {
                status = 403;
            } else {
                status = 500;
                level = LogLevel.CRIT;
            }
            RequestProcessor.logError(x, level, "opendir() \"" + dir + "\" failed" + err.describe());
            RequestProcessor.finish(x, status);
            return Flow.DONE;
        }

        byte[] body;
        String type;
        switch (format) {
            case JSON -> {
                type = "application/json";
                body = AutoindexPage.render(AutoindexPage.Format.JSON, uri, entries, AutoindexPage.Options.DEFAULTS);
            }
            case JSONP -> {
                type = "application/javascript";
                byte[] json = AutoindexPage.render(AutoindexPage.Format.JSON, uri, entries,
                        AutoindexPage.Options.DEFAULTS);
                byte[] head = ("/* callback */\r\n" + callback + "(").getBytes(StandardCharsets.ISO_8859_1);
                body = new byte[head.length + json.length + 2];
                System.arraycopy(head, 0, body, 0, head.length);
                System.arraycopy(json, 0, body, head.length, json.length);
                body[body.length - 2] = ')';
                body[body.length - 1] = ';';
            }
            case XML -> {
                type = "text/xml; charset=utf-8";
                body = AutoindexPage.render(AutoindexPage.Format.XML, uri, entries, AutoindexPage.Options.DEFAULTS);
            }
            default -> {
                type = "text/html";
                ZoneOffset offset = conf.localtime
                        ? ZoneId.systemDefault().getRules().getOffset(java.time.Instant.now())
                        : null;
                body = AutoindexPage.render(AutoindexPage.Format.HTML, uri, entries,
                        new AutoindexPage.Options(conf.exactSize, offset, false));
            }
        }
        x.responseHeaders().set(HeaderNames.CONTENT_TYPE, type);
        RequestProcessor.send(x, 200, new ResponseBody.Bytes(Unpooled.wrappedBuffer(body)));
        return Flow.DONE;
    }

    /**
     * The jsonp callback from the "callback" argument: "" when there is none,
     * null (logged) when it is longer than 128 bytes or not a JavaScript name.
     */
    private static String callback(HttpExchange x) {
        String value = argument(x.args(), "callback");
        if (value == null) {
            return "";
        }
        if (value.length() > 128) {
            RequestProcessor.logError(x, LogLevel.INFO, "client sent too long callback name: \"" + value + "\"");
            return null;
        }
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            char lower = (char) (ch | 0x20);
            if ((lower >= 'a' && lower <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.') {
                continue;
            }
            RequestProcessor.logError(x, LogLevel.INFO, "client sent invalid callback name: \"" + value + "\"");
            return null;
        }
        return value;
    }

    /** nginx's ngx_http_arg: the first NAME=value of the query, the name compared without case. */
    private static String argument(String args, String name) {
        if (args == null) {
            return null;
        }
        for (String pair : args.split("&", -1)) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.equalsIgnoreCase(name)) {
                return eq < 0 ? "" : pair.substring(eq + 1);
            }
        }
        return null;
    }
}
