package dev.portico.tls;

import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfigException;
import dev.portico.config.syntax.SourceLocation;
import dev.portico.http.VirtualServer;
import dev.portico.log.ErrorLog;
import dev.portico.log.LogLevel;
import dev.portico.tls.CertificateCredentials.CertifiedKey;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.OpenSslServerContext;
import io.netty.handler.ssl.OpenSslServerSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.internal.tcnative.SSL;
import io.netty.internal.tcnative.SSLContext;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;

/**
 * The TLS contexts of one configuration: one per server block that has
 * certificates (nginx's SSL_CTX per server), shared by servers whose merged
 * settings are the same, so that a server inheriting everything from the http
 * block costs nothing more. BoringSSL (netty-tcnative) when it loads, else the
 * JDK's provider; {@code -Dportico.tls.provider=jdk} or
 * {@code PORTICO_TLS_PROVIDER=jdk} forces the JDK's.
 */
final class ServerContexts {

    /** What ALPN offers, in the server's order of preference: "h2" first where HTTP/2 is on, as nginx. */
    static List<String> alpnProtocols(boolean http2) {
        return http2 ? List.of("h2", "http/1.1") : List.of("http/1.1");
    }

    /** TLSv1.3's suites: ssl_ciphers does not choose them (as in OpenSSL), so they stay when TLSv1.3 is on. */
    private static final List<String> TLS13_SUITES =
            List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

    private final ConfigBuild build;
    private final SslProvider provider;
    private final Map<VirtualServer, ServerTlsContext> byServer = new IdentityHashMap<>();
    private final Map<VirtualServer, ServerTlsContext> byServerHttp2 = new IdentityHashMap<>();
    private final Map<List<Object>, ServerTlsContext> bySettings = new HashMap<>();
    /** Ticket keys by session id context: the contexts of one identity resume each other's sessions. */
    private final Map<String, OpenSslSessionTicketKey[]> ticketKeysByIdentity = new HashMap<>();

    ServerContexts(ConfigBuild build) {
        this.build = build;
        this.provider = chooseProvider();
    }

    static boolean jdkForced() {
        String property = System.getProperty("portico.tls.provider");
        String env = System.getenv("PORTICO_TLS_PROVIDER");
        return "jdk".equalsIgnoreCase(property) || (property == null && "jdk".equalsIgnoreCase(env));
    }

    /** BoringSSL when it loads, unless the JDK's provider is forced. */
    static SslProvider chooseProvider() {
        if (jdkForced()) {
            return SslProvider.JDK;
        }
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** The provider's name for logs: BoringSSL's version, or the JDK's. */
    String providerName() {
        return providerName(provider);
    }

    static String providerName(SslProvider provider) {
        return provider == SslProvider.OPENSSL ? OpenSsl.versionString() : "JDK " + Runtime.version();
    }

    /** The server's context, built on first use; null for a server without ssl_certificate. */
    ServerTlsContext forServer(VirtualServer server) throws ConfigException {
        return forServer(server, false);
    }

    /**
     * The server's context whose ALPN offers "h2" when {@code http2}: ALPN is part of a
     * context, so a server reached with and without HTTP/2 has one of each.
     */
    ServerTlsContext forServer(VirtualServer server, boolean http2) throws ConfigException {
        Map<VirtualServer, ServerTlsContext> byServer = http2 ? byServerHttp2 : this.byServer;
        if (byServer.containsKey(server)) {
            return byServer.get(server);
        }
        SslServerConf conf = server.serverConf().get(SslModule.SSL);
        ServerTlsContext context = null;
        if (conf.hasCertificates()) {
            List<Object> key = new java.util.ArrayList<>(settingsKey(conf));
            key.add(http2);
            context = bySettings.get(key);
            if (context == null) {
                context = build(conf, http2);
                bySettings.put(key, context);
            }
        }
        byServer.put(server, context);
        return context;
    }

    private static List<Object> settingsKey(SslServerConf c) {
        return Arrays.asList(paths(c.certificates), paths(c.certificateKeys), c.passwords, path(c.dhparam),
                c.ecdhCurve, c.protocols, c.ciphers, c.bufferSize, c.verify, c.verifyDepth,
                path(c.clientCertificate), path(c.trustedCertificate), c.preferServerCiphers, c.cache,
                c.builtinCacheSize, c.shared == null ? null : c.shared.name(), c.sessionTimeout, c.sessionTickets,
                paths(c.sessionTicketKeys), c.stapling, path(c.staplingFile));
    }

    private static List<Path> paths(List<SslServerConf.FileRef> refs) {
        return refs.stream().map(SslServerConf.FileRef::path).toList();
    }

    private static Path path(SslServerConf.FileRef ref) {
        return ref == null ? null : ref.path();
    }

    private ServerTlsContext build(SslServerConf conf, boolean http2) throws ConfigException {
        if (provider == SslProvider.JDK && !jdkForced()) {
            ErrorLog.current().log(LogLevel.NOTICE, "BoringSSL is not available ("
                    + OpenSsl.unavailabilityCause() + "), TLS uses the JDK's provider");
        }
        List<CertifiedKey> pairs = certifiedKeys(conf);
        boolean boringSsl = provider == SslProvider.OPENSSL;
        // Through BoringSSL, Netty sets one pair on each connection (an RSA one where there is one,
        // so that its signatures can go to RsaKeyOperations); CertificateCredentials offers the others.
        CertifiedKey main = pairs.stream().filter(p -> p.algorithm().equals("RSA")).findFirst().orElse(pairs.get(0));
        ClientCertificates clients = ClientCertificates.load(conf);
        List<String> protocols = protocols(provider, conf.protocols, conf.protocolsWhere, "ssl_protocols");
        RsaKeyOperations rsa = boringSsl ? RsaKeyOperations.forKey(main.key()) : null;
        SslContextBuilder b = (boringSsl
                        ? SslContextBuilder.forServer(new OneCertificateKeyManager(main, rsa == null))
                        : SslContextBuilder.forServer(keyManagers(conf, pairs)))
                .sslProvider(provider)
                .protocols(protocols)
                .sessionTimeout(conf.sessionTimeout)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpnProtocols(http2)));
        List<String> ciphers = ciphers(provider, conf.ciphers, conf.ciphersWhere, SslServerConf.DEFAULT_CIPHERS,
                "ssl_ciphers", protocols);
        if (ciphers != null) {
            b.ciphers(ciphers);
        }
        if (conf.cache == SslServerConf.Cache.BUILTIN || conf.shared != null) {
            // One process: nginx's per-worker built-in cache and its shared zone are the same cache here,
            // sized in sessions (a shared zone holds about 4000 sessions a megabyte, as nginx says).
            long sessions = conf.cache == SslServerConf.Cache.BUILTIN ? conf.builtinCacheSize : 0;
            if (conf.shared != null) {
                sessions += conf.shared.size() / 256;
            }
            b.sessionCacheSize(sessions);
        }
        if (conf.verify != SslServerConf.Verify.OFF) {
            // As nginx (SSL_VERIFY_PEER without FAIL_IF_NO_PEER_CERT, a callback that accepts): the handshake
            // asks for a certificate and always completes; the request is refused with 400 afterwards.
            b.clientAuth(ClientAuth.OPTIONAL).trustManager(clients.handshakeTrustManager());
        }
        byte[] staple = staple(conf);
        if (staple != null) {
            b.enableOcsp(true);
        }
        if (rsa != null) {
            b.option(OpenSslContextOption.PRIVATE_KEY_METHOD, rsa);
        }
        if (boringSsl && !conf.ecdhCurve.equals("auto")) {
            b.option(OpenSslContextOption.GROUPS, conf.ecdhCurve.split(":"));
        }
        if (conf.dhparam != null) {
            try {
                PemFiles.dhParameters(conf.dhparam.path());
            } catch (PemFiles.PemException e) {
                throw new ConfigException(e.getMessage().replace("() failed", "(\"" + conf.dhparam.text()
                        + "\") failed"), conf.dhparam.where());
            }
            build.warn("\"ssl_dhparam\" is read and not used: BoringSSL has no DHE cipher suites,"
                    + " ECDHE takes their place", conf.dhparam.where());
        }
        SslContext context;
        try {
            context = b.build();
        } catch (SSLException | RuntimeException e) {
            throw contextError(conf, e);
        }
        if (provider == SslProvider.OPENSSL) {
            OpenSslServerContext openSsl = (OpenSslServerContext) context;
            OpenSslServerSessionContext sessions = (OpenSslServerSessionContext) openSsl.sessionContext();
            sessions.setSessionCacheEnabled(conf.cache == SslServerConf.Cache.BUILTIN || conf.shared != null);
            byte[] identity = sessionIdContext(conf, pairs, clients);
            sessions.setSessionIdContext(identity);
            sessions.setTicketKeys(conf.sessionTicketKeys.isEmpty()
                    ? ticketKeysByIdentity.computeIfAbsent(HexFormat.of().formatHex(identity), k -> randomTicketKey())
                    : ticketKeys(conf));
        } else {
            jdkNotices(conf);
        }
        CertificateCredentials credentials = null;
        List<CertifiedKey> others = pairs.stream().filter(p -> p != main).toList();
        if (boringSsl && !others.isEmpty()) {
            try {
                credentials = CertificateCredentials.of(others, staple);
            } catch (Exception e) {
                throw contextError(conf, e);
            }
        }
        return new ServerTlsContext(context, boringSsl, conf, clients, staple, credentials);
    }

    private ConfigException contextError(SslServerConf conf, Exception e) {
        String m = String.valueOf(e.getMessage());
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (m.toLowerCase(Locale.ROOT).contains("group") || m.toLowerCase(Locale.ROOT).contains("curve")) {
            return new ConfigException("SSL_CTX_set1_curves_list(\"" + conf.ecdhCurve + "\") failed ("
                    + cause.getMessage() + ")", conf.ecdhCurveWhere);
        }
        SslServerConf.FileRef cert = conf.certificates.get(0);
        return new ConfigException("cannot use certificate \"" + cert.text() + "\": " + m
                + (cause != e ? " (" + cause.getMessage() + ")" : ""), cert.where());
    }

    /**
     * Every ssl_certificate / ssl_certificate_key pair, read and checked. As OpenSSL keeps one
     * certificate per key type in nginx's SSL_CTX, a later pair replaces an earlier one of the
     * same type (two RSA certificates: the second is served).
     */
    private static List<CertifiedKey> certifiedKeys(SslServerConf conf) throws ConfigException {
        Map<String, CertifiedKey> byType = new LinkedHashMap<>();
        for (int i = 0; i < conf.certificates.size(); i++) {
            CertifiedKey pair = certifiedKey(conf.certificates.get(i), conf.certificateKeys.get(i), conf.passwords,
                    "ssl_password_file");
            byType.remove(pair.algorithm());
            byType.put(pair.algorithm(), pair);
        }
        return new ArrayList<>(byType.values());
    }

    /**
     * The key manager of a context on the JDK's provider, which asks it per key type as it
     * negotiates and so chooses among several certificates.
     */
    private static KeyManagerFactory keyManagers(SslServerConf conf, List<CertifiedKey> pairs)
            throws ConfigException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = new char[0];
            for (int i = 0; i < pairs.size(); i++) {
                store.setKeyEntry("certificate-" + i, pairs.get(i).key(), password,
                        pairs.get(i).chain().toArray(new X509Certificate[0]));
            }
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, password);
            return factory;
        } catch (Exception e) {
            SslServerConf.FileRef cert = conf.certificates.get(0);
            throw new ConfigException("cannot use certificate \"" + cert.text() + "\": " + e, cert.where());
        }
    }

    /**
     * A certificate file and its key file, read as nginx's ngx_ssl_certificate reads them, with its
     * error wording; {@code passwords} come from {@code passwordDirective}'s file.
     */
    static CertifiedKey certifiedKey(SslServerConf.FileRef certFile, SslServerConf.FileRef keyFile,
                                     List<String> passwords, String passwordDirective) throws ConfigException {
        List<X509Certificate> chain;
        try {
            chain = PemFiles.certificates(certFile.path());
        } catch (PemFiles.PemException e) {
            throw new ConfigException("cannot load certificate \"" + certFile.text() + "\": " + e.getMessage(),
                    certFile.where());
        }
        PrivateKey key;
        try {
            key = PemFiles.privateKey(keyFile.path(), passwords, passwordDirective);
        } catch (PemFiles.PemException e) {
            throw new ConfigException("cannot load certificate key \"" + keyFile.text() + "\": " + e.getMessage(),
                    keyFile.where());
        }
        if (!matches(chain.get(0), key)) {
            throw new ConfigException("SSL_CTX_use_PrivateKey(\"" + keyFile.text() + "\") failed (key values"
                    + " mismatch: the key is not the one of \"" + certFile.text() + "\")", keyFile.where());
        }
        return new CertifiedKey(chain, key);
    }

    /** The key belongs to the certificate: same algorithm, and it signs what the certificate's key verifies. */
    private static boolean matches(X509Certificate cert, PrivateKey key) {
        String algorithm = cert.getPublicKey().getAlgorithm();
        if (!algorithm.equals(key.getAlgorithm())) {
            return false;
        }
        String signature = switch (algorithm) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448" -> algorithm;
            default -> null;
        };
        if (signature == null) {
            return true;
        }
        try {
            byte[] probe = "portico".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            java.security.Signature signer = java.security.Signature.getInstance(signature);
            signer.initSign(key);
            signer.update(probe);
            byte[] signed = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance(signature);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signed);
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * ssl_protocols (or proxy_ssl_protocols) as the provider has them: what it lacks is refused
     * when asked for ({@code where} is the directive's place), skipped when defaulted (null).
     */
    static List<String> protocols(SslProvider provider, int mask, SourceLocation where, String directive)
            throws ConfigException {
        List<String> supported = supportedProtocols(provider);
        List<String> wanted = SslProtocols.names(mask);
        List<String> usable = new ArrayList<>();
        for (String p : wanted) {
            if (supported.contains(p)) {
                usable.add(p);
            } else if (where != null) {
                throw new ConfigException("\"" + directive + "\" names " + p + ", which " + providerName(provider)
                        + " does not support (it has " + String.join(" ", supported) + ")", where);
            }
        }
        if (usable.isEmpty()) {
            throw new ConfigException("\"" + directive + "\" leaves no protocol that " + providerName(provider)
                    + " supports", where);
        }
        return usable;
    }

    private static List<String> supportedProtocols(SslProvider provider) {
        if (provider == SslProvider.OPENSSL) {
            // As Netty's OpenSsl probes: a context made for the protocol alone exists or not.
            List<String> names = new ArrayList<>();
            int[] protocols = {SSL.SSL_PROTOCOL_SSLV2, SSL.SSL_PROTOCOL_SSLV3, SSL.SSL_PROTOCOL_TLSV1,
                    SSL.SSL_PROTOCOL_TLSV1_1, SSL.SSL_PROTOCOL_TLSV1_2, SSL.SSL_PROTOCOL_TLSV1_3};
            int[] options = {SSL.SSL_OP_NO_SSLv2, SSL.SSL_OP_NO_SSLv3, SSL.SSL_OP_NO_TLSv1, SSL.SSL_OP_NO_TLSv1_1,
                    SSL.SSL_OP_NO_TLSv1_2, SSL.SSL_OP_NO_TLSv1_3};
            List<String> all = SslProtocols.names(0x7e);
            for (int i = 0; i < protocols.length; i++) {
                if (options[i] == 0) {
                    continue; // BoringSSL marks what it lacks (SSLv2) with no option
                }
                long ctx = -1;
                try {
                    ctx = SSLContext.make(protocols[i], SSL.SSL_MODE_SERVER);
                    names.add(all.get(i));
                } catch (Exception lacking) {
                    // not supported
                } finally {
                    if (ctx != -1) {
                        SSLContext.free(ctx);
                    }
                }
            }
            return names;
        }
        try {
            List<String> names = Arrays.asList(javax.net.ssl.SSLContext.getDefault().getSupportedSSLParameters()
                    .getProtocols());
            return SslProtocols.names(0x7e).stream().filter(names::contains).toList();
        } catch (java.security.NoSuchAlgorithmException e) {
            return List.of("TLSv1.2", "TLSv1.3");
        }
    }

    /**
     * ssl_ciphers (or proxy_ssl_ciphers) as OpenSSL reads it: BoringSSL itself expands the
     * expression into the list of suites, in order, so "HIGH:!aNULL:!MD5" means exactly what it
     * means to nginx. The JDK's provider takes a plain list of names only; for an expression it
     * keeps its defaults (null), with a notice unless the expression is the directive's default.
     */
    static List<String> ciphers(SslProvider provider, String ciphers, SourceLocation where, String defaultCiphers,
                                String directive, List<String> protocols) throws ConfigException {
        if (provider == SslProvider.OPENSSL) {
            List<String> list = new ArrayList<>(expand(ciphers, where));
            if (protocols.contains("TLSv1.3")) {
                list.addAll(TLS13_SUITES);
            }
            return list;
        }
        List<String> java = new ArrayList<>();
        for (String name : ciphers.split("[:, ]+")) {
            String converted = io.netty.handler.ssl.CipherSuiteConverter.toJava(name, "TLS");
            if (converted == null || name.startsWith("!") || name.startsWith("-") || name.startsWith("+")
                    || name.startsWith("@") || name.equals(name.toUpperCase(Locale.ROOT)) && !name.contains("-")) {
                if (!ciphers.equals(defaultCiphers)) {
                    ErrorLog.current().log(LogLevel.NOTICE, "the JDK's provider does not read OpenSSL cipher"
                            + " expressions: " + directive + " \"" + ciphers + "\" keeps the JDK's default suites");
                }
                return null;
            }
            java.add(converted);
        }
        return java;
    }

    private static List<String> expand(String ciphers, SourceLocation where) throws ConfigException {
        long ctx = 0;
        long ssl = 0;
        try {
            ctx = SSLContext.make(SSL.SSL_PROTOCOL_ALL, SSL.SSL_MODE_SERVER);
            if (!SSLContext.setCipherSuite(ctx, ciphers, false)) {
                throw new ConfigException("SSL_CTX_set_cipher_list(\"" + ciphers + "\") failed",
                        where);
            }
            ssl = SSL.newSSL(ctx, true);
            String[] names = SSL.getCiphers(ssl);
            if (names == null || names.length == 0) {
                throw new ConfigException("SSL_CTX_set_cipher_list(\"" + ciphers + "\") failed (no cipher"
                        + " match)", where);
            }
            return List.of(names);
        } catch (ConfigException e) {
            throw e;
        } catch (Exception e) {
            throw new ConfigException("SSL_CTX_set_cipher_list(\"" + ciphers + "\") failed ("
                    + e.getMessage() + ")", where);
        } finally {
            if (ssl != 0) {
                SSL.freeSSL(ssl);
            }
            if (ctx != 0) {
                SSLContext.free(ctx);
            }
        }
    }

    /**
     * nginx's ngx_ssl_session_id_context: SHA-1 of "HTTP", of each certificate's SHA-1 and of the
     * names of the CAs sent to clients; Portico adds the ssl_verify_client mode. A session resumes
     * only in a context with the same one, so a server never takes a session another certificate
     * (or another client verification) established.
     */
    private static byte[] sessionIdContext(SslServerConf conf, List<CertifiedKey> pairs, ClientCertificates clients)
            throws ConfigException {
        try {
            java.security.MessageDigest sha1 = java.security.MessageDigest.getInstance("SHA-1");
            sha1.update("HTTP".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            for (CertifiedKey pair : pairs) {
                sha1.update(java.security.MessageDigest.getInstance("SHA-1").digest(pair.chain().get(0).getEncoded()));
            }
            for (X509Certificate ca : clients.advertised()) {
                sha1.update(ca.getSubjectX500Principal().getEncoded());
            }
            sha1.update((byte) conf.verify.ordinal());
            return sha1.digest();
        } catch (java.security.GeneralSecurityException e) {
            throw new ConfigException("cannot make the session id context: " + e.getMessage(),
                    conf.certificates.get(0).where());
        }
    }

    /**
     * A ticket key made at load, as OpenSSL makes one per SSL_CTX when no ssl_session_ticket_key is
     * given; shared by the contexts of one session id context so that they take each other's tickets.
     */
    private static OpenSslSessionTicketKey[] randomTicketKey() {
        byte[] bytes = new byte[48];
        new java.security.SecureRandom().nextBytes(bytes);
        return new OpenSslSessionTicketKey[] {new OpenSslSessionTicketKey(Arrays.copyOfRange(bytes, 0, 16),
                Arrays.copyOfRange(bytes, 16, 32), Arrays.copyOfRange(bytes, 32, 48))};
    }

    /** nginx's 48-byte ssl_session_ticket_key files: name (16), AES key (16), HMAC key (16). */
    private static OpenSslSessionTicketKey[] ticketKeys(SslServerConf conf) throws ConfigException {
        List<OpenSslSessionTicketKey> keys = new ArrayList<>();
        for (SslServerConf.FileRef file : conf.sessionTicketKeys) {
            byte[] bytes;
            try {
                bytes = java.nio.file.Files.readAllBytes(file.path());
            } catch (java.io.IOException e) {
                throw new ConfigException("open() \"" + file.text() + "\" failed (" + ErrorLog.describe(e) + ")",
                        file.where());
            }
            if (bytes.length == 80) {
                throw new ConfigException("\"" + file.text() + "\" is an 80-byte key (AES-256):"
                        + " BoringSSL takes 48-byte keys only (openssl rand 48 > FILE)", file.where());
            }
            if (bytes.length != 48) {
                throw new ConfigException("\"" + file.text() + "\" must be 48 or 80 bytes", file.where());
            }
            keys.add(new OpenSslSessionTicketKey(Arrays.copyOfRange(bytes, 0, 16), Arrays.copyOfRange(bytes, 32, 48),
                    Arrays.copyOfRange(bytes, 16, 32)));
        }
        return keys.toArray(new OpenSslSessionTicketKey[0]);
    }

    /** ssl_stapling with ssl_stapling_file: the DER response stapled to every handshake. */
    private byte[] staple(SslServerConf conf) throws ConfigException {
        if (!conf.stapling) {
            return null;
        }
        if (conf.staplingFile == null) {
            build.warn("\"ssl_stapling\" ignored, portico does not fetch OCSP responses:"
                    + " give one in \"ssl_stapling_file\"", null);
            return null;
        }
        byte[] der;
        try {
            der = PemFiles.readAll(conf.staplingFile.path());
        } catch (PemFiles.PemException e) {
            throw new ConfigException(e.getMessage().replace("() failed", "(\"" + conf.staplingFile.text()
                    + "\") failed"), conf.staplingFile.where());
        }
        if (der.length == 0 || der[0] != 0x30) {
            throw new ConfigException("d2i_OCSP_RESPONSE_bio(\"" + conf.staplingFile.text() + "\") failed"
                    + " (not a DER OCSP response)", conf.staplingFile.where());
        }
        if (provider != SslProvider.OPENSSL) {
            build.warn("\"ssl_stapling_file\" ignored: the JDK's provider cannot staple a given response",
                    conf.staplingFile.where());
            return null;
        }
        return der;
    }

    private void jdkNotices(SslServerConf conf) {
        if (!conf.sessionTicketKeys.isEmpty()) {
            build.warn("\"ssl_session_ticket_key\" ignored: the JDK's provider makes its own ticket keys",
                    conf.sessionTicketKeys.get(0).where());
        }
        if (!conf.ecdhCurve.equals("auto")) {
            build.warn("\"ssl_ecdh_curve\" ignored: the JDK's provider takes its groups from"
                    + " -Djdk.tls.namedGroups", conf.ecdhCurveWhere);
        }
    }
}
