package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * No conf/portico.conf and no -c: the embedded default configuration, port 8080, as the
 * README's first command runs it. Needs port 8080 free.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DefaultConfigTest {

    private static final int PORT = 8080;

    private TestPrefix prefix;
    private PorticoProcess server;

    @BeforeAll
    void start() {
        assertPortFree();
        prefix = TestPrefix.create();
        server = PorticoProcess.start(prefix, PORT, "-p", prefix.dir().toString(), "-g", "daemon off;");
    }

    private static void assertPortFree() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(PORT));
        } catch (IOException e) {
            throw new AssertionError("port " + PORT + " is in use; DefaultConfigTest needs it free"
                    + " (the embedded default configuration listens on 8080): " + e.getMessage());
        }
    }

    @AfterAll
    void stop() {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            if (prefix != null) {
                prefix.close();
            }
        }
    }

    @Test
    void listensOn8080() {
        HttpResponse<String> r = Http.get(PORT, "/");
        assertThat(r.headers().firstValue("Server")).hasValueSatisfying(v -> assertThat(v).startsWith("portico/"));
        assertThat(server.pidFromFile()).isEqualTo(server.pid());
    }

    /** Needs the static-file module (root/index); passes once that branch is merged. */
    @Test
    void servesTheWelcomePage() {
        HttpResponse<String> r = Http.get(PORT, "/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html");
        assertThat(r.body()).contains("Welcome to Portico");
    }
}
