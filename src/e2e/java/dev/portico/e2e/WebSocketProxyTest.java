package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portico.e2e.upstream.WsEcho;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * WebSockets proxied with nginx's usual recipe (proxy_http_version 1.1, the
 * Upgrade header passed on, Connection from a map of $http_upgrade) to a real
 * WebSocket echo server (python3-websockets), on TCP and on a unix socket.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebSocketProxyTest {

    private static final String CONFIG = """
            daemon off;
            error_log logs/error.log info;
            events {
            }
            http {
                log_format ws '$request $status $upstream_addr';
                access_log logs/access.log ws;

                map $http_upgrade $connection_upgrade {
                    default upgrade;
                    ''      close;
                }
                server {
                    listen 127.0.0.1:%%PORT%%;

                    location /tcp/ {
                        proxy_pass http://127.0.0.1:%%WS%%;
                        proxy_http_version 1.1;
                        proxy_set_header Upgrade $http_upgrade;
                        proxy_set_header Connection $connection_upgrade;
                        proxy_set_header Host $host;
                    }
                    location /unix/ {
                        proxy_pass http://unix:%%SOCK%%;
                        proxy_http_version 1.1;
                        proxy_set_header Upgrade $http_upgrade;
                        proxy_set_header Connection $connection_upgrade;
                    }
                    location /quiet/ {
                        proxy_pass http://127.0.0.1:%%WS%%;
                        proxy_http_version 1.1;
                        proxy_set_header Upgrade $http_upgrade;
                        proxy_set_header Connection $connection_upgrade;
                        proxy_read_timeout 1s;
                    }
                    location /no-recipe/ {
                        proxy_pass http://127.0.0.1:%%WS%%;
                    }
                }
            }
            """;

    private TestPrefix prefix;
    private WsEcho tcpEcho;
    private WsEcho unixEcho;
    private PorticoProcess server;

    @BeforeAll
    void start() throws Exception {
        prefix = TestPrefix.create();
        tcpEcho = WsEcho.start(Files.createDirectories(prefix.path("ws-tcp")), "127.0.0.1", TestPrefix.freePort());
        unixEcho = WsEcho.startUnix(Files.createDirectories(prefix.path("ws-unix")), prefix.path("ws.sock"));
        prefix.config(CONFIG.replace("%%WS%%", Integer.toString(tcpEcho.port()))
                .replace("%%SOCK%%", unixEcho.socketPath().toString()));
        server = PorticoProcess.start(prefix);
    }

    @AfterAll
    void stop() {
        try {
            PorticoProcess.stop(server, prefix);
        } finally {
            if (tcpEcho != null) {
                tcpEcho.close();
            }
            if (unixEcho != null) {
                unixEcho.close();
            }
        }
    }

    /** Collects what a WebSocket receives: whole text and binary messages, and how it ended. */
    private static final class Received implements WebSocket.Listener {
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            binary.writeBytes(b);
            if (last) {
                messages.add(binary.toByteArray());
                binary.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }

        Object next() throws InterruptedException {
            Object m = messages.poll(10, TimeUnit.SECONDS);
            assertThat(m).as("a message within 10 s").isNotNull();
            return m;
        }
    }

    private WebSocket open(String path, Received listener) throws Exception {
        return HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + path), listener)
                .get(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "unix"})
    void messagesGoBothWaysThroughTheUpgradedConnection(String via) throws Exception {
        Received received = new Received();
        WebSocket ws = open("/" + via + "/chat", received);
        for (int i = 0; i < 20; i++) {
            ws.sendText("hello " + i, true).get(5, TimeUnit.SECONDS);
            assertThat(received.next()).isEqualTo("hello " + i);
        }
        // Several MB each way: more than the socket buffers, so back pressure has to hold both ways.
        byte[] big = new byte[8 << 20];
        new Random(42).nextBytes(big);
        ws.sendBinary(ByteBuffer.wrap(big), true).get(30, TimeUnit.SECONDS);
        assertThat((byte[]) received.next()).isEqualTo(big);

        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
        assertThat(received.closed.get(10, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
        // The upgraded connection is logged with its 101 when it ends.
        PorticoProcess.awaitText(server::accessLog, "GET /" + via + "/chat HTTP/1.1 101 "
                + ("tcp".equals(via) ? "127.0.0.1:" + tcpEcho.port() : "unix:" + unixEcho.socketPath()),
                Duration.ofSeconds(10));
    }

    @Test
    void anUpstreamSilentForProxyReadTimeoutEndsTheConnection() throws Exception {
        Received received = new Received();
        WebSocket ws = open("/quiet/idle", received);
        ws.sendText("one", true).get(5, TimeUnit.SECONDS);
        assertThat(received.next()).isEqualTo("one");
        // Nothing more from either side: after 1 s of upstream silence the tunnel closes, without
        // a closing handshake (1006 "abnormal closure" as the client reports it).
        assertThat(received.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1006);
        server.awaitErrorLog("upstream timed out (110: Connection timed out) while proxying upgraded connection");
    }

    @Test
    void withoutTheUpgradeHeadersPassedOnThereIsNoUpgrade() {
        Received received = new Received();
        // nginx does not pass Upgrade/Connection on by default: the upstream sees a plain GET.
        assertThatThrownBy(() -> open("/no-recipe/chat", received))
                .hasStackTraceContaining("Unexpected HTTP response status code 400");
    }
}
