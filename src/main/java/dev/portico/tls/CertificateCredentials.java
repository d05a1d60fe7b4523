package dev.portico.tls;

import io.netty.internal.tcnative.Buffer;
import io.netty.internal.tcnative.SSL;
import io.netty.internal.tcnative.SSLCredential;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * A server's certificates beyond the one Netty sets on each connection (nginx's ssl_certificate
 * given more than once: an ECDSA one beside the RSA one, say) as BoringSSL credentials. Each
 * connection gets them all, and BoringSSL serves the first one that the ClientHello can use (by
 * its cipher suites in TLSv1.2, by its signature algorithms in TLSv1.3), Netty's last.
 *
 * <p>Netty's own path cannot choose: its certificate callback asks the key manager for the key
 * types of the server's cipher list, in the server's order, never the client's.
 *
 * <p>The credentials are native objects: each connection takes a reference of its own
 * (SSL_add1_credential), and this object's references are freed once it is unreachable.
 */
final class CertificateCredentials {

    private static final Cleaner CLEANER = Cleaner.create();

    /** A certificate chain and its key, as one ssl_certificate / ssl_certificate_key pair gives them. */
    record CertifiedKey(List<X509Certificate> chain, PrivateKey key) {

        String algorithm() {
            return key.getAlgorithm();
        }
    }

    private final long[] pointers;

    private CertificateCredentials(long[] pointers) {
        this.pointers = pointers;
        CLEANER.register(this, new Free(pointers.clone()));
    }

    /**
     * The credentials in the order BoringSSL tries them: ECDSA keys first, then the others as
     * configured. nginx with OpenSSL gives the ECDSA certificate to a client that can take both
     * whenever the client's list (or ssl_ciphers', with ssl_prefer_server_ciphers on) names an
     * ECDSA suite or signature algorithm first, as browsers, curl and OpenSSL's defaults do.
     * {@code staple} (ssl_stapling_file) goes with each, as nginx staples the file to every
     * certificate.
     */
    static CertificateCredentials of(List<CertifiedKey> pairs, byte[] staple) throws Exception {
        List<CertifiedKey> ordered = new ArrayList<>();
        pairs.stream().filter(p -> p.algorithm().equals("EC")).forEach(ordered::add);
        pairs.stream().filter(p -> !p.algorithm().equals("EC")).forEach(ordered::add);
        long[] pointers = new long[ordered.size()];
        try {
            for (int i = 0; i < ordered.size(); i++) {
                pointers[i] = credential(ordered.get(i), staple);
            }
        } catch (Exception e) {
            new Free(pointers).run();
            throw e;
        }
        return new CertificateCredentials(pointers);
    }

    /** Gives a connection (its SSL pointer) every credential, before its handshake starts. */
    void addTo(long ssl) {
        try {
            for (long credential : pointers) {
                SSL.addCredential(ssl, credential);
            }
        } catch (Exception e) {
            throw new IllegalStateException("SSL_add1_credential() failed", e);
        }
    }

    private static long credential(CertifiedKey pair, byte[] staple) throws Exception {
        long credential = SSLCredential.newX509();
        long key = 0;
        long chain = 0;
        try {
            key = parse(pem("PRIVATE KEY", List.of(pair.key().getEncoded())), true);
            SSLCredential.setPrivateKey(credential, key);
            List<byte[]> certificates = new ArrayList<>();
            for (X509Certificate c : pair.chain()) {
                certificates.add(c.getEncoded());
            }
            chain = parse(pem("CERTIFICATE", certificates), false);
            SSLCredential.setCertChain(credential, chain);
            if (staple != null) {
                SSLCredential.setOcspResponse(credential, staple);
            }
            return credential;
        } catch (Exception e) {
            SSLCredential.free(credential);
            throw e;
        } finally {
            if (key != 0) {
                SSL.freePrivateKey(key);
            }
            if (chain != 0) {
                SSL.freeX509Chain(chain);
            }
        }
    }

    private static byte[] pem(String label, List<byte[]> blocks) {
        StringBuilder sb = new StringBuilder();
        Base64.Encoder base64 = Base64.getMimeEncoder(64, new byte[] {'\n'});
        for (byte[] der : blocks) {
            sb.append("-----BEGIN ").append(label).append("-----\n").append(base64.encodeToString(der))
                    .append("\n-----END ").append(label).append("-----\n");
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The PEM text through a memory BIO into BoringSSL: a key (EVP_PKEY) or a certificate chain. */
    private static long parse(byte[] pem, boolean privateKey) throws Exception {
        ByteBuffer direct = ByteBuffer.allocateDirect(pem.length);
        direct.put(pem).flip();
        long bio = SSL.newMemBIO();
        try {
            if (SSL.bioWrite(bio, Buffer.address(direct), pem.length) != pem.length) {
                throw new IllegalStateException("BIO_write() failed");
            }
            return privateKey ? SSL.parsePrivateKey(bio, null) : SSL.parseX509Chain(bio);
        } finally {
            SSL.freeBIO(bio);
            if (privateKey) {
                // The key's bytes do not wait for the collector.
                direct.clear();
                direct.put(new byte[pem.length]);
                Arrays.fill(pem, (byte) 0);
            }
        }
    }

    /** Frees this object's references; connections that took the credentials keep their own. */
    private record Free(long[] pointers) implements Runnable {
        @Override
        public void run() {
            for (long p : pointers) {
                if (p != 0) {
                    try {
                        SSLCredential.free(p);
                    } catch (Exception ignored) {
                        // nothing left to do with a credential that cannot be freed
                    }
                }
            }
        }
    }
}
