package dev.portico.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.http.rewrite.TestServer;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server with an RSA and an ECDSA certificate, in this JVM, under each provider: Java's
 * TLS client offering only RSA or only ECDSA suites gets the certificate it can use.
 * (openssl s_client's view, TLSv1.3 included, is TlsTest's.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SeveralCertificatesTest {

    @TempDir
    static Path dir;

    private static final String SERVER = """
            server {
                listen 127.0.0.1:PORT ssl;
                ssl_certificate certs/rsa.pem;
                ssl_certificate_key certs/rsa.key;
                ssl_certificate certs/ecdsa.pem;
                ssl_certificate_key certs/ecdsa.key;
                ssl_protocols TLSv1.2;
            }
            """;

    @BeforeAll
    void certificates() {
        TestCertificates.create(dir.resolve("certs")).selfSigned("rsa", false).selfSigned("ecdsa", true);
    }

    @Test
    void boringSsl() throws Exception {
        try (TestServer server = TestServer.start(dir, SERVER)) {
            assertServesTheCertificateTheSuitesAllow(server.port());
        }
    }

    @Test
    void boringSslHandsTheRsaKeysOperationsToRsaKeyOperations() throws Exception {
        try (TestServer server = TestServer.start(dir, SERVER)) {
            // BoringSSL holds the certificate without its key, so an RSA handshake that completes
            // was signed here; the count shows it, and that ECDSA stays with BoringSSL.
            long before = RsaKeyOperations.operations();
            served(server.port(), "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
            assertThat(RsaKeyOperations.operations()).as("ECDSA signs inside BoringSSL").isEqualTo(before);
            served(server.port(), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
            assertThat(RsaKeyOperations.operations()).as("one RSA signature").isEqualTo(before + 1);
            served(server.port(), "TLS_RSA_WITH_AES_128_GCM_SHA256");
            assertThat(RsaKeyOperations.operations()).as("one RSA decryption of the premaster secret")
                    .isEqualTo(before + 2);
        }
    }

    @Test
    void theJdksProvider() throws Exception {
        System.setProperty("portico.tls.provider", "jdk");
        TestServer server;
        try {
            server = TestServer.start(dir, SERVER);
        } finally {
            System.clearProperty("portico.tls.provider");
        }
        try (server) {
            long before = RsaKeyOperations.operations();
            assertServesTheCertificateTheSuitesAllow(server.port());
            assertThat(RsaKeyOperations.operations()).as("the JDK signs with its own key").isEqualTo(before);
        }
    }

    private static void assertServesTheCertificateTheSuitesAllow(int port) throws Exception {
        X509Certificate rsa = served(port, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        assertThat(rsa.getSubjectX500Principal().getName()).isEqualTo("CN=rsa");
        assertThat(rsa.getPublicKey().getAlgorithm()).isEqualTo("RSA");
        X509Certificate ecdsa = served(port, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
        assertThat(ecdsa.getSubjectX500Principal().getName()).isEqualTo("CN=ecdsa");
        assertThat(ecdsa.getPublicKey().getAlgorithm()).isEqualTo("EC");
    }

    /** The server's certificate in a TLSv1.2 handshake offering {@code suite} alone. */
    private static X509Certificate served(int port, String suite) throws Exception {
        TrustManager anyServer = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLSv1.2");
        context.init(null, new TrustManager[] {anyServer}, null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.setEnabledCipherSuites(new String[] {suite});
            socket.startHandshake();
            assertThat(socket.getSession().getCipherSuite()).isEqualTo(suite);
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }
}
