package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.tls.TestCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What the SNI name and the Host header choose on a TLS address, as nginx 1.22 (checked against
 * Debian's nginx 1.22.1): the server of a request, the 421 of a server that verifies clients,
 * whose header limits and client_header_timeout read a request head, $ssl_server_name, which
 * sessions resume under another name, whose cipher order counts, and ssl_protocols given twice.
 * Clients: openssl s_client, curl and Java's SSLSocket; certificates made by the openssl command.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsServerNamesTest {

    private static final String CONFIG = """
            daemon off;
            error_log logs/error.log info;
            events { }
            http {
                ssl_certificate certs/a.test-fullchain.pem;
                ssl_certificate_key certs/a.test.key;
                ssl_protocols TLSv1.2;
                ssl_protocols TLSv1.2 TLSv1.3;
                ssl_session_cache shared:SSL:1m;
                log_format held '$status $ssl_session_reused [$ssl_server_name] $ssl_protocol';

                server {
                    listen 127.0.0.1:%%PORT%% ssl http2;
                    server_name a.test;
                    return 200 "a $host $ssl_server_name $ssl_cipher\\n";
                }
                server {
                    listen 127.0.0.1:%%PORT%% ssl;
                    server_name b.test;
                    ssl_certificate certs/b.test-fullchain.pem;
                    ssl_certificate_key certs/b.test.key;
                    return 200 "b $host\\n";
                }
                # The http block's certificate, a context of its own (another ssl_buffer_size)
                server {
                    listen 127.0.0.1:%%PORT%% ssl;
                    server_name same.test;
                    ssl_buffer_size 8k;
                    return 200 "same $host\\n";
                }
                server {
                    listen 127.0.0.1:%%PORT%% ssl;
                    server_name mtls.test www.mtls.test;
                    ssl_verify_client optional;
                    ssl_client_certificate certs/clientca.pem;
                    return 200 "mtls $host $ssl_client_verify\\n";
                }
                server {
                    listen 127.0.0.1:%%PORT%% ssl;
                    server_name prefer.test;
                    ssl_ciphers ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256;
                    ssl_prefer_server_ciphers on;
                    return 200 "prefer $ssl_cipher\\n";
                }

                # An address whose default server verifies clients
                server {
                    listen 127.0.0.1:%%PORT2%% ssl;
                    server_name verifying.test;
                    ssl_verify_client optional;
                    ssl_client_certificate certs/clientca.pem;
                    return 200 "verifying $host\\n";
                }
                server {
                    listen 127.0.0.1:%%PORT2%% ssl;
                    server_name plain.test;
                    return 200 "plain $host\\n";
                }

                # An address whose servers read request heads differently
                server {
                    listen 127.0.0.1:%%PORT3%% ssl;
                    server_name small.test;
                    ssl_certificate certs/small.test-fullchain.pem;
                    ssl_certificate_key certs/small.test.key;
                    large_client_header_buffers 4 1k;
                    client_header_timeout 30s;
                    keepalive_timeout 1s;
                    return 200 "small $host [$ssl_server_name]\\n";
                }
                server {
                    listen 127.0.0.1:%%PORT3%% ssl;
                    server_name large.test;
                    ssl_certificate certs/large.test-fullchain.pem;
                    ssl_certificate_key certs/large.test.key;
                    large_client_header_buffers 4 16k;
                    client_header_timeout 1s;
                    keepalive_timeout 1s;
                    location / {
                        return 200 "large $host [$ssl_server_name]\\n";
                    }

                    # An upstream that never answers: the client leaves first (499)
                    location /held {
                        proxy_pass http://127.0.0.1:%%HELD%%;
                        access_log logs/held.log held;
                    }
                }
            }
            """;

    private TestPrefix prefix;
    private PorticoProcess server;
    private TestCertificates certs;
    private ServerSocket held;
    private final List<Socket> heldConnections = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start() throws IOException {
        held = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!held.isClosed()) {
                try {
                    heldConnections.add(held.accept()); // read nothing, answer nothing
                } catch (IOException closed) {
                    return;
                }
            }
        }, "held-upstream");
        acceptor.setDaemon(true);
        acceptor.start();
        prefix = TestPrefix.withConfig(CONFIG.replace("%%HELD%%", Integer.toString(held.getLocalPort())));
        certs = TestCertificates.create(prefix.path("conf/certs")).chainLeaf("a.test").chainLeaf("b.test")
                .chainLeaf("small.test").chainLeaf("large.test").client("client.test");
        server = PorticoProcess.start(prefix);
    }

    @AfterAll
    void stop() throws IOException {
        PorticoProcess.stop(server, prefix);
        held.close();
        for (Socket s : heldConnections) {
            s.close();
        }
    }

    @Test
    void sslProtocolsGivenTwiceAddsUpWithAWarningForTheRepeatedValue() {
        // As nginx's ngx_conf_set_bitmask_slot: "duplicate value" is a warning, the values are ORed.
        int line = lineOf("    ssl_protocols TLSv1.2 TLSv1.3;");
        CommandResult test = Portico.run(prefix, "-t", "-p", prefix.dir().toString(), "-c", TestPrefix.CONF);
        assertThat(test.exitCode()).as(test.stderr()).isZero();
        assertThat(test.stderr()).contains("[warn] duplicate value \"TLSv1.2\" in "
                + prefix.path(TestPrefix.CONF) + ":" + line + "\n");
        assertThat(sClient(prefix.port(), "a.test", request("a.test"), "-tls1_2").stdout())
                .contains("New, TLSv1.2, Cipher is");
        assertThat(sClient(prefix.port(), "a.test", request("a.test"), "-tls1_3").stdout())
                .contains("New, TLSv1.3, Cipher is");
    }

    @Test
    void hostChoosesTheServerAndNoHostTheDefaultOneWhateverTheSniName() {
        // nginx 1.22 looks an absent Host up as the empty name, so the default server answers
        // (ngx_http_set_virtual_server), not the one SNI chose.
        assertThat(body(prefix.port(), "b.test", "GET / HTTP/1.0\r\n\r\n")).startsWith("a a.test b.test ");
        assertThat(body(prefix.port(), "b.test", request("a.test"))).startsWith("a a.test b.test ");
        assertThat(body(prefix.port(), "a.test", request("b.test"))).isEqualTo("b b.test\n");
        // An unknown Host, with or without SNI: the default server.
        assertThat(body(prefix.port(), "b.test", request("unknown.test"))).startsWith("a unknown.test b.test ");
        // HTTP/1.1 without Host: 400, from the server the empty name chose.
        assertThat(sClient(prefix.port(), "b.test", "GET / HTTP/1.1\r\nConnection: close\r\n\r\n").stdout())
                .contains("HTTP/1.1 400 Bad Request");
        server.awaitErrorLog("client sent HTTP/1.1 request without \"Host\" header while reading client request"
                + " headers, client: 127.0.0.1, server: a.test, request: \"GET / HTTP/1.1\"");
        // An invalid Host is refused by the server SNI chose, where nginx's connection starts.
        assertThat(sClient(prefix.port(), "b.test", "GET / HTTP/1.0\r\nHost: a/b\r\n\r\n").stdout())
                .contains("HTTP/1.1 400 Bad Request");
        server.awaitErrorLog("client sent invalid host header while reading client request headers, client:"
                + " 127.0.0.1, server: b.test, request: \"GET / HTTP/1.0\"");
    }

    @Test
    void aServerThatVerifiesClientsAnswersOnlyTheNegotiatedName() {
        // Host names a verifying server other than the SNI one: 421, answered and logged by the SNI's server.
        assertThat(sClient(prefix.port(), "a.test", request("mtls.test")).stdout())
                .contains("HTTP/1.1 421 Misdirected Request");
        server.awaitErrorLog("client attempted to request the server name different from the one that was"
                + " negotiated while reading client request headers, client: 127.0.0.1, server: a.test, request:"
                + " \"GET / HTTP/1.0\", host: \"mtls.test\"");
        // Another name of the same server is another name still.
        assertThat(sClient(prefix.port(), "mtls.test", request("www.mtls.test")).stdout())
                .contains("HTTP/1.1 421 Misdirected Request");
        // The negotiated name itself, in any case and with a trailing dot: served.
        assertThat(body(prefix.port(), "MTLS.test.", request("mtls.test"))).isEqualTo("mtls mtls.test NONE\n");
        // An SNI name that chose no server negotiated nothing: Host routes freely.
        assertThat(body(prefix.port(), "unknown.test", request("mtls.test"))).isEqualTo("mtls mtls.test NONE\n");
        // From the verifying server to one that does not verify: routed by Host.
        assertThat(body(prefix.port(), "mtls.test", request("a.test"))).startsWith("a a.test mtls.test ");
        assertThat(body(prefix.port(), "mtls.test", request("unknown.test"))).startsWith("a unknown.test ");
        // The same over HTTP/2 (:authority).
        RawResponse h2 = Curl.response("-i", "--http2", "--insecure", "--resolve",
                "a.test:" + prefix.port() + ":127.0.0.1", "-H", "Host: mtls.test",
                "https://a.test:" + prefix.port() + "/");
        assertThat(h2.statusLine()).startsWith("HTTP/2 421");
    }

    @Test
    void whenTheDefaultServerVerifiesClientsAnUnknownOrAbsentHostIsMisdirected() {
        int port = prefix.port(2);
        assertThat(sClient(port, "plain.test", "GET / HTTP/1.0\r\n\r\n").stdout())
                .contains("HTTP/1.1 421 Misdirected Request");
        assertThat(sClient(port, "plain.test", request("unknown.test")).stdout())
                .contains("HTTP/1.1 421 Misdirected Request");
        assertThat(body(port, "plain.test", request("plain.test"))).isEqualTo("plain plain.test\n");
        // Without SNI nothing was negotiated: the default server answers.
        assertThat(body(port, null, "GET / HTTP/1.0\r\n\r\n")).isEqualTo("verifying verifying.test\n");
    }

    @Test
    void theServerSniChoseGivesTheConnectionItsHeaderLimits() {
        // nginx's header buffers come from hc->conf_ctx, which ngx_http_ssl_servername sets to the SNI
        // name's server: an 8 KiB header fits large.test's 16k buffers, not the default small.test's 1k.
        int port = prefix.port(3);
        String big = "X-Big: " + "a".repeat(8192) + "\r\n";
        assertThat(body(port, "large.test", "GET / HTTP/1.0\r\nHost: large.test\r\n" + big + "\r\n"))
                .isEqualTo("large large.test [large.test]\n");
        assertThat(tooLarge(port, "small.test", "GET / HTTP/1.0\r\nHost: small.test\r\n" + big + "\r\n")).isTrue();
        // The limits are the connection's: a Host read after the big header chooses the server that
        // answers, not the limits the header was read with (an unknown SNI name, or none: the default's).
        assertThat(body(port, "large.test", "GET / HTTP/1.0\r\n" + big + "Host: small.test\r\n\r\n"))
                .isEqualTo("small small.test [large.test]\n");
        for (String sni : Arrays.asList("small.test", "unknown.test", null)) {
            assertThat(tooLarge(port, sni, "GET / HTTP/1.0\r\n" + big + "Host: large.test\r\n\r\n"))
                    .as(String.valueOf(sni)).isTrue();
        }
        // HTTP/1.1 keeps the decoder between requests, limits and all.
        CommandResult twice = sClient(port, "large.test", "GET / HTTP/1.1\r\nHost: large.test\r\n" + big + "\r\n"
                + "GET / HTTP/1.1\r\nHost: large.test\r\nConnection: close\r\n" + big + "\r\n", "-quiet");
        assertThat(twice.stdout().split("HTTP/1.1 200 OK", -1)).as(twice.stdout()).hasSize(3);
    }

    @Test
    void sslServerNameIsTheNameAsTheClientSentIt() {
        // nginx's $ssl_server_name is SSL_get_servername's answer as it is (ngx_ssl_get_server_name);
        // the server is chosen by the name lower-cased, without its trailing dot, as a Host.
        int port = prefix.port(3);
        assertThat(body(port, "Large.TEST", request("large.test"))).isEqualTo("large large.test [Large.TEST]\n");
        assertThat(body(port, "WWW.Large.Test.", request("www.large.test")))
                .isEqualTo("small www.large.test [WWW.Large.Test.]\n");
        assertThat(body(port, "LARGE.test.", request("Large.Test"))).isEqualTo("large large.test [LARGE.test.]\n");
        assertThat(body(port, null, request("large.test"))).isEqualTo("large large.test []\n");
    }

    @Test
    void theTlsVariablesOfARequestTheClientLeftAreLogged() throws Exception {
        // The access log line of a 499 is written after the connection, and BoringSSL's state with
        // it, is gone: what the handshake chose is still there, as in nginx.
        int port = prefix.port(3);
        int before = heldConnections.size();
        try (SSLSocket client = JavaTlsClient.connect(port, "Large.Test", certs.trustManagers())) {
            client.getOutputStream().write("GET /held HTTP/1.1\r\nHost: large.test\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> heldConnections.size() > before);
        }
        Path log = prefix.path("logs/held.log");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> Files.exists(log) && !Files.readString(log).isEmpty());
        assertThat(Files.readString(log)).isEqualTo("499 . [Large.Test] TLSv1.3\n");
        assertThat(Files.readString(prefix.path("logs/error.log"))).doesNotContain("log handler failed");
    }

    @Test
    void aKeptAliveRequestHasTheSniServersClientHeaderTimeoutAndTheFirstTheDefaultServers() throws Exception {
        // nginx: the first request's head has the listening socket's post_accept_timeout, the default
        // server's client_header_timeout, counted from the accept on; a kept-alive request's head has
        // that of its connection's server (hc->conf_ctx), the SNI name's.
        int port = prefix.port(3);
        try (SSLSocket keptLarge = JavaTlsClient.connect(port, "large.test", certs.trustManagers());
             SSLSocket keptSmall = JavaTlsClient.connect(port, "small.test", certs.trustManagers());
             SSLSocket firstLarge = JavaTlsClient.connect(port, "large.test", certs.trustManagers())) {
            assertThat(JavaTlsClient.get(keptLarge, "large.test", "/"))
                    .isEqualTo("HTTP/1.1 200 OK large large.test [large.test]\n");
            assertThat(JavaTlsClient.get(keptSmall, "small.test", "/"))
                    .isEqualTo("HTTP/1.1 200 OK small small.test [small.test]\n");
            for (SSLSocket socket : List.of(keptLarge, keptSmall, firstLarge)) {
                socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: ".getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
            }
            // large.test's 1s (Portico starts it when the 1s keepalive_timeout ends, nginx at the bytes).
            assertThat(closedWithin(keptLarge, 15_000)).isTrue();
            // small.test's 30s, and the default server's 30s for a first request whatever SNI chose.
            assertThat(closedWithin(keptSmall, 500)).isFalse();
            assertThat(closedWithin(firstLarge, 500)).isFalse();
        }
    }

    @Test
    void aSessionResumesUnderAnotherNameOnlyWithTheSameCertificatesAndClientVerification() throws IOException {
        for (String version : List.of("-tls1_2", "-tls1_3")) {
            assertThat(resumed("a.test", "same.test", version)).as("same.test " + version).isTrue();
            assertThat(resumed("a.test", "b.test", version)).as("b.test " + version).isFalse();
            assertThat(resumed("a.test", "mtls.test", version)).as("mtls.test " + version).isFalse();
            assertThat(resumed("mtls.test", "mtls.test", version)).as("mtls.test itself " + version).isTrue();
        }
        // A TLSv1.2 client without tickets resumes from the session cache of the one context only.
        assertThat(resumed("a.test", "a.test", "-tls1_2", "-no_ticket")).isTrue();
        assertThat(resumed("a.test", "same.test", "-tls1_2", "-no_ticket")).isFalse();
    }

    @Test
    void inTls12TheClientsCipherOrderChoosesUnlessTheServerPrefersItsOwn() {
        String aes128 = "ECDHE-RSA-AES128-GCM-SHA256";
        String aes256 = "ECDHE-RSA-AES256-GCM-SHA384";
        // ssl_prefer_server_ciphers off (the default): the client's first.
        assertThat(cipher("a.test", aes128 + ":" + aes256)).isEqualTo(aes128);
        assertThat(cipher("a.test", aes256 + ":" + aes128)).isEqualTo(aes256);
        // on: ssl_ciphers' first, whatever the client's order.
        assertThat(cipher("prefer.test", aes128 + ":" + aes256)).isEqualTo(aes256);
        assertThat(cipher("prefer.test", aes256 + ":" + aes128)).isEqualTo(aes256);
    }

    private String cipher(String name, String clientCiphers) {
        CommandResult r = sClient(prefix.port(), name, request(name), "-tls1_2", "-cipher", clientCiphers);
        String line = r.stdout().lines().filter(l -> l.startsWith("New, TLSv1.2, Cipher is ")).findFirst()
                .orElseThrow(() -> new AssertionError(r.stdout() + r.stderr()));
        return line.substring("New, TLSv1.2, Cipher is ".length()).trim();
    }

    /** A session made with SNI {@code from}, offered with SNI {@code to}: true when it was resumed. */
    private boolean resumed(String from, String to, String... options) throws IOException {
        Path session = certs.path("session-" + from + "-" + String.join("", options) + ".pem");
        Files.deleteIfExists(session);
        List<String> out = new ArrayList<>(List.of(options));
        out.addAll(List.of("-sess_out", session.toString()));
        assertThat(sClient(prefix.port(), from, request(from), out.toArray(new String[0])).stdout())
                .contains("New, TLSv1.");
        List<String> in = new ArrayList<>(List.of(options));
        in.addAll(List.of("-sess_in", session.toString()));
        String stdout = sClient(prefix.port(), to, request(to), in.toArray(new String[0])).stdout();
        assertThat(stdout).containsPattern("(New|Reused), TLSv1\\.").contains("HTTP/1.1 200 OK");
        return stdout.contains("Reused, TLSv1.");
    }

    /** True when {@code request} got nginx's answer to a head beyond large_client_header_buffers (494). */
    private boolean tooLarge(int port, String serverName, String request) {
        String out = sClient(port, serverName, request, "-quiet").stdout();
        assertThat(out).as(out).startsWith("HTTP/1.1 400 Bad Request\r\n");
        return out.contains("<head><title>400 Request Header Or Cookie Too Large</title></head>\r\n")
                && out.contains("<center>Request Header Or Cookie Too Large</center>");
    }

    /** True when the server closes the connection within {@code millis}, sending nothing more. */
    private static boolean closedWithin(SSLSocket socket, int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            int b = socket.getInputStream().read();
            assertThat(b).as("a byte where the connection should close or stay silent").isEqualTo(-1);
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SSLException | SocketException e) {
            return true; // closed without close_notify
        }
    }

    private static String request(String host) {
        return "GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n";
    }

    /** The body of the response to {@code request}, which must be a 200. */
    private String body(int port, String serverName, String request) {
        CommandResult r = sClient(port, serverName, request, "-quiet"); // the response alone
        String out = r.stdout();
        assertThat(out).as(out + r.stderr()).contains("HTTP/1.1 200 OK");
        return out.substring(out.indexOf("\r\n\r\n", out.indexOf("HTTP/1.1 200 OK")) + 4);
    }

    /** openssl s_client with SNI {@code serverName} (null: none) sending {@code request}, read to the close. */
    private CommandResult sClient(int port, String serverName, String request, String... args) {
        List<String> command = new ArrayList<>(List.of("/usr/bin/openssl", "s_client", "-connect",
                "127.0.0.1:" + port, "-ign_eof"));
        if (serverName == null) {
            command.add("-noservername");
        } else {
            command.addAll(List.of("-servername", serverName));
        }
        command.addAll(List.of(args));
        Path input;
        try {
            input = Files.createTempFile(certs.path(""), "request-", ".txt");
            Files.writeString(input, request);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Through sh: Portico.exec gives the command /dev/null as its input.
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", String.join(" ", command) + " < " + input);
        return Portico.exec(pb, Duration.ofSeconds(20));
    }

    private static int lineOf(String text) {
        List<String> lines = CONFIG.lines().toList();
        assertThat(lines).contains(text);
        return lines.indexOf(text) + 1;
    }
}
