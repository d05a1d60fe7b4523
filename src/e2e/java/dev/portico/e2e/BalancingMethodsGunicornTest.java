package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portico.e2e.upstream.Gunicorn;
import dev.portico.e2e.upstream.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The balancing methods through bin/portico before two real Gunicorn instances
 * of examples/flaskapp, each with one sync worker (a slow request keeps it
 * busy) and named by its work folder ("one", "two": /echo's "instance").
 * least_conn sends new requests to the idle instance while the other serves a
 * slow one (round robin, in the same set-up, does not); ip_hash keeps a client
 * address, hash a key, on one instance.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BalancingMethodsGunicornTest {

    private static final String CONFIG = """
            daemon off;
            worker_processes 1;
            error_log logs/error.log info;
            events {
            }
            http {
                access_log logs/access.log;
                upstream lc { least_conn; server 127.0.0.1:%%ONE%%; server 127.0.0.1:%%TWO%%; }
                upstream rr { server 127.0.0.1:%%ONE%%; server 127.0.0.1:%%TWO%%; }
                upstream ip { ip_hash; server 127.0.0.1:%%ONE%%; server 127.0.0.1:%%TWO%%; }
                upstream user { hash $arg_user consistent; server 127.0.0.1:%%ONE%%; server 127.0.0.1:%%TWO%%; }
                upstream uri { hash $request_uri; server 127.0.0.1:%%ONE%%; server 127.0.0.1:%%TWO%%; }
                server {
                    listen 127.0.0.1:%%PORT%%;
                    location /lc/ { proxy_pass http://lc/; }
                    location /rr/ { proxy_pass http://rr/; }
                    location /ip/ { proxy_pass http://ip/; }
                    location /user/ { proxy_pass http://user/; }
                    location /uri/ { proxy_pass http://uri/; }
                }
            }
            """;

    private TestPrefix prefix;
    private Gunicorn one;
    private Gunicorn two;
    private PorticoProcess server;

    @BeforeAll
    void start() {
        prefix = TestPrefix.create();
        one = Gunicorn.start(prefix.path("one"), "127.0.0.1:" + TestPrefix.freePort(), 1, "sync",
                Duration.ofSeconds(30));
        two = Gunicorn.start(prefix.path("two"), "127.0.0.1:" + TestPrefix.freePort(), 1, "sync",
                Duration.ofSeconds(30));
        prefix.config(CONFIG.replace("%%ONE%%", Integer.toString(one.port()))
                .replace("%%TWO%%", Integer.toString(two.port())));
        server = PorticoProcess.start(prefix);
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
        if (one != null) {
            one.close();
        }
        if (two != null) {
            two.close();
        }
        if (prefix != null) {
            prefix.close();
        }
    }

    @Test
    void leastConnSendsNewRequestsToTheIdleInstance() throws Exception {
        CompletableFuture<HttpResponse<String>> slow = sendSlow("/lc/sleep?s=3");
        Gunicorn busy = awaitBusyInstance();
        Gunicorn idle = busy == one ? two : one;
        long start = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            assertThat(instance("/lc/echo?i=" + i)).isEqualTo(name(idle));
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(millis).as("ten requests to the idle instance, none waiting for the slow one")
                .isLessThan(2_500);
        HttpResponse<String> done = slow.get(30, TimeUnit.SECONDS);
        assertThat(done.statusCode()).isEqualTo(200);
        assertThat(busy.accessLog()).contains("/sleep?s=3");
        assertThat(idle.accessLog()).doesNotContain("/sleep");
        // Both idle again: ties go by round robin, to both.
        Set<String> both = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            both.add(instance("/lc/echo?after=" + i));
        }
        assertThat(both).containsExactlyInAnyOrder("one", "two");
    }

    @Test
    void roundRobinKeepsSendingToTheBusyInstance() throws Exception {
        CompletableFuture<HttpResponse<String>> slow = sendSlow("/rr/sleep?s=2");
        Gunicorn busy = awaitBusyInstance();
        List<String> answered = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            answered.add(instance("/rr/echo?i=" + i));
        }
        assertThat(answered).contains(name(busy));
        assertThat(slow.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void ipHashKeepsEachClientAddressOnOneInstance() {
        Set<String> used = new HashSet<>();
        for (int c = 0; c < 10; c++) {
            String client = "127.0." + c + ".1";
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                BoundClient.Answer a = BoundClient.get(client, server.port(), "/ip/echo?i=" + i);
                assertThat(a.status()).isEqualTo(200);
                seen.add(Json.object(a.body()).get("instance").toString());
            }
            assertThat(seen).as("client " + client).hasSize(1);
            used.addAll(seen);
        }
        assertThat(used).containsExactlyInAnyOrder("one", "two");
    }

    @Test
    void hashKeepsEachKeyOnOneInstance() {
        for (String location : List.of("/user/echo?user=", "/uri/echo?user=")) {
            Set<String> used = new HashSet<>();
            for (int u = 0; u < 10; u++) {
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < 3; i++) {
                    seen.add(instance(location + u));
                }
                assertThat(seen).as(location + u).hasSize(1);
                used.addAll(seen);
            }
            assertThat(used).as(location).containsExactlyInAnyOrder("one", "two");
        }
    }

    private CompletableFuture<HttpResponse<String>> sendSlow(String path) {
        return Http.client().sendAsync(Http.request(server.port(), path).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The instance Portico sent the slow request to: the one with a connection
     * established from Portico (nothing else is in flight, and no connection is kept).
     */
    private Gunicorn awaitBusyInstance() {
        Gunicorn[] busy = new Gunicorn[1];
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> {
            long toOne = establishedTo(one.port());
            long toTwo = establishedTo(two.port());
            if (toOne + toTwo == 1) {
                busy[0] = toOne == 1 ? one : two;
                return true;
            }
            return false;
        });
        return busy[0];
    }

    /**
     * Established connections whose far end is port {@code port}, from the kernel's tables (an
     * epoll channel's socket is IPv6, its IPv4 peer a mapped address: tcp6).
     */
    private static long establishedTo(int port) {
        String remotePort = String.format(Locale.ROOT, ":%04X", port);
        long n = 0;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                n += Files.readAllLines(Path.of(table)).stream().skip(1)
                        .map(line -> line.trim().split("\\s+"))
                        .filter(f -> f[2].endsWith(remotePort) && f[3].equals("01"))
                        .count();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return n;
    }

    private String instance(String path) {
        HttpResponse<String> r = Http.get(server.port(), path);
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return Json.object(r.body()).get("instance").toString();
    }

    /** The instance's name: its work folder's. */
    private String name(Gunicorn g) {
        return g == one ? "one" : "two";
    }
}
