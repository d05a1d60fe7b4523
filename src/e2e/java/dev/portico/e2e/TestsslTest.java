package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.e2e.upstream.Json;
import dev.portico.tls.TestCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Debian's testssl.sh against both seeds' TLS servers, each on a port of its own as its own site
 * would be: flask-gunicorn-tls.conf's (mirahlabs.com: TLSv1.2 TLSv1.3, ssl_prefer_server_ciphers on,
 * the default ciphers, HSTS and the other headers) and flask-uwsgi.conf's (example.com: its session
 * cache, its two ECDHE suites, its headers), their ssl_* and add_header lines as written, `location /`
 * proxied to the real Gunicorn. Certificates: a test CA's chain (RSA for mirahlabs.com; ECDSA P-256
 * for example.com, as certbot issues by default), valid 90 days as Let's Encrypt's; testssl trusts
 * the test root (--add-ca) and reaches the servers by name (SNI) at 127.0.0.1, with no DNS lookup.
 *
 * Groups run: protocols (-p), cipher categories (-s), forward secrecy (-f), vulnerabilities (-U),
 * HTTP headers (-h), server defaults and certificate (-S), server preferences (-P). No finding may
 * be HIGH, CRITICAL or FATAL, except those {@link #CAUSED_BY_THE_TEST_CERTIFICATE}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TestsslTest {

    private static final Path TESTSSL = Path.of("/usr/bin/testssl");

    private static final String CONFIG = """
            daemon off;
            error_log logs/error.log info;
            events { }
            http {
                # flask-gunicorn-tls.conf
                server {
                    listen 127.0.0.1:%%PORT%% ssl http2;
                    server_name mirahlabs.com;

                    ssl_certificate certs/mirahlabs.com-fullchain.pem;
                    ssl_certificate_key certs/mirahlabs.com.key;
            """ + SeedTlsSettings.GUNICORN + """

                    location / {
                        proxy_pass http://127.0.0.1:%%APP%%;
                        proxy_set_header Host $host;
                        proxy_set_header X-Real-IP $remote_addr;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        proxy_set_header X-Forwarded-Proto $scheme;
                    }
                }

                # flask-uwsgi.conf (its location / proxied to Gunicorn here)
                server {
                    listen 127.0.0.1:%%PORT2%% ssl http2;
                    server_name example.com www.example.com;

                    ssl_certificate certs/example.com-fullchain.pem;
                    ssl_certificate_key certs/example.com.key;
            """ + SeedTlsSettings.UWSGI + """

                    location / {
                        proxy_pass http://127.0.0.1:%%APP%%;
                        proxy_set_header Host $host;
                        proxy_set_header X-Forwarded-Proto $scheme;
                    }
                }
            }
            """;

    /**
     * Findings that come from the test's certificate, not from the server, by testssl's id.
     * cert_revocation: "Neither CRL nor OCSP URI provided" (HIGH). The test CA, made by the openssl
     * command, runs no CRL or OCSP responder, so its certificates name none; a public CA's do,
     * and a server only sends the certificate it was given.
     */
    private static final Map<String, String> CAUSED_BY_THE_TEST_CERTIFICATE = Map.of(
            "cert_revocation", "the test CA publishes no CRL and runs no OCSP responder");

    private static final List<String> BAD = List.of("HIGH", "CRITICAL", "FATAL");

    private GunicornBehindPortico proxy;
    private TestCertificates certs;

    @BeforeAll
    void start() {
        if (!Files.isExecutable(TESTSSL)) {
            throw new AssertionError(TESTSSL + " is missing; run scripts/install-test-deps.sh");
        }
        proxy = GunicornBehindPortico.start(2);
        certs = TestCertificates.create(proxy.prefix().path("conf/certs"), 90).chainLeaf("mirahlabs.com")
                .chainLeaf("example.com", true);
        proxy.serve(CONFIG);
    }

    @AfterAll
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }

    @Test
    void theGunicornGuidesServer() {
        List<Map<String, Object>> findings = scan("mirahlabs.com", proxy.prefix().port());
        assertThat(finding(findings, "TLS1_3")).isEqualTo("offered with final");
        assertThat(finding(findings, "TLS1_1")).isEqualTo("not offered");
        assertThat(finding(findings, "cert_commonName")).isEqualTo("mirahlabs.com");
        assertThat(finding(findings, "cert_chain_of_trust")).isEqualTo("passed.");
        assertThat(finding(findings, "HSTS_time")).startsWith("365 days");
        assertThat(finding(findings, "HSTS_subdomains")).isEqualTo("includes subdomains");
        assertThat(finding(findings, "heartbleed")).startsWith("not vulnerable");
        assertNothingHighOrCritical(findings);
    }

    @Test
    void theUwsgiGuidesServer() {
        List<Map<String, Object>> findings = scan("example.com", proxy.prefix().port(2));
        assertThat(finding(findings, "TLS1_2")).isEqualTo("offered");
        assertThat(finding(findings, "cert_commonName")).isEqualTo("example.com");
        assertThat(finding(findings, "cert_keySize")).startsWith("EC 256 bits");
        // flask-uwsgi.conf has no HSTS line: testssl says so (LOW), as it would of nginx.
        assertThat(finding(findings, "HSTS")).isEqualTo("not offered");
        assertThat(finding(findings, "cipherorder_TLSv1_2")).isEqualTo("ECDHE-ECDSA-AES128-GCM-SHA256");
        assertThat(finding(findings, "X-Frame-Options")).isEqualTo("SAMEORIGIN");
        assertNothingHighOrCritical(findings);
    }

    /** testssl's flat JSON findings for {@code name} (sent as SNI) at 127.0.0.1:{@code port}. */
    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> scan(String name, int port) {
        Path json = proxy.prefix().path("testssl-" + name + ".json");
        Path log = proxy.prefix().path("testssl-" + name + ".txt");
        List<String> command = List.of(TESTSSL.toString(), "--quiet", "--color", "0", "--warnings", "off",
                "--nodns", "none", "--ip", "127.0.0.1", "--openssl", "/usr/bin/openssl",
                "--connect-timeout", "10", "--openssl-timeout", "10", "--add-ca", certs.path("root.pem").toString(),
                "--jsonfile", json.toString(), "--logfile", log.toString(),
                "-p", "-s", "-f", "-U", "-h", "-S", "-P", name + ":" + port);
        CommandResult r = Portico.exec(new ProcessBuilder(command).directory(proxy.prefix().dir().toFile()),
                Duration.ofMinutes(5));
        // testssl's own failures (no connection, bad options, ...) exit with 242 and above.
        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isLessThan(240);
        List<Map<String, Object>> findings;
        try {
            findings = (List<Map<String, Object>>) (List<?>) Json.parse(Files.readString(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(findings).as("testssl finished its scan").anyMatch(f -> "scanTime".equals(f.get("id")));
        Map<String, Long> counts = findings.stream().collect(Collectors.groupingBy(
                f -> String.valueOf(f.get("severity")), TreeMap::new, Collectors.counting()));
        System.out.println("testssl " + name + ": " + counts);
        return findings;
    }

    private static String finding(List<Map<String, Object>> findings, String id) {
        return findings.stream().filter(f -> id.equals(f.get("id"))).map(f -> String.valueOf(f.get("finding")))
                .findFirst().orElseThrow(() -> new AssertionError("testssl reported no " + id));
    }

    private static void assertNothingHighOrCritical(List<Map<String, Object>> findings) {
        List<String> bad = new ArrayList<>();
        for (Map<String, Object> f : findings) {
            // With several certificates testssl adds " <hostCert#N>" to a certificate's ids.
            String id = String.valueOf(f.get("id")).split(" ")[0];
            if (BAD.contains(String.valueOf(f.get("severity"))) && !CAUSED_BY_THE_TEST_CERTIFICATE.containsKey(id)) {
                bad.add(f.get("severity") + " " + f.get("id") + ": " + f.get("finding"));
            }
        }
        assertThat(bad).as("testssl's HIGH/CRITICAL findings").isEmpty();
    }
}
