package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The upstream block's balancing methods, Portico beside the real nginx
 * (Debian's /usr/sbin/nginx): one configuration, loaded first by nginx and
 * then by bin/portico on the same ports (consistent hashing places servers by
 * their "host:port", so the addresses must be the same), the same requests
 * sent to each, and the order in which the back ends answered compared.
 * The back ends are the server's own {@code server { listen PORT; return 200
 * "a"; }} blocks; two stand-ins that accept and never answer ({@link Holder})
 * keep least_conn's and random two's connections busy. ip_hash clients come
 * from different loopback addresses (127.X.Y.1), hash keys from the URI.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BalancingMethodsTest {

    private static final Path NGINX = Path.of("/usr/sbin/nginx");

    private static final String CONFIG = """
            daemon off;
            worker_processes 1;
            error_log logs/error.log info;
            pid logs/portico.pid;
            events {
            }
            http {
                access_log off;
                client_body_temp_path temp/body;
                proxy_temp_path temp/proxy;
                fastcgi_temp_path temp/fastcgi;
                uwsgi_temp_path temp/uwsgi;
                scgi_temp_path temp/scgi;

                upstream rr { server 127.0.0.1:%%A%% weight=3; server 127.0.0.1:%%B%% weight=2; }
                upstream lc {
                    least_conn;
                    server 127.0.0.1:%%A%%;
                    server 127.0.0.1:%%H1%% weight=2;
                    server 127.0.0.1:%%H2%%;
                }
                upstream ip {
                    ip_hash;
                    server 127.0.0.1:%%A%% weight=3;
                    server 127.0.0.1:%%B%% weight=2;
                    server 127.0.0.1:%%C%%;
                }
                upstream uri {
                    hash $request_uri;
                    server 127.0.0.1:%%A%% weight=3;
                    server 127.0.0.1:%%B%% weight=2;
                    server 127.0.0.1:%%C%%;
                }
                upstream ring {
                    hash $request_uri consistent;
                    server 127.0.0.1:%%A%% weight=3;
                    server 127.0.0.1:%%B%% weight=2;
                    server 127.0.0.1:%%C%%;
                }
                upstream nokey {
                    hash $arg_k;
                    server 127.0.0.1:%%A%% weight=3;
                    server 127.0.0.1:%%B%% weight=2;
                    server 127.0.0.1:%%C%%;
                }
                upstream hashbackup {
                    server 127.0.0.1:%%C%% backup;
                    hash $request_uri;
                    server 127.0.0.1:%%DEAD1%%;
                    server 127.0.0.1:%%DEAD2%%;
                }
                upstream dead { server 127.0.0.1:%%DEAD1%%; server 127.0.0.1:%%DEAD2%%; }
                upstream rnd { random; server 127.0.0.1:%%A%% weight=3; server 127.0.0.1:%%B%%; }
                upstream rnd2 {
                    random two least_conn;
                    server 127.0.0.1:%%A%%;
                    server 127.0.0.1:%%B%%;
                    server 127.0.0.1:%%H1%%;
                }

                server { listen 127.0.0.1:%%A%%; return 200 "a"; }
                server { listen 127.0.0.1:%%B%%; return 200 "b"; }
                server { listen 127.0.0.1:%%C%%; return 200 "c"; }

                server {
                    listen 127.0.0.1:%%PORT%%;
                    proxy_read_timeout 60s;
                    location /rr/ { proxy_pass http://rr; }
                    location /lc/ { proxy_pass http://lc; }
                    location /ip/ { proxy_pass http://ip; }
                    location /uri/ { proxy_pass http://uri; }
                    location /ring/ { proxy_pass http://ring; }
                    location /nokey/ { proxy_pass http://nokey; }
                    location /hashbackup/ { proxy_pass http://hashbackup; }
                    location /dead/ { proxy_pass http://dead; }
                    location /rnd/ { proxy_pass http://rnd; }
                    location /rnd2/ { proxy_pass http://rnd2; }
                }
            }
            """;

    /** What one server did with the same requests. */
    record Recording(List<String> roundRobin, List<String> leastConn, List<String> ipHash, List<String> uriHash,
                     List<String> ring, List<String> emptyKey, List<String> hashBackup, List<Integer> deadStatuses,
                     long noLiveUpstreams, Map<String, Integer> random, Map<String, Integer> randomTwoAfterBusy,
                     int randomTwoBusyPeerConnections) {
    }

    private static final int RANDOM_REQUESTS = 400;
    private static final int RANDOM_TWO_REQUESTS = 60;

    private final int front = TestPrefix.freePort();
    private final Holder h1 = new Holder("h1");
    private final Holder h2 = new Holder("h2");
    private String config;
    private Recording nginx;
    private Recording portico;

    @BeforeAll
    void recordBoth() throws Exception {
        config = CONFIG.replace("%%PORT%%", Integer.toString(front))
                .replace("%%A%%", Integer.toString(TestPrefix.freePort()))
                .replace("%%B%%", Integer.toString(TestPrefix.freePort()))
                .replace("%%C%%", Integer.toString(TestPrefix.freePort()))
                .replace("%%DEAD1%%", Integer.toString(TestPrefix.freePort()))
                .replace("%%DEAD2%%", Integer.toString(TestPrefix.freePort()))
                .replace("%%H1%%", Integer.toString(h1.port()))
                .replace("%%H2%%", Integer.toString(h2.port()));
        try (TestPrefix prefix = TestPrefix.create()) {
            Files.createDirectories(prefix.path("temp"));
            Files.writeString(prefix.path(TestPrefix.CONF), config);
            try (NginxProcess n = NginxProcess.start(prefix, front)) {
                nginx = record(prefix);
            }
        }
        h1.release();
        h2.release();
        try (TestPrefix prefix = TestPrefix.create()) {
            Files.createDirectories(prefix.path("temp"));
            Files.writeString(prefix.path(TestPrefix.CONF), config);
            try (PorticoProcess p = PorticoProcess.start(prefix, front, "-p", prefix.dir().toString(),
                    "-c", TestPrefix.CONF)) {
                portico = record(prefix);
            }
        }
    }

    @AfterAll
    void stopHolders() {
        h1.close();
        h2.close();
    }

    private Recording record(TestPrefix prefix) {
        List<String> roundRobin = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            roundRobin.add(body("127.0.0.1", "/rr/"));
        }
        List<String> leastConn = leastConnWithHeldPeers();
        List<String> ipHash = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            ipHash.add(body("127." + (i * 37 % 256) + "." + (i * 11 % 256) + ".1", "/ip/"));
        }
        List<String> uriHash = new ArrayList<>();
        List<String> ring = new ArrayList<>();
        for (int i = 1; i <= 30; i++) {
            uriHash.add(body("127.0.0.1", "/uri/k" + i));
            ring.add(body("127.0.0.1", "/ring/k" + i));
        }
        List<String> emptyKey = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            emptyKey.add(body("127.0.0.1", "/nokey/"));
        }
        List<String> hashBackup = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            hashBackup.add(body("127.0.0.1", "/hashbackup/k" + i));
        }
        List<Integer> deadStatuses = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            deadStatuses.add(BoundClient.get("127.0.0.1", front, "/dead/").status());
        }
        // Four lines either way: two refused connects, then "no live upstreams" twice, or once and
        // two refused connects again (the log is written by its own thread: wait for them).
        await().atMost(Duration.ofSeconds(10)).until(() -> deadLines(prefix, "").count() >= 4);
        long noLive = deadLines(prefix, "no live upstreams").count();
        Map<String, Integer> random = new TreeMap<>();
        for (int i = 0; i < RANDOM_REQUESTS; i++) {
            random.merge(body("127.0.0.1", "/rnd/"), 1, Integer::sum);
        }
        // random two: once h1 holds a request, the draw of two never leaves it a new one.
        h1.release();
        int sent = 0;
        while (h1.accepted() == 0 && sent++ < 50) {
            sendHeld("/rnd2/", h1);
        }
        assertThat(h1.accepted()).as("random two sent a request to h1 within 50").isEqualTo(1);
        Map<String, Integer> randomTwo = new TreeMap<>();
        for (int i = 0; i < RANDOM_TWO_REQUESTS; i++) {
            randomTwo.merge(body("127.0.0.1", "/rnd2/"), 1, Integer::sum);
        }
        Recording r = new Recording(roundRobin, leastConn, ipHash, uriHash, ring, emptyKey, hashBackup,
                deadStatuses, noLive, random, randomTwo, h1.accepted());
        // The held requests end now (their upstream connections close), so the server stops at once.
        for (Socket s : held) {
            closeQuietly(s);
        }
        held.clear();
        h1.release();
        h2.release();
        return r;
    }

    private static java.util.stream.Stream<String> deadLines(TestPrefix prefix, String containing) {
        return prefix.errorLog().lines().filter(l -> l.contains("/dead/") && l.contains(containing)
                && (l.contains("no live upstreams") || l.contains("connect() failed")));
    }

    /**
     * least_conn over a (weight 1), h1 (weight 2) and h2 (weight 1): a answers at
     * once, h1 and h2 keep what they get. Each request is named by who took it.
     */
    private List<String> leastConnWithHeldPeers() {
        h1.release();
        h2.release();
        List<String> order = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            order.add(sendHeld("/lc/", h1, h2));
        }
        return order;
    }

    /**
     * Sends a GET for {@code path} and waits until either a back end answers
     * (its body names it) or one of the holders accepts the proxy's connection.
     */
    private String sendHeld(String path, Holder... holders) {
        int[] before = new int[holders.length];
        for (int i = 0; i < holders.length; i++) {
            before[i] = holders[i].accepted();
        }
        Socket client = BoundClient.connect("127.0.0.1", front);
        String[] who = new String[1];
        try {
            client.getOutputStream().write(BoundClient.request(path));
            InputStream in = client.getInputStream();
            StringBuilder text = new StringBuilder();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5)).until(() -> {
                for (int i = 0; i < holders.length; i++) {
                    if (holders[i].accepted() > before[i]) {
                        who[0] = holders[i].name;
                        return true;
                    }
                }
                while (in.available() > 0) {
                    int b = in.read();
                    if (b < 0) {
                        break;
                    }
                    text.append((char) b);
                }
                int body = text.indexOf("\r\n\r\n");
                if (body >= 0 && text.length() > body + 4) {
                    who[0] = text.substring(body + 4);
                    return true;
                }
                return false;
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        held.add(client); // closed when the server stops; a client that goes away would free the peer
        return who[0];
    }

    private final List<Socket> held = new CopyOnWriteArrayList<>();

    @Test
    void weightedRoundRobinThreeToTwo() {
        assertThat(nginx.roundRobin()).containsExactly("a", "b", "a", "b", "a", "a", "b", "a", "b", "a");
        assertThat(portico.roundRobin()).isEqualTo(nginx.roundRobin());
    }

    @Test
    void leastConnSkipsBusyPeersAndBreaksTiesByWeightedRoundRobin() {
        assertThat(nginx.leastConn()).contains("h1", "h2", "a");
        assertThat(portico.leastConn()).isEqualTo(nginx.leastConn());
    }

    @Test
    void ipHashByTheClientsFirstThreeOctets() {
        assertThat(nginx.ipHash()).contains("a", "b", "c");
        assertThat(portico.ipHash()).isEqualTo(nginx.ipHash());
    }

    @Test
    void hashOfTheRequestUri() {
        assertThat(nginx.uriHash()).contains("a", "b", "c");
        assertThat(portico.uriHash()).isEqualTo(nginx.uriHash());
    }

    @Test
    void consistentHashOfTheRequestUri() {
        assertThat(nginx.ring()).contains("a", "b", "c");
        assertThat(nginx.ring()).isNotEqualTo(nginx.uriHash());
        assertThat(portico.ring()).isEqualTo(nginx.ring());
    }

    @Test
    void anEmptyHashKeyGoesByRoundRobin() {
        // weights 3:2:1 in smooth round robin order
        assertThat(nginx.emptyKey()).containsExactly("a", "b", "a", "c", "b", "a", "a", "b", "a", "c", "b", "a");
        assertThat(portico.emptyKey()).isEqualTo(nginx.emptyKey());
    }

    @Test
    void hashFallsBackToRoundRobinAndTheBackupListedBeforeIt() {
        assertThat(nginx.hashBackup()).containsExactly("c", "c", "c");
        assertThat(portico.hashBackup()).isEqualTo(nginx.hashBackup());
    }

    @Test
    void failedPeersStayOutForFailTimeoutWithoutQuickRecovery() {
        // First request: both peers refuse and are taken out; the next two find no live upstream.
        assertThat(nginx.deadStatuses()).containsExactly(502, 502, 502);
        assertThat(nginx.noLiveUpstreams()).isEqualTo(2);
        assertThat(portico.deadStatuses()).isEqualTo(nginx.deadStatuses());
        assertThat(portico.noLiveUpstreams()).isEqualTo(nginx.noLiveUpstreams());
    }

    @Test
    void randomFollowsTheWeights() {
        for (Recording r : List.of(nginx, portico)) {
            assertThat(r.random().keySet()).containsExactlyInAnyOrder("a", "b");
            double shareOfA = r.random().get("a") / (double) RANDOM_REQUESTS;
            // weight 3 of 4: 0.75; 400 draws put it within ±0.10 with a wide margin (±4.6 standard deviations)
            assertThat(shareOfA).as(r.random().toString()).isBetween(0.65, 0.85);
        }
    }

    @Test
    void randomTwoLeastConnAvoidsTheBusyPeer() {
        for (Recording r : List.of(nginx, portico)) {
            assertThat(r.randomTwoBusyPeerConnections()).isEqualTo(1);
            assertThat(r.randomTwoAfterBusy().keySet()).as(r.randomTwoAfterBusy().toString())
                    .containsExactlyInAnyOrder("a", "b");
            assertThat(r.randomTwoAfterBusy().values().stream().mapToInt(Integer::intValue).sum())
                    .isEqualTo(RANDOM_TWO_REQUESTS);
        }
    }

    // ---- clients ----

    private String body(String from, String path) {
        BoundClient.Answer a = BoundClient.get(from, front, path);
        assertThat(a.status()).as("GET " + path + " from " + from).isEqualTo(200);
        return a.body();
    }

    /** An upstream that accepts connections and never answers, keeping them busy until released. */
    static final class Holder implements AutoCloseable {
        final String name;
        private final ServerSocket listener;
        private final List<Socket> connections = new CopyOnWriteArrayList<>();
        private volatile int accepted;

        Holder(String name) {
            this.name = name;
            try {
                listener = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Thread t = new Thread(this::acceptAll, "holder-" + name);
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        int accepted() {
            return accepted;
        }

        private void acceptAll() {
            while (!listener.isClosed()) {
                try {
                    connections.add(listener.accept());
                    accepted++;
                } catch (IOException e) {
                    return;
                }
            }
        }

        /** Closes what it holds and counts from zero again. */
        void release() {
            for (Socket s : connections) {
                closeQuietly(s);
            }
            connections.clear();
            accepted = 0;
        }

        @Override
        public void close() {
            release();
            closeQuietly(listener);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // going away anyway
        }
    }

    /** Debian's nginx on the prefix's conf/portico.conf ({@code daemon off;}), stopped by TERM. */
    static final class NginxProcess implements AutoCloseable {
        private final Process process;
        private final TestPrefix prefix;

        private NginxProcess(Process process, TestPrefix prefix) {
            this.process = process;
            this.prefix = prefix;
        }

        static NginxProcess start(TestPrefix prefix, int port) throws IOException {
            assertThat(NGINX).as("Debian's nginx").isExecutable();
            ProcessBuilder pb = new ProcessBuilder(NGINX.toString(), "-p", prefix.dir() + "/", "-c", TestPrefix.CONF)
                    .redirectOutput(prefix.path("nginx.stdout").toFile())
                    .redirectError(prefix.path("nginx.stderr").toFile());
            NginxProcess n = new NginxProcess(pb.start(), prefix);
            try {
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
                    if (!n.process.isAlive()) {
                        throw new AssertionError("nginx exited: " + Files.readString(prefix.path("nginx.stderr"))
                                + prefix.errorLog());
                    }
                    return PorticoProcess.accepts(port);
                });
            } catch (RuntimeException | AssertionError e) {
                n.close();
                throw e;
            }
            return n;
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
