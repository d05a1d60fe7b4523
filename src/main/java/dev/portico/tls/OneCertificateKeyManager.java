package dev.portico.tls;

import dev.portico.tls.CertificateCredentials.CertifiedKey;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The key manager of a BoringSSL context: one certificate and key, given to Netty for every
 * connection whatever key type it asks for (BoringSSL's credentials serve the server's other
 * certificates, and pass over this one when the client cannot use it). The same objects every
 * time, so that Netty keeps the native copy it made once instead of encoding and parsing the
 * key on each handshake, as it does for a key manager that returns new objects (the JDK's
 * KeyStore-backed one decrypts its entry on every call).
 */
final class OneCertificateKeyManager extends X509ExtendedKeyManager {

    private static final String ALIAS = "certificate";

    private final X509Certificate[] chain;
    private final PrivateKey key;

    /**
     * Without {@code withKey}, BoringSSL gets the certificate alone and signs through the context's
     * private key method ({@link RsaKeyOperations}): a key given with the certificate would replace it.
     */
    OneCertificateKeyManager(CertifiedKey pair, boolean withKey) {
        this.chain = pair.chain().toArray(new X509Certificate[0]);
        this.key = withKey ? pair.key() : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return ALIAS;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return ALIAS;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return new String[] {ALIAS};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? chain : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return key != null && ALIAS.equals(alias) ? key : null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return null;
    }
}
