package dev.portico.tls;

import dev.portico.config.ConfigException;
import dev.portico.config.syntax.SourceLocation;
import dev.portico.http.Template;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * The *_ssl_* settings of one level for TLS to upstreams (the ssl part of nginx's
 * ngx_http_upstream_conf_t and of the proxy and uwsgi modules' location settings): null until
 * set, filled from the parent or nginx 1.22's defaults by {@link #merge}. A protocol module's
 * location whose *_pass may be TLS (proxy_pass https://, suwsgi://, or one with variables)
 * asks {@link #tls()}, which builds the client context then, with nginx's errors; a level that
 * sets none of the context's settings (protocols, ciphers, certificate, key, passwords) shares
 * its parent's context, as nginx shares its SSL_CTX, so that their sessions are reused together.
 */
public final class UpstreamSslConf {

    /** nginx 1.22's proxy_ssl_protocols: TLSv1 TLSv1.1 TLSv1.2 (TLSv1.3 joined the default in 1.23.4). */
    static final int DEFAULT_PROTOCOLS = SslServerConf.DEFAULT_PROTOCOLS;
    static final String DEFAULT_CIPHERS = "DEFAULT";

    Boolean sessionReuse;
    Integer protocols;
    SourceLocation protocolsWhere;
    String ciphers;
    SourceLocation ciphersWhere;
    Template name;
    Boolean serverName;
    Boolean verify;
    Integer verifyDepth;
    SslServerConf.FileRef trustedCertificate;
    SslServerConf.FileRef crl;
    SslServerConf.FileRef certificate;
    SslServerConf.FileRef certificateKey;
    List<String> passwords;

    private String prefix;
    /** The level that owns the context this one uses: itself, or the nearest parent that set its settings. */
    private UpstreamSslConf contextOwner;
    private SslContext context;
    private UpstreamTls tls;

    /** The context in use, once {@link #tls()} built it (for tests: which levels share one). */
    SslContext context() {
        return owner().context;
    }

    /** Fills what this level did not set from {@code parent} or nginx's defaults; {@code prefix} is "proxy" or "uwsgi". */
    public void merge(String prefix, UpstreamSslConf parent) {
        this.prefix = prefix;
        boolean ownContext = protocols != null || ciphers != null || certificate != null || certificateKey != null
                || passwords != null;
        contextOwner = ownContext ? this : parent.owner();
        sessionReuse = pick(sessionReuse, parent.sessionReuse, true);
        if (protocols == null) {
            protocols = parent.protocols != null ? parent.protocols : DEFAULT_PROTOCOLS;
            protocolsWhere = parent.protocolsWhere;
        }
        if (ciphers == null) {
            ciphers = parent.ciphers != null ? parent.ciphers : DEFAULT_CIPHERS;
            ciphersWhere = parent.ciphersWhere;
        }
        name = pick(name, parent.name, null);
        serverName = pick(serverName, parent.serverName, false);
        verify = pick(verify, parent.verify, false);
        verifyDepth = pick(verifyDepth, parent.verifyDepth, 1);
        trustedCertificate = pick(trustedCertificate, parent.trustedCertificate, null);
        crl = pick(crl, parent.crl, null);
        certificate = pick(certificate, parent.certificate, null);
        certificateKey = pick(certificateKey, parent.certificateKey, null);
        passwords = pick(passwords, parent.passwords, List.of());
    }

    private UpstreamSslConf owner() {
        return contextOwner != null ? contextOwner : this;
    }

    /**
     * This level's TLS to upstreams, built on first use with nginx's configuration errors
     * (ngx_http_proxy_set_ssl): the client context, and with *_ssl_verify the trusted
     * certificates and revocation lists.
     */
    public UpstreamTls tls() throws ConfigException {
        if (tls == null) {
            UpstreamSslConf owner = owner();
            if (owner.context == null) {
                owner.context = buildContext();
            }
            tls = new UpstreamTls(owner.context, name, serverName, verify, sessionReuse,
                    verify ? certificateCheck() : null);
        }
        return tls;
    }

    private SslContext buildContext() throws ConfigException {
        SslProvider provider = ServerContexts.chooseProvider();
        List<String> usable = ServerContexts.protocols(provider, protocols, protocolsWhere, prefix + "_ssl_protocols");
        // Every chain is accepted by the handshake, as nginx's verify callback does; *_ssl_verify
        // looks at it afterwards. Netty 4.2 checks host names by default: off, nginx checks its own way.
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(provider)
                .protocols(usable)
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .endpointIdentificationAlgorithm(null);
        List<String> suites = ServerContexts.ciphers(provider, ciphers, ciphersWhere, DEFAULT_CIPHERS,
                prefix + "_ssl_ciphers", usable);
        if (suites != null) {
            b.ciphers(suites);
        }
        if (certificate != null) {
            if (certificateKey == null) {
                throw new ConfigException("no \"" + prefix + "_ssl_certificate_key\" is defined for certificate \""
                        + certificate.text() + "\"", certificate.where());
            }
            CertificateCredentials.CertifiedKey pair = ServerContexts.certifiedKey(certificate, certificateKey, passwords,
                    prefix + "_ssl_password_file");
            b.keyManager(pair.key(), pair.chain().toArray(new X509Certificate[0]));
        }
        try {
            return b.build();
        } catch (SSLException | RuntimeException e) {
            throw new ConfigException("SSL_CTX_new() failed (" + e.getMessage() + ")", null);
        }
    }

    private UpstreamCertificateCheck certificateCheck() throws ConfigException {
        if (trustedCertificate == null) {
            throw new ConfigException("no " + prefix + "_ssl_trusted_certificate for " + prefix + "_ssl_verify", null);
        }
        List<X509Certificate> trusted;
        try {
            trusted = PemFiles.certificates(trustedCertificate.path());
        } catch (PemFiles.PemException e) {
            throw new ConfigException("SSL_CTX_load_verify_locations(\"" + trustedCertificate.text() + "\") failed ("
                    + e.getMessage() + ")", trustedCertificate.where());
        }
        List<X509CRL> crls = null;
        if (crl != null) {
            try {
                crls = PemFiles.crls(crl.path());
            } catch (PemFiles.PemException e) {
                throw new ConfigException("X509_LOOKUP_load_file(\"" + crl.text() + "\") failed (" + e.getMessage()
                        + ")", crl.where());
            }
        }
        return new UpstreamCertificateCheck(trusted, crls, verifyDepth);
    }

    private static <T> T pick(T own, T inherited, T fallback) {
        return own != null ? own : inherited != null ? inherited : fallback;
    }
}
