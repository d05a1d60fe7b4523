package dev.portico.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portico.config.ConfigException;
import dev.portico.config.ConfigFixture;
import dev.portico.core.Snapshot;
import dev.portico.http.ListenSocket;
import dev.portico.http.VirtualServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ssl_* directives: nginx's defaults, http → server inheritance, and the
 * configuration errors in nginx's words with file:line, on certificates made
 * by the openssl command line.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SslModuleTest {

    @TempDir
    static Path dir;
    private TestCertificates certs;
    private Path conf;

    @BeforeAll
    void certificates() {
        certs = TestCertificates.create(dir.resolve("conf/certs")).chainLeaf("a.test").selfSigned("b.test", true)
                .client("client.test");
        conf = dir.resolve("conf/portico.conf");
    }

    private Snapshot load(String http) throws ConfigException {
        return ConfigFixture.load(dir, "events {}\nhttp {\n" + http + "\n}\n");
    }

    private static SslServerConf ssl(Snapshot s, int server) {
        ListenSocket socket = s.http().sockets().get(0);
        VirtualServer v = socket.allServerNames().get(0).servers().get(server);
        return v.serverConf().get(SslModule.SSL);
    }

    private String error(String http) {
        try {
            load(http);
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("loaded without an error:\n" + http);
    }

    private static final String A = "ssl_certificate certs/a.test-fullchain.pem; ssl_certificate_key certs/a.test.key;";

    @Test
    void defaultsAreNginx122s() throws Exception {
        SslServerConf c = ssl(load("server { listen 127.0.0.1:18443 ssl; " + A + " }"), 0);
        assertThat(SslProtocols.names(c.protocols)).containsExactly("TLSv1", "TLSv1.1", "TLSv1.2");
        assertThat(c.ciphers).isEqualTo("HIGH:!aNULL:!MD5");
        assertThat(c.ecdhCurve).isEqualTo("auto");
        assertThat(c.sessionTimeout).isEqualTo(300L);
        assertThat(c.cache).isEqualTo(SslServerConf.Cache.NONE);
        assertThat(c.shared).isNull();
        assertThat(c.sessionTickets).isTrue();
        assertThat(c.preferServerCiphers).isFalse();
        assertThat(c.verify).isEqualTo(SslServerConf.Verify.OFF);
        assertThat(c.verifyDepth).isEqualTo(1);
        assertThat(c.bufferSize).isEqualTo(16384L);
        assertThat(c.stapling).isFalse();
    }

    @Test
    void serversInheritTheHttpBlockAndAServerLevelReplacesIt() throws Exception {
        Snapshot s = load("ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache shared:SSL:50m; ssl_session_timeout 1d;"
                + A + "\n server { listen 127.0.0.1:18443 ssl; server_name a.test; }\n"
                + " server { listen 127.0.0.1:18443 ssl; server_name b.test; ssl_protocols TLSv1.3;"
                + " ssl_certificate certs/b.test.pem; ssl_certificate_key certs/b.test.key;"
                + " ssl_session_cache builtin:1000 shared:SSL:50m; ssl_session_tickets off;"
                + " ssl_prefer_server_ciphers on; }");
        SslServerConf a = ssl(s, 0);
        assertThat(SslProtocols.names(a.protocols)).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(a.sessionTimeout).isEqualTo(86400L);
        assertThat(a.shared.name()).isEqualTo("SSL");
        assertThat(a.shared.size()).isEqualTo(50L << 20);
        assertThat(a.cache).isEqualTo(SslServerConf.Cache.NO_BUILTIN);
        assertThat(a.certificates).extracting(f -> f.path().getFileName().toString())
                .containsExactly("a.test-fullchain.pem");
        SslServerConf b = ssl(s, 1);
        assertThat(SslProtocols.names(b.protocols)).containsExactly("TLSv1.3");
        assertThat(b.certificates).extracting(f -> f.path().getFileName().toString()).containsExactly("b.test.pem");
        assertThat(b.cache).isEqualTo(SslServerConf.Cache.BUILTIN);
        assertThat(b.builtinCacheSize).isEqualTo(1000);
        assertThat(b.sessionTickets).isFalse();
        assertThat(b.preferServerCiphers).isTrue();
        assertThat(b.sessionTimeout).isEqualTo(86400L);
    }

    @Test
    void pathsAreRelativeToTheConfigurationFolderAndProtocolWordsIgnoreCase() throws Exception {
        SslServerConf c = ssl(load("server { listen 127.0.0.1:18443 ssl; ssl_protocols tlsv1.2; " + A + " }"), 0);
        assertThat(c.certificates.get(0).path()).isEqualTo(dir.resolve("conf/certs/a.test-fullchain.pem"));
        assertThat(SslProtocols.names(c.protocols)).containsExactly("TLSv1.2");
    }

    @Test
    void directiveErrorsNameTheLine() {
        assertThat(error("server { listen 127.0.0.1:18443 ssl; " + A + "\nssl_protocols TLSv1.2 TLSv9; }"))
                .isEqualTo("invalid value \"TLSv9\" in " + conf + ":4");
        assertThat(error("ssl_ciphers HIGH;\nssl_ciphers LOW;"))
                .isEqualTo("\"ssl_ciphers\" directive is duplicate in " + conf + ":4");
        assertThat(error("ssl_session_cache shared:SSL:1k;"))
                .isEqualTo("session cache \"shared:SSL:1k\" is too small in " + conf + ":3");
        assertThat(error("ssl_session_cache xx;")).isEqualTo("invalid session cache \"xx\" in " + conf + ":3");
        assertThat(error("ssl_session_cache shared:SSL;"))
                .isEqualTo("invalid session cache \"shared:SSL\" in " + conf + ":3");
        assertThat(error("ssl_session_cache shared:Z:1m;\nserver { ssl_session_cache shared:Z:2m; }"))
                .isEqualTo("the size 2097152 of shared memory zone \"Z\" conflicts with already declared size"
                        + " 1048576 in " + conf + ":4");
        assertThat(error("ssl_verify_client sometimes;")).isEqualTo("invalid value \"sometimes\" in " + conf + ":3");
        assertThat(error("server { location / { ssl_ciphers HIGH; } }"))
                .isEqualTo("\"ssl_ciphers\" directive is not allowed here in " + conf + ":3");
        assertThat(error("ssl_password_file nowhere.txt;")).isEqualTo("open() \"" + dir.resolve("conf/nowhere.txt")
                + "\" failed (2: No such file or directory) in " + conf + ":3");
    }

    @Test
    void mergeErrorsAsNginx() {
        assertThat(error("server { listen 127.0.0.1:18443 ssl; }"))
                .isEqualTo("no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive in " + conf + ":3");
        assertThat(error("server { listen 127.0.0.1:18443 ssl;\n ssl_certificate certs/a.test.pem; }"))
                .isEqualTo("no \"ssl_certificate_key\" is defined for certificate \"" + certs.path("a.test.pem")
                        + "\" in " + conf + ":4");
        assertThat(error("server { listen 127.0.0.1:18443 ssl; " + A + "\n ssl_verify_client on; }"))
                .isEqualTo("no ssl_client_certificate or ssl_trusted_certificate for ssl_verify_client in "
                        + conf + ":4");
    }

    @Test
    void unreadableCertificatesAndKeysAreErrorsNamingTheFile() throws Exception {
        assertThat(error("server { listen 127.0.0.1:18443 ssl;\n ssl_certificate certs/missing.pem;"
                + " ssl_certificate_key certs/a.test.key; }"))
                .isEqualTo("cannot load certificate \"" + certs.path("missing.pem") + "\": BIO_new_file() failed"
                        + " (2: No such file or directory) in " + conf + ":4");
        assertThat(error("server { listen 127.0.0.1:18443 ssl; ssl_certificate certs/a.test.pem;\n"
                + " ssl_certificate_key certs/missing.key; }"))
                .isEqualTo("cannot load certificate key \"" + certs.path("missing.key") + "\": BIO_new_file() failed"
                        + " (2: No such file or directory) in " + conf + ":4");
        Files.writeString(certs.path("garbage.pem"), "not a certificate\n");
        assertThat(error("server { listen 127.0.0.1:18443 ssl;\n ssl_certificate certs/garbage.pem;"
                + " ssl_certificate_key certs/a.test.key; }"))
                .startsWith("cannot load certificate \"" + certs.path("garbage.pem") + "\": PEM_read_bio_X509_AUX()"
                        + " failed");
        assertThat(error("server { listen 127.0.0.1:18443 ssl; ssl_certificate certs/a.test.pem;\n"
                + " ssl_certificate_key certs/b.test.key; }"))
                .startsWith("SSL_CTX_use_PrivateKey(\"" + certs.path("b.test.key") + "\") failed (key values mismatch");
        // As nginx, a server's certificates are loaded even when no listen of it says ssl.
        assertThat(error("server { listen 127.0.0.1:18080;\n ssl_certificate certs/missing.pem;"
                + " ssl_certificate_key certs/a.test.key; }")).startsWith("cannot load certificate");
    }

    @Test
    void keysInEveryPemFormOpenSslWrites() throws Exception {
        certs.openssl("genrsa", "-traditional", "-out", "pkcs1.key", "2048");
        certs.openssl("req", "-x509", "-key", "pkcs1.key", "-out", "pkcs1.pem", "-days", "2", "-subj", "/CN=pkcs1");
        certs.openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", "sec1.key");
        certs.openssl("req", "-x509", "-key", "sec1.key", "-out", "sec1.pem", "-days", "2", "-subj", "/CN=sec1");
        certs.openssl("pkcs8", "-topk8", "-in", "a.test.key", "-out", "encrypted.key", "-v2", "aes-256-cbc",
                "-passout", "pass:second");
        Files.writeString(certs.path("passwords"), "first\r\n\nsecond\n");
        load("server { listen 127.0.0.1:18443 ssl; ssl_certificate certs/pkcs1.pem; ssl_certificate_key"
                + " certs/pkcs1.key; }");
        load("server { listen 127.0.0.1:18443 ssl; ssl_certificate certs/sec1.pem; ssl_certificate_key"
                + " certs/sec1.key; }");
        load("server { listen 127.0.0.1:18443 ssl; ssl_certificate certs/a.test.pem; ssl_certificate_key"
                + " certs/encrypted.key; ssl_password_file certs/passwords; }");
        assertThat(error("server { listen 127.0.0.1:18443 ssl; ssl_certificate certs/a.test.pem;\n"
                + " ssl_certificate_key certs/encrypted.key; }"))
                .startsWith("cannot load certificate key \"" + certs.path("encrypted.key")
                        + "\": PEM_read_bio_PrivateKey() failed (bad decrypt");
    }

    @Test
    void ticketKeysCiphersAndProtocolsTheLibraryRefuses() throws Exception {
        Files.write(certs.path("ticket48.key"), new byte[48]);
        Files.write(certs.path("ticket80.key"), new byte[80]);
        Files.write(certs.path("ticket47.key"), new byte[47]);
        load("server { listen 127.0.0.1:18443 ssl; " + A + " ssl_session_ticket_key certs/ticket48.key; }");
        assertThat(error("server { listen 127.0.0.1:18443 ssl; " + A + "\n ssl_session_ticket_key certs/ticket80.key; }"))
                .startsWith("\"" + certs.path("ticket80.key") + "\" is an 80-byte key (AES-256): BoringSSL takes"
                        + " 48-byte keys only");
        assertThat(error("server { listen 127.0.0.1:18443 ssl; " + A + "\n ssl_session_ticket_key certs/ticket47.key; }"))
                .isEqualTo("\"" + certs.path("ticket47.key") + "\" must be 48 or 80 bytes in " + conf + ":4");
        assertThat(error("server { listen 127.0.0.1:18443 ssl; " + A + "\n ssl_ciphers NOT-A-CIPHER; }"))
                .startsWith("SSL_CTX_set_cipher_list(\"NOT-A-CIPHER\") failed").endsWith(" in " + conf + ":4");
        assertThat(error("server { listen 127.0.0.1:18443 ssl; " + A + "\n ssl_protocols SSLv3 TLSv1.2; }"))
                .startsWith("\"ssl_protocols\" names SSLv3, which BoringSSL").endsWith(" in " + conf + ":4");
        assertThat(error("server { listen 127.0.0.1:18443 ssl; " + A + "\n ssl_ecdh_curve nocurve; }"))
                .startsWith("SSL_CTX_set1_curves_list(\"nocurve\") failed").endsWith(" in " + conf + ":4");
    }

    @Test
    void dhparamIsCheckedThenLeftUnusedWithAWarning() throws Exception {
        certs.openssl("dhparam", "-dsaparam", "-out", "dh.pem", "1024");
        Snapshot s = load("server { listen 127.0.0.1:18443 ssl; " + A + "\n ssl_dhparam certs/dh.pem; }");
        assertThat(s.warnings()).extracting(Object::toString).anyMatch(w -> w.contains("\"ssl_dhparam\" is read"
                + " and not used: BoringSSL has no DHE cipher suites"));
        assertThat(error("server { listen 127.0.0.1:18443 ssl; " + A + "\n ssl_dhparam certs/a.test.pem; }"))
                .startsWith("PEM_read_bio_DHparams(\"" + certs.path("a.test.pem") + "\") failed");
    }

    @Test
    void clientCertificatesVerifyAsOpenSslReportsThem() throws Exception {
        SslServerConf c = ssl(load("server { listen 127.0.0.1:18443 ssl; " + A
                + " ssl_verify_client on; ssl_client_certificate certs/clientca.pem; }"), 0);
        ClientCertificates clients = ClientCertificates.load(c);
        var client = PemFiles.certificates(certs.path("client.test.pem")).toArray(new java.security.cert.X509Certificate[0]);
        assertThat(clients.verify(client).ok()).isTrue();
        var stranger = PemFiles.certificates(certs.path("b.test.pem")).toArray(new java.security.cert.X509Certificate[0]);
        assertThat(clients.verify(stranger)).isEqualTo(new ClientCertificates.Result(18, "self-signed certificate"));
        var viaIntermediate = PemFiles.certificates(certs.path("a.test-fullchain.pem"))
                .toArray(new java.security.cert.X509Certificate[0]);
        assertThat(clients.verify(viaIntermediate).code()).isEqualTo(20);
        // ssl_verify_depth 0 allows no intermediate between the client and the trusted root; 1 (the
        // default) allows one, as OpenSSL counts (checked with nginx 1.22.1: SUCCESS with 1, 400 with 0).
        SslServerConf shallow = ssl(load("server { listen 127.0.0.1:18443 ssl; " + A
                + " ssl_verify_client on; ssl_verify_depth 0; ssl_client_certificate certs/root.pem; }"), 0);
        assertThat(ClientCertificates.load(shallow).verify(viaIntermediate))
                .isEqualTo(new ClientCertificates.Result(22, "certificate chain too long"));
        SslServerConf byDefault = ssl(load("server { listen 127.0.0.1:18443 ssl; " + A
                + " ssl_verify_client on; ssl_client_certificate certs/root.pem; }"), 0);
        assertThat(ClientCertificates.load(byDefault).verify(viaIntermediate).ok()).isTrue();
        assertThat(List.of(ClientCertificates.load(c).handshakeTrustManager().getAcceptedIssuers()))
                .extracting(x -> x.getSubjectX500Principal().getName()).containsExactly("CN=Portico Test Client CA");
    }
}
