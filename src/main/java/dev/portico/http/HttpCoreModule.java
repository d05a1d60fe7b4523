package dev.portico.http;

import static dev.portico.config.Contexts.HTTP;
import static dev.portico.config.Contexts.HTTP_SERVER;
import static dev.portico.config.Contexts.HTTP_SERVER_LOCATION;
import static dev.portico.config.Contexts.HTTP_SERVER_LOCATION_IF;
import static dev.portico.config.Contexts.LOCATION;
import static dev.portico.config.Contexts.MAIN;
import static dev.portico.config.Contexts.SERVER;
import static dev.portico.config.Contexts.SERVER_LOCATION;

import dev.portico.config.ConfFrame;
import dev.portico.config.ConfKey;
import dev.portico.config.ConfLevel;
import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfigException;
import dev.portico.config.Context;
import dev.portico.config.Directive;
import dev.portico.config.Directive.Arity;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Module;
import dev.portico.config.Slots;
import dev.portico.config.Values;
import dev.portico.config.syntax.AstDirective;
import dev.portico.config.syntax.SourceLocation;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The HTTP core (ngx_http_core_module): the http, server and location blocks,
 * listen and server_name, connection limits and timeouts, error_page, types.
 * It builds the location trees and the listen sockets once the http block is
 * read.
 */
public final class HttpCoreModule implements Module {

    static {
        CoreVariables.register();
    }

    /** The http block's own objects: the servers it holds and, once built, its frozen form. */
    public static final class HttpMainConf {
        final List<ConfFrame> servers = new ArrayList<>();
        final List<LocationBlock> roots = new ArrayList<>();
        List<ListenSocket> sockets = List.of();
        final List<dev.portico.config.ConfSet> locationConfs = new ArrayList<>();
        boolean present;
        ConfFrame frame;
        HttpConfig frozen;
    }

    /** A location while its block is read: its frame and nested locations. */
    public static final class LocationBlock {
        final String name;
        final Location.Match match;
        final Pattern regex;
        final ConfFrame frame;
        final SourceLocation where;
        final List<LocationBlock> children = new ArrayList<>();
        /** Location-level sets of blocks inside this one that are not locations (the rewrite module's if). */
        final List<dev.portico.config.ConfSet> nested = new ArrayList<>();
        boolean internal;

        LocationBlock(String name, Location.Match match, Pattern regex, ConfFrame frame, SourceLocation where) {
            this.name = name;
            this.match = match;
            this.regex = regex;
            this.frame = frame;
            this.where = where;
        }

        boolean isRegex() {
            return match == Location.Match.REGEX || match == Location.Match.REGEX_CASELESS;
        }

        /** The location's name as written, without its modifier ("" for a server's own level). */
        public String name() {
            return name;
        }

        public Location.Match match() {
            return match;
        }
    }

    public static final ConfKey<HttpMainConf> MAIN_CONF =
            ConfKey.of("http_core_main", ConfLevel.HTTP, HttpMainConf::new);
    public static final ConfKey<HttpServerConf> SERVER_CONF =
            ConfKey.of("http_core_server", ConfLevel.SERVER, HttpServerConf::new, HttpServerConf::merge);
    public static final ConfKey<HttpCoreConf> CORE =
            ConfKey.of("http_core_location", ConfLevel.LOCATION, HttpCoreConf::new, HttpCoreConf::merge);

    @Override
    public String name() {
        return "http_core";
    }

    @Override
    public List<Directive> directives() {
        return List.of(
                Directive.block("http", MAIN, Arity.NONE, HttpCoreModule::http),
                Directive.block("server", HTTP, Arity.NONE, HttpCoreModule::server),
                Directive.block("location", SERVER_LOCATION, Arity.ONE_OR_TWO, HttpCoreModule::location),
                Directive.of("listen", SERVER, Arity.ONE_OR_MORE, HttpCoreModule::listen),
                Directive.of("server_name", SERVER, Arity.ONE_OR_MORE, HttpCoreModule::serverName),
                Directive.of("internal", LOCATION, Arity.NONE, HttpCoreModule::internal),
                Directive.block("types", HTTP_SERVER_LOCATION, Arity.NONE, HttpCoreModule::types),
                Directive.of("default_type", HTTP_SERVER_LOCATION, Arity.ONE,
                        c -> setOnce(c, c.conf(CORE).defaultType, v -> c.conf(CORE).defaultType = v, c.arg(0))),
                Directive.of("error_page", HTTP_SERVER_LOCATION_IF, Arity.TWO_OR_MORE, HttpCoreModule::errorPage),
                size("client_max_body_size", (conf, v) -> conf.clientMaxBodySize = v, c -> c.clientMaxBodySize, true),
                size("client_body_buffer_size", (conf, v) -> conf.clientBodyBufferSize = v,
                        c -> c.clientBodyBufferSize, false),
                time("client_body_timeout", (conf, v) -> conf.clientBodyTimeout = v, c -> c.clientBodyTimeout),
                time("send_timeout", (conf, v) -> conf.sendTimeout = v, c -> c.sendTimeout),
                time("keepalive_time", (conf, v) -> conf.keepaliveTime = v, c -> c.keepaliveTime),
                time("lingering_time", (conf, v) -> conf.lingeringTime = v, c -> c.lingeringTime),
                time("lingering_timeout", (conf, v) -> conf.lingeringTimeout = v, c -> c.lingeringTimeout),
                Directive.of("keepalive_timeout", HTTP_SERVER_LOCATION, Arity.ONE_OR_TWO,
                        HttpCoreModule::keepaliveTimeout),
                Slots.number("keepalive_requests", HTTP_SERVER_LOCATION, CORE, c -> c.keepaliveRequests,
                        (c, v) -> c.keepaliveRequests = v),
                Directive.of("lingering_close", HTTP_SERVER_LOCATION, Arity.ONE, c -> {
                    String v = c.arg(0);
                    if (!v.equals("on") && !v.equals("off") && !v.equals("always")) {
                        throw c.invalidValue(v);
                    }
                    setOnce(c, c.conf(CORE).lingeringClose, x -> c.conf(CORE).lingeringClose = x, v);
                }),
                flag("sendfile", HTTP_SERVER_LOCATION_IF, (conf, v) -> conf.sendfile = v, c -> c.sendfile),
                flag("tcp_nopush", HTTP_SERVER_LOCATION, (conf, v) -> conf.tcpNopush = v, c -> c.tcpNopush),
                flag("tcp_nodelay", HTTP_SERVER_LOCATION, (conf, v) -> conf.tcpNodelay = v, c -> c.tcpNodelay),
                flag("log_not_found", HTTP_SERVER_LOCATION, (conf, v) -> conf.logNotFound = v, c -> c.logNotFound),
                flag("recursive_error_pages", HTTP_SERVER_LOCATION, (conf, v) -> conf.recursiveErrorPages = v,
                        c -> c.recursiveErrorPages),
                flag("absolute_redirect", HTTP_SERVER_LOCATION, (conf, v) -> conf.absoluteRedirect = v,
                        c -> c.absoluteRedirect),
                flag("server_name_in_redirect", HTTP_SERVER_LOCATION, (conf, v) -> conf.serverNameInRedirect = v,
                        c -> c.serverNameInRedirect),
                flag("port_in_redirect", HTTP_SERVER_LOCATION, (conf, v) -> conf.portInRedirect = v,
                        c -> c.portInRedirect),
                flag("chunked_transfer_encoding", HTTP_SERVER_LOCATION,
                        (conf, v) -> conf.chunkedTransferEncoding = v, c -> c.chunkedTransferEncoding),
                Directive.of("server_tokens", HTTP_SERVER_LOCATION, Arity.ONE, c -> {
                    HttpCoreConf conf = c.conf(CORE);
                    if (conf.serverTokens != null) {
                        throw c.duplicate();
                    }
                    String v = c.arg(0).toLowerCase(Locale.ROOT);
                    if (v.equals("build")) {
                        conf.serverTokens = true;
                    } else {
                        conf.serverTokens = c.flag(0);
                    }
                }),
                Directive.of("client_body_temp_path", HTTP_SERVER_LOCATION, Arity.between(1, 4),
                        c -> c.conf(CORE).clientBodyTempPath = TempPaths.declare(c)),
                Slots.millis("client_header_timeout", HTTP_SERVER, SERVER_CONF, s -> s.clientHeaderTimeout,
                        (s, v) -> s.clientHeaderTimeout = v),
                Slots.size("client_header_buffer_size", HTTP_SERVER, SERVER_CONF, s -> s.clientHeaderBufferSize,
                        (s, v) -> s.clientHeaderBufferSize = v),
                Directive.of("large_client_header_buffers", HTTP_SERVER, Arity.TWO, c -> {
                    HttpServerConf s = c.conf(SERVER_CONF);
                    if (s.largeHeaderBuffers != null) {
                        throw c.duplicate();
                    }
                    long n = Values.number(c.arg(0));
                    if (n <= 0) {
                        throw c.invalidValue(c.arg(0));
                    }
                    s.largeHeaderBuffers = (int) n;
                    s.largeHeaderBufferSize = c.size(1);
                }),
                Slots.flag("merge_slashes", HTTP_SERVER, SERVER_CONF, s -> s.mergeSlashes, (s, v) -> s.mergeSlashes = v),
                Directive.of("underscores_in_headers", HTTP_SERVER, Arity.ONE,
                        c -> c.conf(SERVER_CONF).underscoresInHeaders = c.flag(0)),
                Directive.of("ignore_invalid_headers", HTTP_SERVER, Arity.ONE,
                        c -> c.conf(SERVER_CONF).ignoreInvalidHeaders = c.flag(0)),
                // Hash-table sizing: nginx tunes its lookup tables with these; Portico's maps size
                // themselves, so the values are checked and have nothing else to do.
                sizing("server_names_hash_max_size", HTTP),
                sizing("server_names_hash_bucket_size", HTTP),
                sizing("variables_hash_max_size", HTTP),
                sizing("variables_hash_bucket_size", HTTP),
                sizing("types_hash_max_size", HTTP_SERVER_LOCATION),
                sizing("types_hash_bucket_size", HTTP_SERVER_LOCATION),
                sizing("map_hash_max_size", HTTP),
                sizing("map_hash_bucket_size", HTTP),
                Directive.of("reset_timedout_connection", HTTP_SERVER_LOCATION, Arity.ONE, c -> c.flag(0))
        );
    }

    // ---- generic setters, each checking "is duplicate" as nginx's slots do ----

    private static <T> void setOnce(DirectiveCall c, T current, java.util.function.Consumer<T> set, T value)
            throws ConfigException {
        if (current != null) {
            throw c.duplicate();
        }
        set.accept(value);
    }

    private static Directive flag(String name, java.util.Set<Context> contexts, BiConsumer<HttpCoreConf, Boolean> set,
                                  Function<HttpCoreConf, Boolean> get) {
        return Slots.flag(name, contexts, CORE, get, set);
    }

    private static Directive size(String name, BiConsumer<HttpCoreConf, Long> set, Function<HttpCoreConf, Long> get,
                                  boolean offset) {
        return offset ? Slots.offset(name, HTTP_SERVER_LOCATION, CORE, get, set)
                : Slots.size(name, HTTP_SERVER_LOCATION, CORE, get, set);
    }

    private static Directive time(String name, BiConsumer<HttpCoreConf, Long> set, Function<HttpCoreConf, Long> get) {
        return Slots.millis(name, HTTP_SERVER_LOCATION, CORE, get, set);
    }

    private static Directive sizing(String name, java.util.Set<Context> contexts) {
        return Directive.of(name, contexts, Arity.ONE, c -> c.size(0));
    }

    // ---- blocks ----

    private static void http(DirectiveCall c) throws ConfigException {
        ConfFrame http = c.frame().openHttp();
        HttpMainConf main = http.get(MAIN_CONF);
        ConfigBuild build = c.build();
        if (build.sharedOrNull(HttpMainConf.class) != null) {
            throw c.duplicate();
        }
        build.shared(HttpMainConf.class, () -> main);
        main.present = true;
        main.frame = http;
        c.parseBlock(http);
        HttpCoreConf httpLevel = http.get(CORE);
        if (httpLevel.clientBodyTempPath == null) {
            // nginx's compiled-in client_body_temp_path, under the prefix, created at start like a set one.
            httpLevel.clientBodyTempPath = build.resolve("client_body_temp");
            TempPaths.of(build).add(httpLevel.clientBodyTempPath);
        }
        buildServers(main, c);
    }

    private static void server(DirectiveCall c) throws ConfigException {
        ConfFrame parent = c.frame();
        ConfFrame server = parent.openServer();
        HttpServerConf conf = server.get(SERVER_CONF);
        conf.where = c.where();
        LocationBlock root = new LocationBlock("", Location.Match.ROOT, null, server, c.where());
        ConfFrame withRoot = server.withContext(Context.SERVER, root);
        c.parseBlock(withRoot);
        HttpMainConf main = parent.get(MAIN_CONF);
        main.servers.add(server);
        main.roots.add(root);
    }

    private static void location(DirectiveCall c) throws ConfigException {
        String modifier = null;
        String name;
        if (c.argCount() == 2) {
            modifier = c.arg(0);
            name = c.arg(1);
        } else {
            String v = c.arg(0);
            if (v.length() > 1 && v.charAt(0) == '=') {
                modifier = "=";
                name = v.substring(1);
            } else if (v.length() > 2 && v.startsWith("^~")) {
                modifier = "^~";
                name = v.substring(2);
            } else if (v.length() > 1 && v.charAt(0) == '~') {
                if (v.charAt(1) == '*') {
                    modifier = "~*";
                    name = v.substring(2);
                } else {
                    modifier = "~";
                    name = v.substring(1);
                }
            } else {
                name = v;
            }
        }
        Location.Match match;
        Pattern regex = null;
        if (modifier == null) {
            match = name.startsWith("@") ? Location.Match.NAMED : Location.Match.PREFIX;
        } else {
            switch (modifier) {
                case "=" -> match = Location.Match.EXACT;
                case "^~" -> match = Location.Match.PREFIX_NO_REGEX;
                case "~" -> match = Location.Match.REGEX;
                case "~*" -> match = Location.Match.REGEX_CASELESS;
                default -> throw c.error("invalid location modifier \"" + modifier + "\"");
            }
        }
        if (match == Location.Match.REGEX || match == Location.Match.REGEX_CASELESS) {
            regex = compileRegex(c, name, match == Location.Match.REGEX_CASELESS);
        }
        Object state = c.frame().state();
        if (!(state instanceof LocationBlock parent)) {
            throw c.error("\"location\" directive is not allowed here");
        }
        if (parent.match != Location.Match.ROOT) {
            if (parent.match == Location.Match.EXACT) {
                throw c.error("location \"" + name + "\" cannot be inside the exact location \"" + parent.name + "\"");
            }
            if (parent.match == Location.Match.NAMED) {
                throw c.error("location \"" + name + "\" cannot be inside the named location \"" + parent.name + "\"");
            }
            if (match == Location.Match.NAMED) {
                throw c.error("named location \"" + name + "\" can be on the server level only");
            }
            if (!parent.isRegex() && (match == Location.Match.PREFIX || match == Location.Match.PREFIX_NO_REGEX
                    || match == Location.Match.EXACT) && !name.startsWith(parent.name)) {
                throw c.error("location \"" + name + "\" is outside location \"" + parent.name + "\"");
            }
        }
        ConfFrame frame = c.frame().openLocation(Context.LOCATION);
        LocationBlock block = new LocationBlock(name, match, regex, frame, c.where());
        for (LocationBlock sibling : parent.children) {
            if (sibling.name.equals(name) && sameKind(sibling.match, match)) {
                throw c.error("duplicate location \"" + name + "\"");
            }
        }
        parent.children.add(block);
        c.parseBlock(frame.withContext(Context.LOCATION, block));
    }

    private static boolean sameKind(Location.Match a, Location.Match b) {
        boolean aExact = a == Location.Match.EXACT;
        boolean bExact = b == Location.Match.EXACT;
        boolean aRegex = a == Location.Match.REGEX || a == Location.Match.REGEX_CASELESS;
        boolean bRegex = b == Location.Match.REGEX || b == Location.Match.REGEX_CASELESS;
        return aExact == bExact && aRegex == bRegex;
    }

    /** Compiles a PCRE-style regex as nginx writes it; {@code (?P<name>)} becomes Java's {@code (?<name>)}. */
    public static Pattern compileRegex(DirectiveCall c, String source, boolean caseless) throws ConfigException {
        String java = source.replace("(?P<", "(?<");
        try {
            Pattern p = Pattern.compile(java, caseless ? Pattern.CASE_INSENSITIVE : 0);
            declareNamedCaptures(c, java);
            return p;
        } catch (PatternSyntaxException e) {
            throw c.error("pcre2_compile() failed: " + e.getDescription() + " in \"" + source + "\" at \""
                    + (e.getIndex() >= 0 && e.getIndex() < source.length() ? source.substring(e.getIndex()) : "")
                    + "\"");
        }
    }

    private static final Pattern NAMED_GROUP = Pattern.compile("\\(\\?<([a-zA-Z][a-zA-Z0-9]*)>");

    private static void declareNamedCaptures(DirectiveCall c, String regex) {
        VariableTable table = VariableTable.of(c.build());
        java.util.regex.Matcher m = NAMED_GROUP.matcher(regex);
        while (m.find()) {
            String group = m.group(1);
            table.define(group, x -> x.capture(group));
        }
    }

    private static void listen(DirectiveCall c) throws ConfigException {
        c.conf(SERVER_CONF).listens.add(ListenSpec.parse(c));
        c.conf(SERVER_CONF).listenWhere.add(c.where());
    }

    private static void serverName(DirectiveCall c) throws ConfigException {
        HttpServerConf conf = c.conf(SERVER_CONF);
        conf.namesSet = true;
        for (String raw : c.args()) {
            if (raw.isEmpty() && c.argCount() == 1) {
                conf.names.add("");
                continue;
            }
            if (raw.startsWith("~")) {
                if (raw.length() == 1) {
                    throw c.error("empty regex in server name \"" + raw + "\"");
                }
                conf.namePatterns.add(compileRegex(c, raw.substring(1), true));
                conf.names.add(raw);
                continue;
            }
            String name = raw.toLowerCase(Locale.ROOT);
            if (name.indexOf('/') >= 0) {
                throw c.error("server name \"" + raw + "\" is invalid");
            }
            if (name.indexOf('*') >= 0 && !(name.startsWith("*.") && name.indexOf('*', 1) < 0)
                    && !(name.endsWith(".*") && name.indexOf('*') == name.length() - 1)) {
                throw c.error("invalid server name or wildcard \"" + raw + "\"");
            }
            conf.names.add(name);
        }
    }

    private static void internal(DirectiveCall c) throws ConfigException {
        LocationBlock block = c.state(LocationBlock.class);
        block.internal = true;
    }

    private static void keepaliveTimeout(DirectiveCall c) throws ConfigException {
        HttpCoreConf conf = c.conf(CORE);
        if (conf.keepaliveTimeout != null) {
            throw c.duplicate();
        }
        conf.keepaliveTimeout = c.millis(0);
        if (c.argCount() == 2) {
            conf.keepaliveHeaderTimeout = c.seconds(1);
        }
    }

    private static void types(DirectiveCall c) throws ConfigException {
        HttpCoreConf conf = c.conf(CORE);
        Map<String, String> types = conf.types == null ? new LinkedHashMap<>() : new LinkedHashMap<>(conf.types);
        for (AstDirective entry : c.block().directives()) {
            if (entry.hasBlock()) {
                throw new ConfigException("unexpected \"{\"", entry.where());
            }
            String type = entry.name();
            for (String ext : entry.argValues()) {
                String previous = types.put(ext, type);
                if (previous != null && !previous.equals(type)) {
                    c.build().warn("duplicate extension \"" + ext + "\", content type: \"" + type
                            + "\", previous content type: \"" + previous + "\"", entry.where());
                }
            }
        }
        conf.types = Map.copyOf(types);
    }

    private static void errorPage(DirectiveCall c) throws ConfigException {
        HttpCoreConf conf = c.conf(CORE);
        List<ErrorPage> pages = conf.errorPages == null ? new ArrayList<>() : new ArrayList<>(conf.errorPages);
        int last = c.argCount() - 1;
        int overwrite = -1;
        int codesEnd = last;
        String eq = c.arg(last - 1);
        if (eq.startsWith("=")) {
            if (last - 1 == 0) {
                throw c.invalidValue(eq);
            }
            if (eq.length() > 1) {
                long v = Values.number(eq.substring(1));
                if (v < 0) {
                    throw c.invalidValue(eq);
                }
                overwrite = (int) v;
            } else {
                overwrite = 0;
            }
            codesEnd = last - 1;
        }
        Template target = Template.compile(c, last);
        for (int i = 0; i < codesEnd; i++) {
            long code = Values.number(c.arg(i));
            if (code < 0) {
                throw c.invalidValue(c.arg(i));
            }
            if (code < 300 || code > 599) {
                throw c.error("value \"" + c.arg(i) + "\" must be between 300 and 599");
            }
            pages.add(new ErrorPage((int) code, overwrite, target));
        }
        conf.errorPages = List.copyOf(pages);
    }

    // ---- after the http block: merge, location trees, listen sockets ----

    private static void buildServers(HttpMainConf main, DirectiveCall c) throws ConfigException {
        ConfFrame http = main.frame;
        boolean root = isRoot();
        Map<String, ListenSocket> sockets = new LinkedHashMap<>();
        Map<String, Boolean> defaults = new java.util.HashMap<>();
        for (int i = 0; i < main.servers.size(); i++) {
            ConfFrame frame = main.servers.get(i);
            LocationBlock rootBlock = main.roots.get(i);
            frame.serverSet().mergeFrom(http.serverSet());
            frame.locationSet().mergeFrom(http.locationSet());
            HttpServerConf conf = frame.get(SERVER_CONF);
            Location rootLocation = new Location("", Location.Match.ROOT, null, frame.locationSet(), null);
            main.locationConfs.add(frame.locationSet());
            mergeNested(rootBlock, main.locationConfs);
            buildTree(rootBlock, rootLocation, main.locationConfs);
            List<String> names = conf.namesSet ? List.copyOf(conf.names) : List.of("");
            VirtualServer server = new VirtualServer(names, frame.serverSet(), rootLocation, conf.where);
            conf.server = server;
            List<ListenSpec> listens = conf.listens.isEmpty() ? List.of(ListenSpec.implicit(root)) : conf.listens;
            for (int l = 0; l < listens.size(); l++) {
                var where = conf.listens.isEmpty() ? c.where() : conf.listenWhere.get(l);
                attach(sockets, defaults, listens.get(l), server, names, conf.namePatterns, where);
            }
        }
        main.sockets = new ArrayList<>(sockets.values());
    }

    private static void buildTree(LocationBlock block, Location location, List<dev.portico.config.ConfSet> all)
            throws ConfigException {
        for (LocationBlock childBlock : block.children) {
            childBlock.frame.locationSet().mergeFrom(block.frame.locationSet());
            all.add(childBlock.frame.locationSet());
            mergeNested(childBlock, all);
            Location child = new Location(childBlock.name, childBlock.match, childBlock.regex,
                    childBlock.frame.locationSet(), location);
            child.internal = childBlock.internal;
            switch (childBlock.match) {
                case REGEX, REGEX_CASELESS -> location.regexes.add(child);
                case NAMED -> location.named.add(child);
                default -> location.prefixes.add(child);
            }
            buildTree(childBlock, child, all);
        }
    }

    /**
     * Merges the sets registered with {@link #addNestedConf} from their
     * enclosing block's set, which is merged by now, as nginx merges its
     * unnamed locations. A nested set without a content handler of its own
     * keeps the enclosing one's, as ngx_http_update_location_config keeps
     * r->content_handler when the if block's clcf->handler is NULL.
     */
    private static void mergeNested(LocationBlock block, List<dev.portico.config.ConfSet> all)
            throws ConfigException {
        dev.portico.config.ConfSet parent = block.frame.locationSet();
        for (dev.portico.config.ConfSet nested : block.nested) {
            nested.mergeFrom(parent);
            HttpCoreConf own = nested.get(CORE);
            if (own.handler() == null) {
                own.setHandler(parent.get(CORE).handler());
            }
            all.add(nested);
        }
    }

    /**
     * Registers the location-level set of a block that sits in the current
     * server or location without being a location (the rewrite module's
     * {@code if}): it is merged from the enclosing set once that one is merged,
     * and listed in {@link #locationConfs}.
     */
    public static void addNestedConf(DirectiveCall c, dev.portico.config.ConfSet set) throws ConfigException {
        if (!(c.frame().state() instanceof LocationBlock block)) {
            throw c.error("\"" + c.name() + "\" directive is not allowed here");
        }
        block.nested.add(set);
    }

    private static void attach(Map<String, ListenSocket> sockets, Map<String, Boolean> defaults, ListenSpec spec,
                               VirtualServer server, List<String> names, List<Pattern> patterns,
                               dev.portico.config.syntax.SourceLocation where)
            throws ConfigException {
        SocketAddress address = spec.address();
        ListenSocket socket;
        InetAddress specific = null;
        String key;
        if (address instanceof InetSocketAddress inet) {
            boolean v6 = inet.getAddress() instanceof java.net.Inet6Address;
            if (spec.wildcard() || spec.bind()) {
                key = (v6 ? "[" + HttpConnection.text(inet.getAddress()) + "]" : inet.getAddress().getHostAddress())
                        + ":" + inet.getPort();
                socket = sockets.computeIfAbsent(key, k -> new ListenSocket(spec));
            } else {
                String wildcardKey = (v6 ? "[::]" : "0.0.0.0") + ":" + inet.getPort();
                key = inet.getAddress().getHostAddress() + ":" + inet.getPort();
                ListenSocket wildcard = sockets.get(wildcardKey);
                socket = wildcard != null ? wildcard : sockets.computeIfAbsent(key, k -> new ListenSocket(spec));
                specific = wildcard != null ? inet.getAddress() : null;
            }
        } else {
            key = address.toString();
            socket = sockets.computeIfAbsent(key, k -> new ListenSocket(spec));
        }
        String defaultKey = key + (specific == null ? "" : "/" + specific.getHostAddress());
        if (spec.defaultServer()) {
            if (defaults.put(defaultKey, Boolean.TRUE) != null) {
                // nginx finds this while reading the listen directive, and names its line.
                String shown = spec.text();
                if (address instanceof InetSocketAddress inet && inet.getAddress() instanceof java.net.Inet4Address) {
                    // nginx shows the address it parsed: "0.0.0.0:8000" for "listen 8000".
                    shown = inet.getAddress().getHostAddress() + ":" + inet.getPort();
                }
                throw new ConfigException("a duplicate default server for " + shown, where);
            }
        }
        socket.serversFor(specific).add(server, names, patterns, spec.defaultServer());
        socket.addSsl(spec.ssl());
        socket.addHttp2(spec.http2());
    }

    private static boolean isRoot() {
        try {
            return "root".equals(System.getProperty("user.name"))
                    || (Long) java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid") == 0L;
        } catch (Exception e) {
            return false;
        }
    }

    /** The listen sockets of the http block, with their servers, once it is read (for post-configuration). */
    public static List<ListenSocket> sockets(ConfigBuild build) {
        HttpMainConf main = build.sharedOrNull(HttpMainConf.class);
        return main == null ? List.of() : main.sockets;
    }

    /** Every merged location-level set (each server's own and each location's), for modules to finish. */
    public static List<dev.portico.config.ConfSet> locationConfs(ConfigBuild build) {
        HttpMainConf main = build.sharedOrNull(HttpMainConf.class);
        return main == null ? List.of() : main.locationConfs;
    }

    @Override
    public void postConfiguration(ConfigBuild build) throws ConfigException {
        HttpMainConf main = build.sharedOrNull(HttpMainConf.class);
        if (main == null) {
            return;
        }
    }

    /** Freezes the http block once every module has post-configured. */
    public static HttpConfig freeze(ConfigBuild build) throws ConfigException {
        VariableTable.of(build).resolveAll();
        HttpMainConf main = build.sharedOrNull(HttpMainConf.class);
        if (main == null) {
            return null;
        }
        main.frozen = new HttpConfig(main.sockets, main.frame.httpSet(), HttpConfig.registry(build),
                VariableTable.of(build).slotCount());
        return main.frozen;
    }

    @Override
    public List<String> configureArguments() {
        return List.of();
    }
}
