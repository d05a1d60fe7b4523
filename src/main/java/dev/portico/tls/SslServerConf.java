package dev.portico.tls;

import dev.portico.config.ConfigException;
import dev.portico.config.syntax.SourceLocation;
import java.nio.file.Path;
import java.util.List;

/**
 * The ssl_* settings of one http or server block (ngx_http_ssl_srv_conf_t):
 * null until set, filled from the http block or nginx's defaults by
 * {@link #merge}, once per server.
 */
public final class SslServerConf {

    /** ssl_verify_client's values, in nginx's order (0 off, 1 on, 2 optional, 3 optional_no_ca). */
    public enum Verify { OFF, ON, OPTIONAL, OPTIONAL_NO_CA }

    /** ssl_session_cache's built-in part: off, none (nginx's default), or builtin with a size in sessions. */
    public enum Cache { OFF, NONE, BUILTIN, NO_BUILTIN }

    /** One ssl_certificate or ssl_certificate_key file and where it was named. */
    public record FileRef(Path path, String text, SourceLocation where) {
    }

    /** A `shared:NAME:SIZE` session cache. */
    public record SharedCache(String name, long size, SourceLocation where) {
    }

    List<FileRef> certificates;
    List<FileRef> certificateKeys;
    List<String> passwords;
    FileRef dhparam;
    String ecdhCurve;
    SourceLocation ecdhCurveWhere;
    Integer protocols;
    SourceLocation protocolsWhere;
    String ciphers;
    SourceLocation ciphersWhere;
    Long bufferSize;
    Verify verify;
    SourceLocation verifyWhere;
    Integer verifyDepth;
    FileRef clientCertificate;
    FileRef trustedCertificate;
    Boolean preferServerCiphers;
    Cache cache;
    /** Sessions the built-in cache holds (builtin:SIZE; 20480 for plain "builtin"). */
    int builtinCacheSize = -1;
    SharedCache shared;
    Long sessionTimeout;
    Boolean sessionTickets;
    List<FileRef> sessionTicketKeys;
    Boolean stapling;
    Boolean staplingVerify;
    FileRef staplingFile;
    String staplingResponder;

    /** nginx 1.22's default protocols: TLSv1 TLSv1.1 TLSv1.2 (TLSv1.3 joined the default in 1.23.4). */
    static final int DEFAULT_PROTOCOLS = SslProtocols.TLS_V1 | SslProtocols.TLS_V1_1 | SslProtocols.TLS_V1_2;
    static final String DEFAULT_CIPHERS = "HIGH:!aNULL:!MD5";
    static final String DEFAULT_ECDH_CURVE = "auto";
    /** nginx's NGX_SSL_BUFSIZE. */
    static final long DEFAULT_BUFFER_SIZE = 16384;
    /** nginx's NGX_SSL_DFLT_BUILTIN_SCACHE: OpenSSL's default cache size, in sessions. */
    static final int DEFAULT_BUILTIN_SIZE = 20480;

    static void merge(SslServerConf parent, SslServerConf child) throws ConfigException {
        child.sessionTimeout = pick(child.sessionTimeout, parent.sessionTimeout, 300L);
        child.preferServerCiphers = pick(child.preferServerCiphers, parent.preferServerCiphers, false);
        if (child.protocols == null) {
            child.protocols = parent.protocols != null ? parent.protocols : DEFAULT_PROTOCOLS;
            child.protocolsWhere = parent.protocolsWhere;
        }
        child.bufferSize = pick(child.bufferSize, parent.bufferSize, DEFAULT_BUFFER_SIZE);
        if (child.verify == null) {
            child.verify = parent.verify != null ? parent.verify : Verify.OFF;
            child.verifyWhere = parent.verifyWhere;
        }
        child.verifyDepth = pick(child.verifyDepth, parent.verifyDepth, 1);
        child.certificates = pick(child.certificates, parent.certificates, List.of());
        child.certificateKeys = pick(child.certificateKeys, parent.certificateKeys, List.of());
        child.passwords = pick(child.passwords, parent.passwords, List.of());
        child.dhparam = pick(child.dhparam, parent.dhparam, null);
        child.clientCertificate = pick(child.clientCertificate, parent.clientCertificate, null);
        child.trustedCertificate = pick(child.trustedCertificate, parent.trustedCertificate, null);
        if (child.ecdhCurve == null) {
            child.ecdhCurve = parent.ecdhCurve != null ? parent.ecdhCurve : DEFAULT_ECDH_CURVE;
            child.ecdhCurveWhere = parent.ecdhCurveWhere;
        }
        if (child.ciphers == null) {
            child.ciphers = parent.ciphers != null ? parent.ciphers : DEFAULT_CIPHERS;
            child.ciphersWhere = parent.ciphersWhere;
        }
        child.stapling = pick(child.stapling, parent.stapling, false);
        child.staplingVerify = pick(child.staplingVerify, parent.staplingVerify, false);
        child.staplingFile = pick(child.staplingFile, parent.staplingFile, null);
        child.staplingResponder = pick(child.staplingResponder, parent.staplingResponder, "");
        if (!child.certificates.isEmpty() && child.certificateKeys.size() < child.certificates.size()) {
            FileRef last = child.certificates.get(child.certificates.size() - 1);
            throw new ConfigException("no \"ssl_certificate_key\" is defined for certificate \"" + last.text()
                    + "\"", last.where());
        }
        if (child.verify != Verify.OFF && child.verify != Verify.OPTIONAL_NO_CA
                && child.clientCertificate == null && child.trustedCertificate == null) {
            throw new ConfigException("no ssl_client_certificate or ssl_trusted_certificate for"
                    + " ssl_verify_client", child.verifyWhere);
        }
        if (child.cache == null) {
            child.cache = parent.cache != null ? parent.cache : Cache.NONE;
            child.builtinCacheSize = parent.cache != null ? parent.builtinCacheSize : -1;
        }
        if (child.shared == null) {
            child.shared = parent.shared;
        }
        child.sessionTickets = pick(child.sessionTickets, parent.sessionTickets, true);
        child.sessionTicketKeys = pick(child.sessionTicketKeys, parent.sessionTicketKeys, List.of());
    }

    private static <T> T pick(T own, T parent, T fallback) {
        return own != null ? own : parent != null ? parent : fallback;
    }

    public List<FileRef> certificates() {
        return certificates;
    }

    public Verify verify() {
        return verify;
    }

    public boolean hasCertificates() {
        return certificates != null && !certificates.isEmpty();
    }
}
