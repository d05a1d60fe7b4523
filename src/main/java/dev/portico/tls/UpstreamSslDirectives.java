package dev.portico.tls;

import static dev.portico.config.Contexts.HTTP_SERVER_LOCATION;

import dev.portico.config.ConfKey;
import dev.portico.config.ConfigException;
import dev.portico.config.Directive;
import dev.portico.config.Directive.Arity;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Slots;
import dev.portico.config.Values;
import dev.portico.http.Template;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The *_ssl_* directives of TLS to upstreams, declared once for a family's prefix
 * (proxy_ssl_verify, uwsgi_ssl_verify ...) into its {@link UpstreamSslConf}, with nginx's
 * slot parsers and messages: *_ssl_session_reuse, _protocols, _ciphers, _name, _server_name,
 * _verify, _verify_depth, _trusted_certificate, _crl, _certificate, _certificate_key,
 * _password_file; *_ssl_conf_command is refused (BoringSSL has no SSL_CONF commands).
 */
public final class UpstreamSslDirectives {

    private UpstreamSslDirectives() {
    }

    /**
     * @param key the protocol module's location-level configuration
     * @param ssl its {@link UpstreamSslConf}
     */
    public static <T> List<Directive> of(String prefix, ConfKey<T> key, Function<T, UpstreamSslConf> ssl) {
        Function<DirectiveCall, UpstreamSslConf> conf = c -> ssl.apply(c.conf(key));
        String p = prefix + "_ssl";
        return List.of(
                Slots.flag(p + "_session_reuse", HTTP_SERVER_LOCATION, key, t -> ssl.apply(t).sessionReuse,
                        (t, v) -> ssl.apply(t).sessionReuse = v),
                Directive.of(p + "_protocols", HTTP_SERVER_LOCATION, Arity.ONE_OR_MORE,
                        c -> protocols(c, conf.apply(c))),
                Directive.of(p + "_ciphers", HTTP_SERVER_LOCATION, Arity.ONE, c -> {
                    UpstreamSslConf s = conf.apply(c);
                    if (s.ciphers != null) {
                        throw c.duplicate();
                    }
                    s.ciphers = c.arg(0);
                    s.ciphersWhere = c.where();
                }),
                Slots.slot(p + "_name", HTTP_SERVER_LOCATION, key, t -> ssl.apply(t).name,
                        (t, v) -> ssl.apply(t).name = v, c -> Template.compile(c, 0)),
                Slots.flag(p + "_server_name", HTTP_SERVER_LOCATION, key, t -> ssl.apply(t).serverName,
                        (t, v) -> ssl.apply(t).serverName = v),
                Slots.flag(p + "_verify", HTTP_SERVER_LOCATION, key, t -> ssl.apply(t).verify,
                        (t, v) -> ssl.apply(t).verify = v),
                Slots.slot(p + "_verify_depth", HTTP_SERVER_LOCATION, key, t -> ssl.apply(t).verifyDepth,
                        (t, v) -> ssl.apply(t).verifyDepth = v, c -> {
                            long n = Values.number(c.arg(0));
                            if (n < 0 || n > Integer.MAX_VALUE) {
                                throw c.error("\"" + c.name() + "\" directive invalid number");
                            }
                            return (int) n;
                        }),
                file(p + "_trusted_certificate", false, key, t -> ssl.apply(t).trustedCertificate,
                        (t, v) -> ssl.apply(t).trustedCertificate = v),
                file(p + "_crl", false, key, t -> ssl.apply(t).crl, (t, v) -> ssl.apply(t).crl = v),
                file(p + "_certificate", true, key, t -> ssl.apply(t).certificate,
                        (t, v) -> ssl.apply(t).certificate = v),
                file(p + "_certificate_key", true, key, t -> ssl.apply(t).certificateKey,
                        (t, v) -> ssl.apply(t).certificateKey = v),
                Directive.of(p + "_password_file", HTTP_SERVER_LOCATION, Arity.ONE, c -> {
                    UpstreamSslConf s = conf.apply(c);
                    if (s.passwords != null) {
                        throw c.duplicate();
                    }
                    s.passwords = SslModule.readPasswords(c);
                }),
                Directive.of(p + "_conf_command", HTTP_SERVER_LOCATION, Arity.TWO, c -> {
                    throw c.error("\"" + c.name() + "\" is not supported by portico: BoringSSL has no"
                            + " SSL_CONF commands");
                }));
    }

    /**
     * A file name, relative to the configuration's folder. nginx 1.21+ also takes variables in
     * *_ssl_certificate and _key ({@code complex}: loaded per connection); Portico refuses them.
     */
    private static <T> Directive file(String name, boolean complex, ConfKey<T> key,
                                      Function<T, SslServerConf.FileRef> get, BiConsumer<T, SslServerConf.FileRef> set) {
        return Slots.slot(name, HTTP_SERVER_LOCATION, key, get, set, c -> {
            if (complex && c.arg(0).indexOf('$') >= 0) {
                throw c.error("variables in \"" + c.name() + "\" are not supported by portico");
            }
            return new SslServerConf.FileRef(c.confPath(0), c.confPath(0).toString(), c.where());
        });
    }

    /** nginx's ngx_conf_set_bitmask_slot: repeats at one level add up. */
    private static void protocols(DirectiveCall c, UpstreamSslConf s) throws ConfigException {
        s.protocols = SslProtocols.add(c, s.protocols == null ? 0 : s.protocols);
        s.protocolsWhere = c.where();
    }
}
