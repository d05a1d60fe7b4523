package dev.portico.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.config.ConfigException;
import dev.portico.config.ConfigFixture;
import dev.portico.core.Snapshot;
import dev.portico.http.Template;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy_ssl_* and uwsgi_ssl_* directives: nginx 1.22's defaults and inheritance, their
 * errors in nginx's words (with file:line for a directive's own; none for what
 * ngx_http_proxy_set_ssl finds at the merge), only where a *_pass may be TLS, and contexts
 * shared by levels that change none of their settings.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamSslDirectivesTest {

    @TempDir
    static Path dir;
    private TestCertificates certs;
    private Path conf;

    @BeforeAll
    void certificates() throws Exception {
        certs = TestCertificates.create(dir.resolve("conf/certs")).chainLeaf("upstream.test")
                .client("client.test");
        conf = dir.resolve("conf/portico.conf");
        Files.writeString(dir.resolve("conf/not-pem.txt"), "no PEM here\n");
    }

    private Snapshot load(String http) throws ConfigException {
        return ConfigFixture.load(dir, "events {}\nhttp {\n" + http + "\n}\n");
    }

    private String error(String http) {
        try {
            load(http);
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("loaded without an error:\n" + http);
    }

    /** A server with one location, its body {@code location}; the location is on line 5 of the file. */
    private static String server(String location) {
        return "server { listen 127.0.0.1:18080;\nlocation / {\n" + location + "\n} }";
    }

    @Test
    void everyDirectiveLoadsForBothFamilies() throws Exception {
        load("""
                proxy_ssl_session_reuse off;
                proxy_ssl_protocols TLSv1.2 TLSv1.3;
                proxy_ssl_ciphers HIGH:!aNULL;
                proxy_ssl_name $host;
                proxy_ssl_server_name on;
                proxy_ssl_verify on;
                proxy_ssl_verify_depth 2;
                proxy_ssl_trusted_certificate certs/root.pem;
                proxy_ssl_certificate certs/client.test.pem;
                proxy_ssl_certificate_key certs/client.test.key;
                uwsgi_ssl_verify on;
                uwsgi_ssl_trusted_certificate certs/root.pem;
                uwsgi_ssl_server_name on;
                uwsgi_ssl_name app.test;
                server { listen 127.0.0.1:18080;
                    location / { proxy_pass https://127.0.0.1:8443; }
                    location /v/ { proxy_pass $scheme://127.0.0.1:8443; }
                    location /u/ { uwsgi_pass suwsgi://127.0.0.1:3031; }
                    location /p/ { proxy_pass http://127.0.0.1:8080; }
                }
                """);
    }

    @Test
    void defaultsAreNginx122s() {
        UpstreamSslConf c = new UpstreamSslConf();
        c.merge("proxy", new UpstreamSslConf());
        assertThat(c.sessionReuse).isTrue();
        assertThat(SslProtocols.names(c.protocols)).containsExactly("TLSv1", "TLSv1.1", "TLSv1.2");
        assertThat(c.ciphers).isEqualTo("DEFAULT");
        assertThat(c.name).as("the upstream's host").isNull();
        assertThat(c.serverName).isFalse();
        assertThat(c.verify).isFalse();
        assertThat(c.verifyDepth).isEqualTo(1);
        assertThat(c.trustedCertificate).isNull();
        assertThat(c.crl).isNull();
        assertThat(c.certificate).isNull();
    }

    @Test
    void aLevelInheritsWhatItDoesNotSet() {
        UpstreamSslConf http = new UpstreamSslConf();
        http.verify = true;
        http.serverName = true;
        http.name = Template.literal("app.test");
        UpstreamSslConf server = new UpstreamSslConf();
        server.verify = false;
        server.merge("proxy", http);
        UpstreamSslConf location = new UpstreamSslConf();
        location.verifyDepth = 3;
        location.merge("proxy", server);
        assertThat(location.verify).as("the server's own value").isFalse();
        assertThat(location.serverName).as("from http").isTrue();
        assertThat(location.name.source()).isEqualTo("app.test");
        assertThat(location.verifyDepth).isEqualTo(3);
        assertThat(server.verifyDepth).isEqualTo(1);
    }

    @Test
    void levelsThatChangeNoContextSettingShareTheirParentsContext() throws Exception {
        UpstreamSslConf http = new UpstreamSslConf();
        UpstreamSslConf server = new UpstreamSslConf();
        server.merge("proxy", http);
        UpstreamSslConf plain = new UpstreamSslConf();
        plain.verify = false;
        plain.merge("proxy", server);
        UpstreamSslConf named = new UpstreamSslConf();
        named.serverName = true;
        named.merge("proxy", server);
        UpstreamSslConf ciphers = new UpstreamSslConf();
        ciphers.ciphers = "HIGH";
        ciphers.merge("proxy", server);
        plain.tls();
        named.tls();
        ciphers.tls();
        assertThat(plain.context()).isNotNull().isSameAs(named.context()).isSameAs(server.context());
        assertThat(ciphers.context()).isNotNull().isNotSameAs(plain.context());
    }

    @Test
    void directiveErrorsNameTheLine() {
        assertThat(error("proxy_ssl_verify maybe;"))
                .isEqualTo("invalid value \"maybe\" in \"proxy_ssl_verify\" directive, it must be \"on\" or \"off\" in "
                        + conf + ":3");
        assertThat(error("proxy_ssl_verify_depth x;"))
                .isEqualTo("\"proxy_ssl_verify_depth\" directive invalid number in " + conf + ":3");
        assertThat(error("proxy_ssl_protocols TLSv1.2 TLSv9;")).isEqualTo("invalid value \"TLSv9\" in " + conf + ":3");
        assertThat(error("proxy_ssl_name a;\nproxy_ssl_name b;"))
                .isEqualTo("\"proxy_ssl_name\" directive is duplicate in " + conf + ":4");
        assertThat(error("uwsgi_ssl_ciphers HIGH;\nuwsgi_ssl_ciphers LOW;"))
                .isEqualTo("\"uwsgi_ssl_ciphers\" directive is duplicate in " + conf + ":4");
        assertThat(error("proxy_ssl_password_file nowhere.txt;")).isEqualTo("open() \""
                + dir.resolve("conf/nowhere.txt") + "\" failed (2: No such file or directory) in " + conf + ":3");
        assertThat(error("server { location / { proxy_ssl_verify on; if ($arg_a) { proxy_ssl_verify off; } } }"))
                .isEqualTo("\"proxy_ssl_verify\" directive is not allowed here in " + conf + ":3");
    }

    @Test
    void whatPorticoDoesNotDoIsRefusedClearly() {
        assertThat(error("proxy_ssl_conf_command Options PrioritizeChaCha;"))
                .isEqualTo("\"proxy_ssl_conf_command\" is not supported by portico: BoringSSL has no SSL_CONF commands"
                        + " in " + conf + ":3");
        assertThat(error("proxy_ssl_certificate certs/$ssl_server_name.pem;"))
                .isEqualTo("variables in \"proxy_ssl_certificate\" are not supported by portico in " + conf + ":3");
    }

    @Test
    void setSslErrorsComeOnlyWhereAPassMayBeTls() throws Exception {
        String verify = "proxy_ssl_verify on; uwsgi_ssl_verify on;\n";
        load(verify + "server { listen 127.0.0.1:18080; location / { proxy_pass http://127.0.0.1:8080; }"
                + " location /u/ { uwsgi_pass 127.0.0.1:3031; } }");
        assertThat(error(verify + server("proxy_pass https://127.0.0.1:8443;")))
                .isEqualTo("no proxy_ssl_trusted_certificate for proxy_ssl_verify");
        assertThat(error(verify + server("proxy_pass http://$host:8080;")))
                .as("variables may render https").isEqualTo("no proxy_ssl_trusted_certificate for proxy_ssl_verify");
        assertThat(error(verify + server("uwsgi_pass suwsgi://127.0.0.1:3031;")))
                .isEqualTo("no uwsgi_ssl_trusted_certificate for uwsgi_ssl_verify");
    }

    @Test
    void filesAreCheckedAsNginxChecksThem() {
        String https = "proxy_pass https://127.0.0.1:8443;\n";
        assertThat(error(server(https + "proxy_ssl_certificate certs/client.test.pem;")))
                .isEqualTo("no \"proxy_ssl_certificate_key\" is defined for certificate \""
                        + certs.path("client.test.pem") + "\" in " + conf + ":6");
        assertThat(error(server(https + "proxy_ssl_certificate certs/none.pem;\n"
                + "proxy_ssl_certificate_key certs/client.test.key;")))
                .startsWith("cannot load certificate \"" + certs.path("none.pem") + "\": BIO_new_file() failed (");
        assertThat(error(server(https + "proxy_ssl_certificate certs/client.test.pem;\n"
                + "proxy_ssl_certificate_key certs/upstream.test.key;")))
                .startsWith("SSL_CTX_use_PrivateKey(\"" + certs.path("upstream.test.key") + "\") failed (key values"
                        + " mismatch");
        assertThat(error(server(https + "proxy_ssl_verify on;\nproxy_ssl_trusted_certificate not-pem.txt;")))
                .isEqualTo("SSL_CTX_load_verify_locations(\"" + dir.resolve("conf/not-pem.txt") + "\") failed"
                        + " (PEM_read_bio_X509_AUX() failed (no certificate in the file)) in " + conf + ":7");
        assertThat(error(server(https + "proxy_ssl_verify on;\nproxy_ssl_trusted_certificate certs/root.pem;\n"
                + "proxy_ssl_crl not-pem.txt;")))
                .isEqualTo("X509_LOOKUP_load_file(\"" + dir.resolve("conf/not-pem.txt") + "\") failed"
                        + " (PEM_read_bio_X509_CRL() failed (no CRL in the file)) in " + conf + ":8");
        assertThat(error(server(https + "proxy_ssl_ciphers NO-SUCH-CIPHER;")))
                .startsWith("SSL_CTX_set_cipher_list(\"NO-SUCH-CIPHER\") failed");
    }

    @Test
    void theTrustedFileAndCrlAreReadOnlyForVerification() throws Exception {
        load(server("proxy_pass https://127.0.0.1:8443;\nproxy_ssl_trusted_certificate not-pem.txt;\n"
                + "proxy_ssl_crl not-pem.txt;"));
    }
}
