package dev.portico.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * proxy_ssl_verify's verdicts on certificates made by the openssl command line, each the one
 * Debian's nginx 1.22 (OpenSSL 3.0) logs for the same chain: a root CA, an intermediate, leaves
 * signed by each; another root with the same name stands for a wrong CA. Host names as
 * X509_check_host matches them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamCertificateCheckTest {

    @TempDir
    static Path dir;
    private TestCertificates certs;
    private TestCertificates other;

    @BeforeAll
    void certificates() throws Exception {
        certs = TestCertificates.create(dir.resolve("certs")).chainLeaf("upstream.test");
        other = TestCertificates.create(dir.resolve("other"));
        leaf("direct", "root", "subjectAltName=DNS:upstream.test\n");
        leaf("client-only", "root", "subjectAltName=DNS:upstream.test\nextendedKeyUsage=clientAuth\n");
        leaf("expired", "root", "subjectAltName=DNS:upstream.test\n", "-days", "-1");
        leaf("names", "root", "subjectAltName=DNS:*.wild.test,DNS:f*.part.test,DNS:Exact.Test,IP:127.0.0.1\n");
        leaf("cn-only", "root", "keyUsage=digitalSignature\n");
        certs.selfSigned("self.test", true);
        crls();
    }

    /** A leaf {@code name} signed by {@code ca} with these extensions. */
    private void leaf(String name, String ca, String extensions, String... more) throws Exception {
        Files.writeString(certs.path(name + ".ext"), extensions);
        certs.openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                "-subj", "/CN=" + name + ".test");
        List<String> args = new ArrayList<>(List.of("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem",
                "-CAkey", ca + ".key", "-CAcreateserial", "-out", name + ".pem", "-extfile", name + ".ext"));
        args.addAll(more.length > 0 ? List.of(more) : List.of("-days", "3"));
        certs.openssl(args.toArray(new String[0]));
    }

    /** CRLs of the root and the intermediate, empty; and the intermediate's with upstream.test revoked. */
    private void crls() throws Exception {
        for (String ca : new String[] {"root", "intermediate", "revoking"}) {
            Files.createDirectories(certs.path(ca + "-db"));
            Files.writeString(certs.path(ca + "-db/index.txt"), "");
            Files.writeString(certs.path(ca + "-db/crlnumber"), "01\n");
            Files.writeString(certs.path(ca + ".cnf"), "[ca]\ndefault_ca = d\n[d]\ndatabase = " + ca
                    + "-db/index.txt\ncrlnumber = " + ca + "-db/crlnumber\ndefault_md = sha256\n"
                    + "default_crl_days = 1\n");
        }
        certs.openssl("ca", "-config", "root.cnf", "-gencrl", "-cert", "root.pem", "-keyfile", "root.key",
                "-out", "root.crl");
        certs.openssl("ca", "-config", "intermediate.cnf", "-gencrl", "-cert", "intermediate.pem", "-keyfile",
                "intermediate.key", "-out", "intermediate.crl");
        certs.openssl("ca", "-config", "revoking.cnf", "-revoke", "upstream.test.pem", "-cert", "intermediate.pem",
                "-keyfile", "intermediate.key");
        certs.openssl("ca", "-config", "revoking.cnf", "-gencrl", "-cert", "intermediate.pem", "-keyfile",
                "intermediate.key", "-out", "revoked.crl");
    }

    private X509Certificate[] chain(String... files) throws Exception {
        List<X509Certificate> all = new ArrayList<>();
        for (String f : files) {
            all.addAll(PemFiles.certificates(certs.path(f)));
        }
        return all.toArray(new X509Certificate[0]);
    }

    private List<X509CRL> crls(String... files) throws Exception {
        List<X509CRL> all = new ArrayList<>();
        for (String f : files) {
            all.addAll(PemFiles.crls(certs.path(f)));
        }
        return all;
    }

    private static String verdict(UpstreamCertificateCheck check, X509Certificate[] chain) {
        UpstreamCertificateCheck.Failure f = check.verify(chain, new Date());
        return f == null ? "ok" : f.code() + ":" + f.reason();
    }

    private UpstreamCertificateCheck trusting(TestCertificates ca, int depth) throws Exception {
        return new UpstreamCertificateCheck(PemFiles.certificates(ca.path("root.pem")), null, depth);
    }

    @Test
    void aChainToTheTrustedRootHolds() throws Exception {
        UpstreamCertificateCheck check = trusting(certs, 1);
        assertThat(verdict(check, chain("upstream.test-fullchain.pem"))).isEqualTo("ok");
        assertThat(verdict(check, chain("direct.pem"))).isEqualTo("ok");
    }

    @Test
    void aWrongCa() throws Exception {
        UpstreamCertificateCheck check = trusting(other, 1);
        assertThat(verdict(check, chain("upstream.test-fullchain.pem")))
                .as("the other root has the same name but not the key").isEqualTo("20:unable to get local issuer certificate");
        assertThat(verdict(check, chain("direct.pem"))).as("a lone certificate ends as OpenSSL's 21")
                .isEqualTo("21:unable to verify the first certificate");
        assertThat(verdict(trusting(certs, 1), chain("upstream.test.pem")))
                .as("the intermediate not sent").isEqualTo("21:unable to verify the first certificate");
    }

    @Test
    void verifyDepthCountsTheCertificatesBetween() throws Exception {
        assertThat(verdict(trusting(certs, 0), chain("direct.pem"))).isEqualTo("ok");
        assertThat(verdict(trusting(certs, 0), chain("upstream.test-fullchain.pem")))
                .isEqualTo("20:unable to get local issuer certificate");
        assertThat(verdict(trusting(certs, 1), chain("upstream.test-fullchain.pem"))).isEqualTo("ok");
    }

    @Test
    void selfSignedExpiredAndClientOnlyCertificates() throws Exception {
        UpstreamCertificateCheck check = trusting(certs, 1);
        assertThat(verdict(check, chain("self.test.pem"))).isEqualTo("18:self-signed certificate");
        assertThat(verdict(check, chain("expired.pem"))).isEqualTo("10:certificate has expired");
        assertThat(verdict(check, chain("client-only.pem"))).isEqualTo("26:unsuitable certificate purpose");
        assertThat(verdict(check, chain("upstream.test.pem", "intermediate.pem", "root.pem"))).as("the root sent too")
                .isEqualTo("ok");
        UpstreamCertificateCheck none = new UpstreamCertificateCheck(PemFiles.certificates(other.path("root.pem")),
                null, 1);
        assertThat(verdict(none, chain("upstream.test.pem", "intermediate.pem", "root.pem")))
                .isEqualTo("19:self-signed certificate in certificate chain");
    }

    @Test
    void revocationListsAreNeededForEveryCertificate() throws Exception {
        List<X509Certificate> root = PemFiles.certificates(certs.path("root.pem"));
        X509Certificate[] chain = chain("upstream.test-fullchain.pem");
        assertThat(verdict(new UpstreamCertificateCheck(root, crls("root.crl", "intermediate.crl"), 1), chain))
                .isEqualTo("ok");
        assertThat(verdict(new UpstreamCertificateCheck(root, crls("revoked.crl", "root.crl"), 1), chain))
                .isEqualTo("23:certificate revoked");
        assertThat(verdict(new UpstreamCertificateCheck(root, crls("intermediate.crl"), 1), chain))
                .as("no CRL of the root, for the intermediate and itself").isEqualTo("3:unable to get certificate CRL");
    }

    @Test
    void hostNamesAsX509CheckHostMatchesThem() throws Exception {
        X509Certificate names = chain("names.pem")[0];
        assertThat(UpstreamCertificateCheck.hostMatches(names, "a.wild.test")).isTrue();
        assertThat(UpstreamCertificateCheck.hostMatches(names, "A.WILD.test")).isTrue();
        assertThat(UpstreamCertificateCheck.hostMatches(names, "a.b.wild.test")).as("one label").isFalse();
        assertThat(UpstreamCertificateCheck.hostMatches(names, "wild.test")).isFalse();
        assertThat(UpstreamCertificateCheck.hostMatches(names, "foo.part.test")).as("a partial wildcard").isTrue();
        assertThat(UpstreamCertificateCheck.hostMatches(names, "bar.part.test")).isFalse();
        assertThat(UpstreamCertificateCheck.hostMatches(names, "exact.test.")).as("a final dot").isTrue();
        assertThat(UpstreamCertificateCheck.hostMatches(names, "127.0.0.1"))
                .as("nginx checks a host name: IP subjectAltNames do not count").isFalse();
        assertThat(UpstreamCertificateCheck.hostMatches(names, "names.test"))
                .as("the common name only without DNS names").isFalse();
        assertThat(UpstreamCertificateCheck.hostMatches(chain("cn-only.pem")[0], "cn-only.test")).isTrue();
        assertThat(UpstreamCertificateCheck.hostMatches(names, "")).isFalse();
    }
}
