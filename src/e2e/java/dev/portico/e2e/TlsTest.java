package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.e2e.upstream.FlaskApp;
import dev.portico.e2e.upstream.Uwsgi;
import dev.portico.tls.TestCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * TLS as the deployment guides use it: flask-gunicorn-tls.conf's servers (the port-80 redirect,
 * `listen 443 ssl http2` with its ssl_* lines, security headers, static files, proxy_pass to the
 * real Gunicorn running examples/flaskapp) and flask-uwsgi.conf's TLS server (its ssl_* lines and
 * `always` headers, uwsgi_pass to the real uWSGI), beside a server with an RSA and an ECDSA
 * certificate (each client gets the one it can use) and one that requires client certificates, all on one address:port. Clients are
 * curl, openssl s_client and Java's TLS socket; certificates are made by the openssl command.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsTest {

    private static final String CONFIG = """
            daemon off;
            error_log logs/error.log info;
            events { }
            http {
                # flask-gunicorn-tls.conf
                server {
                    listen 127.0.0.1:%%PORT%%;
                    server_name mirahlabs.com www.mirahlabs.com;
                    return 301 https://$host$request_uri;
                }

                server {
                    listen 127.0.0.1:%%PORT2%% ssl http2;
                    server_name mirahlabs.com;

                    ssl_certificate certs/mirahlabs.com-fullchain.pem;
                    ssl_certificate_key certs/mirahlabs.com.key;
            """ + SeedTlsSettings.GUNICORN + """

                    # Serve static files directly (gzip_static: not built yet, left out)
                    location /static/ {
                        alias www/static/;
                        expires 30d;
                        add_header Cache-Control "public, no-transform";
                    }

                    # Proxy to Gunicorn
                    location / {
                        proxy_pass http://127.0.0.1:%%APP%%;
                        proxy_set_header Host $host;
                        proxy_set_header X-Real-IP $remote_addr;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        proxy_set_header X-Forwarded-Proto $scheme;
                        proxy_read_timeout 90;
                        proxy_connect_timeout 10;
                        client_max_body_size 10M;
                    }

                    location = /vars {
                        return 200 "$scheme $https $server_port $ssl_protocol $ssl_cipher $ssl_server_name $ssl_session_reused $ssl_client_verify\\n";
                    }
                }

                # flask-uwsgi.conf's TLS server (its uWSGI on TCP, as the guide's alternative)
                server {
                    listen 127.0.0.1:%%PORT2%% ssl http2;
                    server_name example.com www.example.com;

                    ssl_certificate certs/example.com.pem;
                    ssl_certificate_key certs/example.com.key;
            """ + SeedTlsSettings.UWSGI + """

                    location / {
                        include uwsgi_params;
                        uwsgi_pass 127.0.0.1:%%UWSGI%%;
                        uwsgi_param Host $host;
                        uwsgi_param X-Real-IP $remote_addr;
                        uwsgi_param X-Forwarded-For $proxy_add_x_forwarded_for;
                        uwsgi_param X-Forwarded-Proto $scheme;
                    }

                    location /dead/ {
                        proxy_pass http://127.0.0.1:%%DEAD%%;
                    }
                }

                # An RSA and an ECDSA certificate, with each seed's ssl_* lines
                server {
                    listen 127.0.0.1:%%PORT2%% ssl;
                    server_name dual.test;
                    ssl_certificate certs/rsa.pem;
                    ssl_certificate_key certs/rsa.key;
                    ssl_certificate certs/ecdsa.pem;
                    ssl_certificate_key certs/ecdsa.key;
                    ssl_protocols TLSv1.2 TLSv1.3;
                    ssl_prefer_server_ciphers on;
                    return 200 "dual\\n";
                }

                server {
                    listen 127.0.0.1:%%PORT2%% ssl;
                    server_name dual-uwsgi-seed.test;
                    ssl_certificate certs/ecdsa.pem;
                    ssl_certificate_key certs/ecdsa.key;
                    ssl_certificate certs/rsa.pem;
                    ssl_certificate_key certs/rsa.key;
                    ssl_session_timeout 1d;
                    ssl_session_cache shared:SSL:50m;
                    ssl_protocols TLSv1.2 TLSv1.3;
                    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256;
                    ssl_prefer_server_ciphers off;
                    return 200 "dual\\n";
                }

                server {
                    listen 127.0.0.1:%%PORT2%% ssl;
                    server_name dual-stapled.test;
                    ssl_certificate certs/rsa.pem;
                    ssl_certificate_key certs/rsa.key;
                    ssl_certificate certs/ecdsa.pem;
                    ssl_certificate_key certs/ecdsa.key;
                    ssl_protocols TLSv1.2 TLSv1.3;
                    ssl_stapling on;
                    ssl_stapling_file certs/ocsp.der;
                    return 200 "stapled\\n";
                }

                # Two RSA certificates: as in nginx (OpenSSL keeps one per key type), the second is served
                server {
                    listen 127.0.0.1:%%PORT2%% ssl;
                    server_name rsa-twice.test;
                    ssl_certificate certs/rsa.pem;
                    ssl_certificate_key certs/rsa.key;
                    ssl_certificate certs/mirahlabs.com-fullchain.pem;
                    ssl_certificate_key certs/mirahlabs.com.key;
                    return 200 "twice\\n";
                }

                server {
                    listen 127.0.0.1:%%PORT2%% ssl;
                    server_name mtls.test;
                    ssl_certificate certs/mtls.test-fullchain.pem;
                    ssl_certificate_key certs/mtls.test.key;
                    ssl_verify_client on;
                    ssl_client_certificate certs/clientca.pem;
                    return 200 "$ssl_client_verify $ssl_client_s_dn\\n";
                }
            }
            """;

    private GunicornBehindPortico proxy;
    private Uwsgi uwsgi;
    private TestCertificates certs;
    private int tls;

    @BeforeAll
    void start() throws IOException {
        proxy = GunicornBehindPortico.start(2);
        TestPrefix prefix = proxy.prefix();
        certs = TestCertificates.create(prefix.path("conf/certs")).chainLeaf("mirahlabs.com").chainLeaf("mtls.test")
                .selfSigned("example.com", true).selfSigned("rsa", false).selfSigned("ecdsa", true)
                .client("client.test");
        // A DER OCSP response (status "unknown": the responder's index is empty) for ssl_stapling_file.
        Files.writeString(certs.path("index.txt"), "");
        certs.openssl("ocsp", "-issuer", "rsa.pem", "-cert", "rsa.pem", "-no_nonce", "-reqout", "ocsp-request.der");
        certs.openssl("ocsp", "-index", "index.txt", "-rsigner", "rsa.pem", "-rkey", "rsa.key", "-CA", "rsa.pem",
                "-reqin", "ocsp-request.der", "-respout", "ocsp.der", "-ndays", "1");
        Files.copy(Portico.home().resolve("conf/uwsgi_params"), prefix.path("conf/uwsgi_params"));
        Files.createDirectories(prefix.path("www/static"));
        Files.writeString(prefix.path("www/static/app.css"), "body { color: teal; }\n");
        int uwsgiPort = TestPrefix.freePort();
        uwsgi = Uwsgi.start(prefix.path("uwsgi"), "127.0.0.1:" + uwsgiPort, 1, 2, Duration.ofSeconds(30));
        proxy.serve(CONFIG.replace("%%UWSGI%%", Integer.toString(uwsgiPort))
                .replace("%%DEAD%%", Integer.toString(TestPrefix.freePort())));
        tls = prefix.port(2);
    }

    @AfterAll
    void stop() {
        try {
            proxy.close();
        } finally {
            if (uwsgi != null) {
                uwsgi.close();
            }
        }
    }

    private RawResponse curl(String host, String path, String... extra) {
        List<String> args = new ArrayList<>(List.of("-i", "--http1.1", "--cacert", certs.path("root.pem").toString(),
                "--resolve", host + ":" + tls + ":127.0.0.1"));
        args.addAll(List.of(extra));
        args.add("https://" + host + ":" + tls + path);
        return Curl.response(args.toArray(new String[0]));
    }

    /** openssl s_client against the TLS port, its input empty; the exit code and everything it printed. */
    private CommandResult sClient(String... args) {
        List<String> command = new ArrayList<>(List.of("/usr/bin/openssl", "s_client", "-connect",
                "127.0.0.1:" + tls, "-ign_eof"));
        command.addAll(List.of(args));
        // One request, read to the server's close: TLSv1.3 session tickets come after the handshake.
        Path request = certs.path("request.txt");
        try {
            Files.writeString(request, "GET /vars HTTP/1.1\r\nHost: mirahlabs.com\r\nConnection: close\r\n\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Through sh: Portico.exec gives the command /dev/null as its input.
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", String.join(" ", command) + " < " + request)
                .directory(certs.path("").toFile());
        return Portico.exec(pb, Duration.ofSeconds(20));
    }

    @Test
    void thePort80ServerRedirectsToHttps() {
        RawResponse r = Curl.response("-i", "-H", "Host: mirahlabs.com",
                "http://127.0.0.1:" + proxy.prefix().port() + "/account?tab=2");
        assertThat(r.status()).isEqualTo(301);
        assertThat(r.header("Location")).isEqualTo("https://mirahlabs.com/account?tab=2");
    }

    @Test
    void theApplicationSeesHttpsAndTheClientTheSecurityHeaders() {
        RawResponse r = curl("mirahlabs.com", "/echo?x=1");
        assertThat(r.status()).isEqualTo(200);
        FlaskApp.Echo echo = FlaskApp.Echo.parse(r.body());
        assertThat(echo.header("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(echo.header("Host")).isEqualTo("mirahlabs.com");
        assertThat(echo.header("X-Real-IP")).isEqualTo("127.0.0.1");
        assertThat(r.header("Strict-Transport-Security")).isEqualTo("max-age=31536000; includeSubDomains");
        assertThat(r.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(r.header("Referrer-Policy")).isEqualTo("strict-origin-when-cross-origin");
    }

    @Test
    void alwaysHeadersStayOnErrorsAndTheOthersDoNot() {
        RawResponse notFound = curl("mirahlabs.com", "/status/404");
        assertThat(notFound.status()).isEqualTo(404);
        assertThat(notFound.header("Strict-Transport-Security")).isEqualTo("max-age=31536000; includeSubDomains");
        assertThat(notFound.hasHeader("X-Frame-Options")).isFalse();
        RawResponse badGateway = curl("example.com", "/dead/", "--cacert", certs.path("example.com.pem").toString());
        assertThat(badGateway.status()).isEqualTo(502);
        assertThat(badGateway.header("X-Frame-Options")).isEqualTo("SAMEORIGIN");
        assertThat(badGateway.header("X-XSS-Protection")).isEqualTo("1; mode=block");
    }

    @Test
    void staticFilesOverTlsWithTheLocationsOwnHeadersOnly() {
        RawResponse r = curl("mirahlabs.com", "/static/app.css");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("body { color: teal; }\n");
        assertThat(r.headers("Cache-Control")).containsExactly("max-age=2592000", "public, no-transform");
        // As in nginx, a location with add_header of its own inherits none of the server's.
        assertThat(r.hasHeader("Strict-Transport-Security")).isFalse();
    }

    @Test
    void uwsgiGetsTheHttpsParameterOfUwsgiParams() {
        RawResponse r = curl("example.com", "/echo", "--cacert", certs.path("example.com.pem").toString());
        assertThat(r.status()).isEqualTo(200);
        FlaskApp.Echo echo = FlaskApp.Echo.parse(r.body());
        assertThat(echo.environ("HTTPS")).isEqualTo("on");
        assertThat(echo.environ("REQUEST_SCHEME")).isEqualTo("https");
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
    }

    @Test
    void theSeedsHttp2ServersAnswerOverHttp2() {
        // `listen 443 ssl http2`: ALPN chooses h2; Gunicorn behind mirahlabs.com, uWSGI behind example.com.
        RawResponse gunicorn = curl("mirahlabs.com", "/echo?via=h2", "--http2");
        assertThat(gunicorn.statusLine()).startsWith("HTTP/2 200");
        assertThat(FlaskApp.Echo.parse(gunicorn.body()).header("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(gunicorn.header("strict-transport-security")).isEqualTo("max-age=31536000; includeSubDomains");
        assertThat(gunicorn.hasHeader("connection")).isFalse();
        RawResponse uwsgiAnswer = curl("example.com", "/echo", "--http2", "--cacert",
                certs.path("example.com.pem").toString());
        assertThat(uwsgiAnswer.statusLine()).startsWith("HTTP/2 200");
        FlaskApp.Echo echo = FlaskApp.Echo.parse(uwsgiAnswer.body());
        assertThat(echo.environ("HTTPS")).isEqualTo("on");
        assertThat(echo.environ("SERVER_PROTOCOL")).isEqualTo("HTTP/2.0");
        RawResponse file = curl("mirahlabs.com", "/static/app.css", "--http2");
        assertThat(file.statusLine()).startsWith("HTTP/2 200");
        assertThat(file.body()).isEqualTo("body { color: teal; }\n");
        // A server of the same address without http2 of its own is reached over h2 too: the
        // listen's flag is the address's, as in nginx.
        RawResponse dual = curl("dual.test", "/", "--http2", "--insecure"); // its certificate names "rsa"
        assertThat(dual.statusLine()).startsWith("HTTP/2 200");
        assertThat(dual.body()).isEqualTo("dual\n");
    }

    @Test
    void variablesOfATlsRequest() {
        RawResponse r = curl("mirahlabs.com", "/vars", "--tlsv1.3");
        assertThat(r.body()).isEqualTo("https on " + tls + " TLSv1.3 TLS_AES_256_GCM_SHA384 mirahlabs.com . NONE\n");
        RawResponse tls12 = curl("mirahlabs.com", "/vars", "--tls-max", "1.2", "--ciphers",
                "ECDHE-RSA-AES128-GCM-SHA256");
        assertThat(tls12.body()).startsWith("https on " + tls + " TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 mirahlabs.com");
    }

    @Test
    void sniChoosesTheServersCertificateAndAnUnknownNameGetsTheDefaultServers() {
        assertThat(sClient("-servername", "mirahlabs.com").stdout()).contains("subject=CN = mirahlabs.com");
        assertThat(sClient("-servername", "example.com").stdout()).contains("subject=CN = example.com")
                .contains("Server public key is 256 bit");
        assertThat(sClient("-servername", "unknown.test").stdout()).contains("subject=CN = mirahlabs.com");
        assertThat(sClient("-noservername").stdout()).contains("subject=CN = mirahlabs.com");
        // The full chain goes out: the leaf and the intermediate.
        assertThat(sClient("-servername", "mirahlabs.com", "-showcerts").stdout())
                .contains(" 0 s:CN = mirahlabs.com").contains(" 1 s:CN = Portico Test Intermediate CA");
    }

    @Test
    void withAnRsaAndAnEcdsaCertificateEachClientGetsTheOneItCanUse() {
        String rsa = "subject=CN = rsa";
        String ecdsa = "subject=CN = ecdsa";
        for (String server : List.of("dual.test", "dual-uwsgi-seed.test")) {
            // TLSv1.2: the cipher suites the client offers decide.
            assertThat(dual(server, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256")).contains(rsa)
                    .contains("Server public key is 2048 bit").contains("Peer signature type: RSA")
                    .contains("New, TLSv1.2, Cipher is ECDHE-RSA-AES128-GCM-SHA256");
            assertThat(dual(server, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256")).contains(ecdsa)
                    .contains("Server public key is 256 bit").contains("Peer signature type: ECDSA")
                    .contains("New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256");
            assertThat(dual(server, "-tls1_2", "-sigalgs", "RSA-PSS+SHA256:rsa_pkcs1_sha256")).contains(rsa)
                    .contains("New, TLSv1.2, Cipher is ECDHE-RSA-");
            // TLSv1.3: its signature algorithms decide.
            assertThat(dual(server, "-tls1_3", "-sigalgs", "ecdsa_secp256r1_sha256")).contains(ecdsa)
                    .contains("Server public key is 256 bit").contains("New, TLSv1.3, Cipher is TLS_");
            assertThat(dual(server, "-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256")).contains(rsa)
                    .contains("Server public key is 2048 bit").contains("Peer signature type: RSA-PSS")
                    .contains("New, TLSv1.3, Cipher is TLS_");
            // A client that can take both gets the ECDSA one, whichever is listed first (as nginx, for a
            // client that lists ECDSA first, as OpenSSL's s_client does).
            assertThat(dual(server, "-tls1_3")).contains(ecdsa);
            assertThat(dual(server, "-tls1_2")).contains(ecdsa);
        }
        assertThat(sClient("-servername", "rsa-twice.test").stdout()).contains("subject=CN = mirahlabs.com");
        assertThat(proxy.server().stderr() + proxy.server().errorLog()).doesNotContain("\"ssl_certificate\"");
    }

    @Test
    void theStapledResponseGoesWithEachCertificate() {
        assertThat(dual("dual-stapled.test", "-status", "-tls1_3", "-sigalgs", "ecdsa_secp256r1_sha256"))
                .contains("subject=CN = ecdsa").contains("OCSP Response Status: successful");
        assertThat(dual("dual-stapled.test", "-status", "-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256"))
                .contains("subject=CN = rsa").contains("OCSP Response Status: successful");
        assertThat(dual("dual-stapled.test", "-status", "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"))
                .contains("subject=CN = rsa").contains("OCSP Response Status: successful");
        assertThat(dual("dual.test", "-status", "-tls1_3")).contains("OCSP response: no response sent");
    }

    /** What s_client printed of a full handshake with {@code server}; a failed handshake fails the test. */
    @Test
    void everyRsaSignatureSchemeAndTheRsaKeyExchangeCompleteAHandshake() {
        // The RSA key's operations are done outside BoringSSL (RsaKeyOperations): each scheme a client may
        // ask for, checked by openssl against the certificate, then a request over the connection.
        for (List<String> c : List.of(List.of("-tls1_2", "rsa_pkcs1_sha256", "RSA", "SHA256"),
                List.of("-tls1_2", "rsa_pkcs1_sha384", "RSA", "SHA384"),
                List.of("-tls1_2", "rsa_pkcs1_sha512", "RSA", "SHA512"),
                List.of("-tls1_2", "rsa_pss_rsae_sha384", "RSA-PSS", "SHA384"),
                List.of("-tls1_3", "rsa_pss_rsae_sha256", "RSA-PSS", "SHA256"),
                List.of("-tls1_3", "rsa_pss_rsae_sha512", "RSA-PSS", "SHA512"))) {
            assertThat(dual("dual.test", c.get(0), "-sigalgs", c.get(1))).contains("subject=CN = rsa")
                    .contains("Peer signature type: " + c.get(2) + "\n").contains("Peer signing digest: " + c.get(3))
                    .contains("HTTP/1.1 200");
        }
        // TLS_RSA suites (in nginx's default ssl_ciphers): the client's premaster secret is decrypted with the key.
        assertThat(dual("dual.test", "-tls1_2", "-cipher", "AES128-GCM-SHA256")).contains("subject=CN = rsa")
                .contains("New, TLSv1.2, Cipher is AES128-GCM-SHA256").contains("HTTP/1.1 200");
    }

    private String dual(String server, String... args) {
        List<String> all = new ArrayList<>(List.of("-servername", server));
        all.addAll(List.of(args));
        CommandResult r = sClient(all.toArray(new String[0]));
        assertThat(r.exitCode()).as(String.join(" ", all) + "\n" + r.stdout() + r.stderr()).isZero();
        return r.stdout();
    }

    @Test
    void protocolsAndCiphersOfTheSeeds() {
        assertThat(sClient("-servername", "mirahlabs.com", "-tls1_2").stdout()).contains("New, TLSv1.2, Cipher is");
        assertThat(sClient("-servername", "mirahlabs.com", "-tls1_3").stdout())
                .contains("New, TLSv1.3, Cipher is TLS_");
        CommandResult old = sClient("-servername", "mirahlabs.com", "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0");
        assertThat(old.exitCode()).isNotZero();
        proxy.server().awaitErrorLog("SSL_do_handshake() failed (SSL: error:");
        assertThat(sClient("-servername", "example.com", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256")
                .stdout()).contains("Cipher is ECDHE-ECDSA-AES128-GCM-SHA256");
        assertThat(sClient("-servername", "example.com", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384")
                .exitCode()).isNotZero();
    }

    @Test
    void sessionsAreResumed() throws IOException {
        for (String server : List.of("mirahlabs.com", "example.com", "dual.test", "dual-uwsgi-seed.test")) {
            for (String version : List.of("-tls1_2", "-tls1_3")) {
                Path session = certs.path(server + version + ".session");
                Files.deleteIfExists(session);
                assertThat(sClient("-servername", server, version, "-sess_out", session.toString()).stdout())
                        .contains("New, TLSv1.");
                assertThat(sClient("-servername", server, version, "-sess_in", session.toString()).stdout())
                        .as(server + " " + version).contains("Reused, TLSv1.");
            }
        }
    }

    @Test
    void plainHttpOnTheTlsPortGetsNginxsPageAndTheConnectionCloses() {
        RawConnection.Result r = RawConnection.exchange(tls, "GET / HTTP/1.1\r\nHost: mirahlabs.com\r\n\r\n");
        RawResponse response = r.response();
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("<html>\r\n"
                + "<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>\r\n"
                + "<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n"
                + "<center>The plain HTTP request was sent to HTTPS port</center>\r\n"
                + "<hr><center>portico/" + dev.portico.cli.VersionInfo.VERSION + "</center>\r\n</body>\r\n</html>\r\n");
        assertThat(r.closed()).isTrue();
        proxy.server().awaitErrorLog("client sent plain HTTP request to HTTPS port");
    }

    @Test
    void aBrokenHandshakeCostsOnlyItsOwnConnection() throws Exception {
        try (SSLSocket good = JavaTlsClient.connect(tls, "mirahlabs.com", certs.trustManagers())) {
            assertThat(JavaTlsClient.get(good, "mirahlabs.com", "/vars")).contains(" TLSv1.3 ");
            // Garbage after a TLS record header, a protocol the server refuses, and a bare close.
            RawConnection.Result garbage = RawConnection.exchange(tls,
                    "\u0016\u0003\u0001\u0000\u0005hello, this is not TLS\r\n\r\n");
            assertThat(garbage.closed()).isTrue();
            assertThat(sClient("-servername", "mirahlabs.com", "-tls1_1").exitCode()).isNotZero();
            assertThat(JavaTlsClient.get(good, "mirahlabs.com", "/vars")).contains(" TLSv1.3 ");
        }
        proxy.server().awaitErrorLog("while SSL handshaking, client: 127.0.0.1, server: 127.0.0.1:" + tls);
        assertThat(proxy.server().errorLog()).doesNotContain("[error]").doesNotContain("[alert]");
    }

    @Test
    void clientCertificatesWhenTheServerRequiresThem() {
        RawResponse accepted = curl("mtls.test", "/", "--cert", certs.path("client.test.pem").toString(),
                "--key", certs.path("client.test.key").toString());
        assertThat(accepted.status()).isEqualTo(200);
        assertThat(accepted.body()).isEqualTo("SUCCESS CN=client.test\n");
        RawResponse missing = curl("mtls.test", "/");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.body()).contains("<head><title>400 No required SSL certificate was sent</title></head>");
        RawResponse stranger = curl("mtls.test", "/", "--cert", certs.path("rsa.pem").toString(),
                "--key", certs.path("rsa.key").toString());
        assertThat(stranger.status()).isEqualTo(400);
        assertThat(stranger.body()).contains("<head><title>400 The SSL certificate error</title></head>");
        proxy.server().awaitErrorLog("client SSL certificate verify error: (18:self-signed certificate)");
        // nginx routes by Host whatever the SNI name; a server that verifies clients answers 421 instead.
        RawResponse misdirected = curl("example.com", "/", "-H", "Host: mtls.test",
                "--cacert", certs.path("example.com.pem").toString());
        assertThat(misdirected.status()).isEqualTo(421);
        proxy.server().awaitErrorLog("client attempted to request the server name different from the one that"
                + " was negotiated");
        RawResponse routedByHost = curl("example.com", "/vars", "-H", "Host: mirahlabs.com",
                "--cacert", certs.path("example.com.pem").toString());
        assertThat(routedByHost.body()).contains(" example.com ");
    }

    @Test
    void anUnreadableKeyFailsTheConfigurationTestNamingTheFile() throws IOException {
        try (TestPrefix prefix = TestPrefix.withConfig("""
                events { }
                http {
                    server {
                        listen 127.0.0.1:%%PORT%% ssl;
                        ssl_certificate %%CERT%%;
                        ssl_certificate_key certs/missing.key;
                    }
                }
                """.replace("%%CERT%%", certs.path("rsa.pem").toString()))) {
            CommandResult r = Portico.run(prefix, "-t", "-p", prefix.dir().toString(), "-c", TestPrefix.CONF);
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stderr()).contains("portico: [emerg] cannot load certificate key \""
                    + prefix.path("conf/certs/missing.key") + "\": BIO_new_file() failed (2: No such file or"
                    + " directory) in " + prefix.path(TestPrefix.CONF) + ":6\n");
        }
    }
}
