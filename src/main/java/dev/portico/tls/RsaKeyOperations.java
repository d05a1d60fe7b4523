package dev.portico.tls;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import io.netty.handler.ssl.OpenSslPrivateKeyMethod;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.PSSParameterSpec;
import javax.crypto.Cipher;
import javax.net.ssl.SSLEngine;

/**
 * The RSA signatures (and, for the TLS_RSA suites, decryptions) of a server's handshakes, done
 * by the Amazon Corretto Crypto Provider (AWS-LC) instead of BoringSSL. AWS-LC computes an
 * RSA-2048 signature with the AVX-512 IFMA code that OpenSSL 3 has and BoringSSL lacks: about
 * 245 µs against BoringSSL's 570 µs on the same core, the largest part of a full RSA handshake.
 * BoringSSL calls this through its private key method (SSL_CTX_set_private_key_method), for the
 * certificate Netty sets on each connection; ECDSA keys stay with BoringSSL, which is fast there.
 *
 * <p>Runs on the connection's event loop, as BoringSSL's own signature would; each thread keeps
 * its Signature objects.
 */
final class RsaKeyOperations implements OpenSslPrivateKeyMethod {

    private static final Provider PROVIDER = loadProvider();

    /** Signatures and decryptions done here, all keys together: a few per full handshake, never per request. */
    private static final java.util.concurrent.atomic.LongAdder OPERATIONS = new java.util.concurrent.atomic.LongAdder();

    /** How many RSA operations BoringSSL has handed over so far (what shows that it does). */
    static long operations() {
        return OPERATIONS.sum();
    }

    /** TLS signature schemes this handles, each with its JCA algorithm and PSS parameters (null: PKCS#1 v1.5). */
    private enum Scheme {
        PKCS1_SHA1(SSL_SIGN_RSA_PKCS1_SHA1, "SHA1withRSA", null),
        PKCS1_SHA256(SSL_SIGN_RSA_PKCS1_SHA256, "SHA256withRSA", null),
        PKCS1_SHA384(SSL_SIGN_RSA_PKCS1_SHA384, "SHA384withRSA", null),
        PKCS1_SHA512(SSL_SIGN_RSA_PKCS1_SHA512, "SHA512withRSA", null),
        PSS_SHA256(SSL_SIGN_RSA_PSS_RSAE_SHA256, "RSASSA-PSS",
                new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1)),
        PSS_SHA384(SSL_SIGN_RSA_PSS_RSAE_SHA384, "RSASSA-PSS",
                new PSSParameterSpec("SHA-384", "MGF1", MGF1ParameterSpec.SHA384, 48, 1)),
        PSS_SHA512(SSL_SIGN_RSA_PSS_RSAE_SHA512, "RSASSA-PSS",
                new PSSParameterSpec("SHA-512", "MGF1", MGF1ParameterSpec.SHA512, 64, 1));

        final int tlsCode;
        final String jcaName;
        final PSSParameterSpec pss;

        Scheme(int tlsCode, String jcaName, PSSParameterSpec pss) {
            this.tlsCode = tlsCode;
            this.jcaName = jcaName;
            this.pss = pss;
        }

        static Scheme of(int tlsCode) {
            for (Scheme s : values()) {
                if (s.tlsCode == tlsCode) {
                    return s;
                }
            }
            return null;
        }
    }

    private final PrivateKey key;
    private final ThreadLocal<Signature[]> signatures = ThreadLocal.withInitial(() -> new Signature[Scheme.values().length]);
    private final ThreadLocal<Cipher> decryption = new ThreadLocal<>();

    private RsaKeyOperations(PrivateKey key) {
        this.key = key;
    }

    /** Whether the provider loaded and passed its self-tests on this machine (x86-64 or aarch64 Linux). */
    static boolean available() {
        return PROVIDER != null;
    }

    /** What is used for RSA keys, for the notice at start-up. */
    static String description() {
        return PROVIDER == null ? "BoringSSL" : PROVIDER.getName() + " " + PROVIDER.getVersionStr();
    }

    /** The operations for an RSA key, or null when the provider is not available or the key is not RSA. */
    static RsaKeyOperations forKey(PrivateKey key) {
        if (PROVIDER == null || !key.getAlgorithm().equals("RSA")) {
            return null;
        }
        try {
            // The provider's own key object keeps the parsed native key: nothing is parsed per handshake.
            PrivateKey own = KeyFactory.getInstance("RSA", PROVIDER)
                    .generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
            return new RsaKeyOperations(own);
        } catch (Exception e) {
            return null;
        }
    }

    @Override
    public byte[] sign(SSLEngine engine, int signatureAlgorithm, byte[] input) throws Exception {
        Scheme scheme = Scheme.of(signatureAlgorithm);
        if (scheme == null) {
            throw new java.security.NoSuchAlgorithmException("signature algorithm 0x"
                    + Integer.toHexString(signatureAlgorithm) + " is not an RSA one");
        }
        Signature[] own = signatures.get();
        Signature signature = own[scheme.ordinal()];
        if (signature == null) {
            signature = Signature.getInstance(scheme.jcaName, PROVIDER);
            if (scheme.pss != null) {
                signature.setParameter(scheme.pss);
            }
            own[scheme.ordinal()] = signature;
        }
        signature.initSign(key);
        signature.update(input);
        OPERATIONS.increment();
        return signature.sign();
    }

    /** A raw RSA decryption, as BoringSSL's private key method asks (it removes the padding itself). */
    @Override
    public byte[] decrypt(SSLEngine engine, byte[] input) throws Exception {
        Cipher cipher = decryption.get();
        if (cipher == null) {
            cipher = Cipher.getInstance("RSA/ECB/NoPadding", PROVIDER);
            decryption.set(cipher);
        }
        cipher.init(Cipher.DECRYPT_MODE, key);
        OPERATIONS.increment();
        return cipher.doFinal(input);
    }

    private static Provider loadProvider() {
        if ("off".equals(System.getProperty("portico.tls.rsa-provider"))
                || "off".equals(System.getenv("PORTICO_TLS_RSA_PROVIDER"))) {
            return null;
        }
        try {
            AmazonCorrettoCryptoProvider.INSTANCE.assertHealthy();
            return AmazonCorrettoCryptoProvider.INSTANCE;
        } catch (Throwable e) {
            // Not this platform, or its self-tests failed: BoringSSL signs, as it would anyway.
            return null;
        }
    }
}
