package dev.portico.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.OpenSslPrivateKeyMethod;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** RSA signatures and decryptions by RsaKeyOperations, checked with the JDK's own RSA. */
class RsaKeyOperationsTest {

    private static KeyPair rsa;

    @BeforeAll
    static void key() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        rsa = generator.generateKeyPair();
    }

    @Test
    void theProviderLoadsHere() {
        // Linux x86-64 is where Portico runs and is measured; without the provider BoringSSL signs.
        assertThat(RsaKeyOperations.available()).as(RsaKeyOperations.description()).isTrue();
    }

    @Test
    void pkcs1SignaturesVerifyWithTheJdk() throws Exception {
        RsaKeyOperations operations = RsaKeyOperations.forKey(rsa.getPrivate());
        byte[] message = "handshake transcript".getBytes();
        for (Object[] c : new Object[][] {{OpenSslPrivateKeyMethod.SSL_SIGN_RSA_PKCS1_SHA256, "SHA256withRSA"},
                {OpenSslPrivateKeyMethod.SSL_SIGN_RSA_PKCS1_SHA384, "SHA384withRSA"},
                {OpenSslPrivateKeyMethod.SSL_SIGN_RSA_PKCS1_SHA512, "SHA512withRSA"},
                {OpenSslPrivateKeyMethod.SSL_SIGN_RSA_PKCS1_SHA1, "SHA1withRSA"}}) {
            byte[] signature = operations.sign(null, (int) c[0], message);
            Signature verifier = Signature.getInstance((String) c[1], "SunRsaSign");
            verifier.initVerify(rsa.getPublic());
            verifier.update(message);
            assertThat(verifier.verify(signature)).as((String) c[1]).isTrue();
        }
    }

    @Test
    void pssSignaturesUseTheSaltLengthOfTheirHash() throws Exception {
        RsaKeyOperations operations = RsaKeyOperations.forKey(rsa.getPrivate());
        byte[] message = "certificate verify".getBytes();
        for (Object[] c : new Object[][] {{OpenSslPrivateKeyMethod.SSL_SIGN_RSA_PSS_RSAE_SHA256, "SHA-256", 32},
                {OpenSslPrivateKeyMethod.SSL_SIGN_RSA_PSS_RSAE_SHA384, "SHA-384", 48},
                {OpenSslPrivateKeyMethod.SSL_SIGN_RSA_PSS_RSAE_SHA512, "SHA-512", 64}}) {
            byte[] signature = operations.sign(null, (int) c[0], message);
            Signature verifier = Signature.getInstance("RSASSA-PSS", "SunRsaSign");
            verifier.setParameter(new PSSParameterSpec((String) c[1], "MGF1", new MGF1ParameterSpec((String) c[1]),
                    (int) c[2], 1));
            verifier.initVerify(rsa.getPublic());
            verifier.update(message);
            assertThat(verifier.verify(signature)).as((String) c[1]).isTrue();
            // The same message signed again differs (a random salt) and still verifies.
            byte[] again = operations.sign(null, (int) c[0], message);
            assertThat(again).isNotEqualTo(signature);
            verifier.update(message);
            assertThat(verifier.verify(again)).isTrue();
        }
    }

    @Test
    void decryptionIsRawRsa() throws Exception {
        RsaKeyOperations operations = RsaKeyOperations.forKey(rsa.getPrivate());
        RSAPublicKey pub = (RSAPublicKey) rsa.getPublic();
        byte[] plain = new byte[256];
        Arrays.fill(plain, (byte) 7);
        plain[0] = 0; // below the modulus
        byte[] encrypted = toBytes(new BigInteger(1, plain).modPow(pub.getPublicExponent(), pub.getModulus()), 256);
        assertThat(operations.decrypt(null, encrypted)).isEqualTo(plain);
    }

    @Test
    void otherKeysAndSchemesAreNotItsOwn() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(256);
        assertThat(RsaKeyOperations.forKey(ec.generateKeyPair().getPrivate())).isNull();
        RsaKeyOperations operations = RsaKeyOperations.forKey(rsa.getPrivate());
        assertThatThrownBy(() -> operations.sign(null, OpenSslPrivateKeyMethod.SSL_SIGN_ECDSA_SECP256R1_SHA256,
                new byte[1])).hasMessageContaining("not an RSA one");
    }

    private static byte[] toBytes(BigInteger n, int length) {
        byte[] raw = n.toByteArray();
        byte[] out = new byte[length];
        int copy = Math.min(raw.length, length);
        System.arraycopy(raw, raw.length - copy, out, length - copy, copy);
        return out;
    }
}
