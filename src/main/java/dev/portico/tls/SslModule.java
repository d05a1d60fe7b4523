package dev.portico.tls;

import static dev.portico.config.Contexts.HTTP_SERVER;

import dev.portico.config.ConfKey;
import dev.portico.config.ConfLevel;
import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfigException;
import dev.portico.config.Directive;
import dev.portico.config.Directive.Arity;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Module;
import dev.portico.config.Slots;
import dev.portico.config.Values;
import dev.portico.http.HttpConfig;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.ListenSocket;
import dev.portico.http.Phase;
import dev.portico.http.ServerNames;
import dev.portico.http.VirtualServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * TLS termination (nginx's ngx_http_ssl_module): the ssl_* directives of the
 * http and server blocks, the $ssl_* variables, one TLS context per distinct
 * server configuration, and the sockets of `listen ... ssl` that put TLS in
 * front of HTTP (SNI picks the server's context). The per-request checks
 * that nginx makes before the phases (plain HTTP on a TLS port, client
 * certificates) run first in the server-rewrite phase; SNI against Host is
 * decided where the server is chosen (RequestProcessor.start).
 */
public final class SslModule implements Module {

    static {
        SslVariables.register();
    }

    public static final ConfKey<SslServerConf> SSL =
            ConfKey.of("http_ssl", ConfLevel.SERVER, SslServerConf::new, SslServerConf::merge);

    /** nginx's minimum shared session cache: 8 pages. */
    private static final long MIN_SHARED_CACHE = 8 * 4096;

    @Override
    public String name() {
        return "http_ssl";
    }

    @Override
    public List<Directive> directives() {
        return List.of(
                Directive.of("ssl_certificate", HTTP_SERVER, Arity.ONE,
                        c -> c.conf(SSL).certificates = append(c.conf(SSL).certificates, fileRef(c))),
                Directive.of("ssl_certificate_key", HTTP_SERVER, Arity.ONE,
                        c -> c.conf(SSL).certificateKeys = append(c.conf(SSL).certificateKeys, fileRef(c))),
                Directive.of("ssl_password_file", HTTP_SERVER, Arity.ONE, SslModule::passwordFile),
                Slots.slot("ssl_dhparam", HTTP_SERVER, SSL, s -> s.dhparam, (s, v) -> s.dhparam = v,
                        SslModule::fileRef),
                Directive.of("ssl_ecdh_curve", HTTP_SERVER, Arity.ONE, c -> {
                    SslServerConf s = c.conf(SSL);
                    if (s.ecdhCurve != null) {
                        throw c.duplicate();
                    }
                    s.ecdhCurve = c.arg(0);
                    s.ecdhCurveWhere = c.where();
                }),
                Directive.of("ssl_protocols", HTTP_SERVER, Arity.ONE_OR_MORE, SslModule::protocols),
                Directive.of("ssl_ciphers", HTTP_SERVER, Arity.ONE, c -> {
                    SslServerConf s = c.conf(SSL);
                    if (s.ciphers != null) {
                        throw c.duplicate();
                    }
                    s.ciphers = c.arg(0);
                    s.ciphersWhere = c.where();
                }),
                Slots.size("ssl_buffer_size", HTTP_SERVER, SSL, s -> s.bufferSize, (s, v) -> s.bufferSize = v),
                Directive.of("ssl_verify_client", HTTP_SERVER, Arity.ONE, c -> {
                    SslServerConf s = c.conf(SSL);
                    if (s.verify != null) {
                        throw c.duplicate();
                    }
                    s.verify = switch (c.arg(0).toLowerCase(Locale.ROOT)) {
                        case "off" -> SslServerConf.Verify.OFF;
                        case "on" -> SslServerConf.Verify.ON;
                        case "optional" -> SslServerConf.Verify.OPTIONAL;
                        case "optional_no_ca" -> SslServerConf.Verify.OPTIONAL_NO_CA;
                        default -> throw c.error("invalid value \"" + c.arg(0) + "\"");
                    };
                    s.verifyWhere = c.where();
                }),
                Slots.number("ssl_verify_depth", HTTP_SERVER, SSL, s -> s.verifyDepth, (s, v) -> s.verifyDepth = v),
                Slots.slot("ssl_client_certificate", HTTP_SERVER, SSL, s -> s.clientCertificate,
                        (s, v) -> s.clientCertificate = v, SslModule::fileRef),
                Slots.slot("ssl_trusted_certificate", HTTP_SERVER, SSL, s -> s.trustedCertificate,
                        (s, v) -> s.trustedCertificate = v, SslModule::fileRef),
                Slots.flag("ssl_prefer_server_ciphers", HTTP_SERVER, SSL, s -> s.preferServerCiphers,
                        (s, v) -> s.preferServerCiphers = v),
                Directive.of("ssl_session_cache", HTTP_SERVER, Arity.ONE_OR_TWO, SslModule::sessionCache),
                Slots.seconds("ssl_session_timeout", HTTP_SERVER, SSL, s -> s.sessionTimeout,
                        (s, v) -> s.sessionTimeout = v),
                Slots.flag("ssl_session_tickets", HTTP_SERVER, SSL, s -> s.sessionTickets,
                        (s, v) -> s.sessionTickets = v),
                Directive.of("ssl_session_ticket_key", HTTP_SERVER, Arity.ONE,
                        c -> c.conf(SSL).sessionTicketKeys = append(c.conf(SSL).sessionTicketKeys, fileRef(c))),
                Slots.flag("ssl_stapling", HTTP_SERVER, SSL, s -> s.stapling, (s, v) -> s.stapling = v),
                Slots.slot("ssl_stapling_file", HTTP_SERVER, SSL, s -> s.staplingFile,
                        (s, v) -> s.staplingFile = v, SslModule::fileRef),
                Slots.slot("ssl_stapling_responder", HTTP_SERVER, SSL, s -> s.staplingResponder,
                        (s, v) -> s.staplingResponder = v, c -> c.arg(0)),
                Slots.flag("ssl_stapling_verify", HTTP_SERVER, SSL, s -> s.staplingVerify,
                        (s, v) -> s.staplingVerify = v)
        );
    }

    private static SslServerConf.FileRef fileRef(DirectiveCall c) {
        return new SslServerConf.FileRef(c.confPath(0), c.confPath(0).toString(), c.where());
    }

    /** nginx's ngx_conf_set_str_array_slot: each occurrence adds; a level that has any replaces its parent's. */
    private static <T> List<T> append(List<T> list, T value) {
        List<T> out = list == null ? new ArrayList<>() : new ArrayList<>(list);
        out.add(value);
        return out;
    }

    private static void passwordFile(DirectiveCall c) throws ConfigException {
        SslServerConf s = c.conf(SSL);
        if (s.passwords != null) {
            throw c.duplicate();
        }
        s.passwords = readPasswords(c);
    }

    /**
     * nginx's ngx_ssl_read_password_file: one password a line, CR LF or LF, empty lines
     * skipped; a file with none is one empty password.
     */
    static List<String> readPasswords(DirectiveCall c) throws ConfigException {
        Path file = c.confPath(0);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw c.error("open() \"" + file + "\" failed (" + dev.portico.log.ErrorLog.describe(e) + ")");
        }
        List<String> passwords = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            String p = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            if (!p.isEmpty()) {
                passwords.add(p);
            }
        }
        if (passwords.isEmpty()) {
            passwords.add("");
        }
        return List.copyOf(passwords);
    }

    /**
     * nginx's ngx_conf_set_bitmask_slot over ngx_http_ssl_protocols: each occurrence in a block
     * adds its words to the ones before, a word already set is a warning.
     */
    private static void protocols(DirectiveCall c) throws ConfigException {
        SslServerConf s = c.conf(SSL);
        s.protocols = SslProtocols.add(c, s.protocols == null ? 0 : s.protocols);
        s.protocolsWhere = c.where();
    }

    /** nginx's ngx_http_ssl_session_cache: off | none | [builtin[:size]] [shared:name:size]. */
    private static void sessionCache(DirectiveCall c) throws ConfigException {
        SslServerConf s = c.conf(SSL);
        for (String v : c.args()) {
            if (v.equals("off")) {
                s.cache = SslServerConf.Cache.OFF;
            } else if (v.equals("none")) {
                s.cache = SslServerConf.Cache.NONE;
            } else if (v.equals("builtin")) {
                s.cache = SslServerConf.Cache.BUILTIN;
                s.builtinCacheSize = SslServerConf.DEFAULT_BUILTIN_SIZE;
            } else if (v.startsWith("builtin:") && v.length() > 8) {
                long n = Values.number(v.substring(8));
                if (n < 0 || n > Integer.MAX_VALUE) {
                    throw c.error("invalid session cache \"" + v + "\"");
                }
                s.cache = SslServerConf.Cache.BUILTIN;
                s.builtinCacheSize = (int) n;
            } else if (v.startsWith("shared:") && v.length() > 7) {
                int colon = v.indexOf(':', 7);
                if (colon <= 7) {
                    throw c.error("invalid session cache \"" + v + "\"");
                }
                long size = Values.size(v.substring(colon + 1));
                if (size < 0) {
                    throw c.error("invalid session cache \"" + v + "\"");
                }
                if (size < MIN_SHARED_CACHE) {
                    throw c.error("session cache \"" + v + "\" is too small");
                }
                SslServerConf.SharedCache shared = new SslServerConf.SharedCache(v.substring(7, colon), size,
                        c.where());
                checkZone(c, shared);
                s.shared = shared;
            } else {
                throw c.error("invalid session cache \"" + v + "\"");
            }
        }
        if (s.shared != null && s.cache == null) {
            s.cache = SslServerConf.Cache.NO_BUILTIN;
        }
    }

    /** One size per zone name, as nginx's ngx_shared_memory_add. */
    private static void checkZone(DirectiveCall c, SslServerConf.SharedCache shared) throws ConfigException {
        @SuppressWarnings("unchecked")
        Map<String, Long> zones = c.build().shared(SharedZones.class, SharedZones::new).sizes;
        Long known = zones.putIfAbsent(shared.name(), shared.size());
        if (known != null && known != shared.size()) {
            throw c.error("the size " + shared.size() + " of shared memory zone \"" + shared.name()
                    + "\" conflicts with already declared size " + known);
        }
    }

    private static final class SharedZones {
        final Map<String, Long> sizes = new HashMap<>();
    }

    @Override
    public void postConfiguration(ConfigBuild build) throws ConfigException {
        List<ListenSocket> sockets = HttpCoreModule.sockets(build);
        if (sockets.isEmpty()) {
            return;
        }
        ServerContexts contexts = new ServerContexts(build);
        // nginx creates a context for every server that has certificates, on a TLS port or not:
        // an unreadable file is an error either way.
        for (ListenSocket socket : sockets) {
            for (ServerNames names : socket.allServerNames()) {
                for (VirtualServer server : names.servers()) {
                    contexts.forServer(server);
                }
            }
        }
        boolean anySsl = false;
        for (ListenSocket socket : sockets) {
            if (!socket.ssl()) {
                continue;
            }
            anySsl = true;
            for (ServerNames names : socket.allServerNames()) {
                VirtualServer defaultServer = names.defaultServer();
                if (!defaultServer.serverConf().get(SSL).hasCertificates()) {
                    var where = defaultServer.where();
                    throw new ConfigException("no \"ssl_certificate\" is defined for the \"listen ... ssl\""
                            + " directive in " + where.file() + ":" + where.line(), null);
                }
            }
            socket.tls(new TlsListener(socket, contexts)::install);
        }
        if (anySsl) {
            HttpConfig.registry(build).add(Phase.SERVER_REWRITE, RequestChecks::check);
        }
    }

    @Override
    public List<String> configureArguments() {
        return List.of("--with-http_ssl_module");
    }
}
