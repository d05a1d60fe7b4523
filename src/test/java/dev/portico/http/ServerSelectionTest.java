package dev.portico.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.config.ConfigFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nginx's order for choosing a server by Host: exact, leading wildcard, trailing wildcard, regex, default. */
class ServerSelectionTest {

    @TempDir
    Path dir;

    private ServerNames servers(String text) throws Exception {
        return ConfigFixture.load(dir, text).http().sockets().get(0).serverNames(null);
    }

    private static String select(ServerNames names, String host) {
        return names.select(host).server().name();
    }

    @Test
    void selectionOrder() throws Exception {
        ServerNames names = servers("""
                http {
                  server { listen 127.0.0.1:18091; server_name first; }
                  server { listen 127.0.0.1:18091; server_name www.example.com; }
                  server { listen 127.0.0.1:18091; server_name *.example.com; }
                  server { listen 127.0.0.1:18091; server_name *.www.example.com; }
                  server { listen 127.0.0.1:18091; server_name mail.*; }
                  server { listen 127.0.0.1:18091; server_name ~^(?<user>\\w+)\\.example\\.net$; }
                  server { listen 127.0.0.1:18091; server_name .example.org; }
                }
                """);
        assertThat(select(names, "www.example.com")).isEqualTo("www.example.com");
        assertThat(select(names, "a.example.com")).isEqualTo("*.example.com");
        assertThat(select(names, "x.www.example.com")).isEqualTo("*.www.example.com");
        assertThat(select(names, "mail.example.com")).isEqualTo("*.example.com");
        assertThat(select(names, "mail.test")).isEqualTo("mail.*");
        assertThat(select(names, "bob.example.net")).isEqualTo("~^(?<user>\\w+)\\.example\\.net$");
        assertThat(select(names, "example.org")).isEqualTo(".example.org");
        assertThat(select(names, "a.b.example.org")).isEqualTo(".example.org");
        assertThat(select(names, "unknown.test")).isEqualTo("first");
        assertThat(select(names, null)).isEqualTo("first");
    }

    @Test
    void defaultServerFlagOverridesFirst() throws Exception {
        ServerNames names = servers("""
                http {
                  server { listen 127.0.0.1:18092; server_name a; }
                  server { listen 127.0.0.1:18092 default_server; server_name b; }
                }
                """);
        assertThat(select(names, "zzz")).isEqualTo("b");
        assertThat(select(names, "a")).isEqualTo("a");
    }

    @Test
    void emptyNameMatchesRequestsWithoutHost() throws Exception {
        ServerNames names = servers("""
                http {
                  server { listen 127.0.0.1:18093; server_name named; }
                  server { listen 127.0.0.1:18093; server_name ""; }
                }
                """);
        assertThat(select(names, null)).isEqualTo("");
        assertThat(select(names, "other")).isEqualTo("named");
    }

    @Test
    void regexServerNameCaptures() throws Exception {
        ServerNames names = servers("""
                http {
                  server { listen 127.0.0.1:18094; server_name ~^(www\\.)?(?<domain>.+)$; }
                }
                """);
        assertThat(names.select("www.site.test").captures().group("domain")).isEqualTo("site.test");
    }

    @Test
    void hostNormalization() {
        assertThat(RequestProcessor.normalizeHost("Example.COM:8080")).isEqualTo("example.com");
        assertThat(RequestProcessor.normalizeHost("example.com.")).isEqualTo("example.com");
        assertThat(RequestProcessor.normalizeHost("[::1]:80")).isEqualTo("[::1]");
        assertThat(RequestProcessor.normalizeHost("a/b")).isNotEqualTo("a/b");
        assertThat(RequestProcessor.normalizeHost("a..b")).isNotEqualTo("a..b");
    }
}
