package dev.portico.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.balancer.UpstreamGroup;
import dev.portico.cli.VersionInfo;
import dev.portico.http.ConnectionCounters;
import dev.portico.proxy.Peer;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JSON document from counters and real upstream groups, peer states included. */
class PorticoStatusTest {

    private long now = 1000;

    private static UpstreamGroup.PeerState peer(String name, int port, int weight, boolean down) {
        return new UpstreamGroup.PeerState(new Peer(name, new InetSocketAddress("127.0.0.1", port), null), weight,
                1, 10, down, 0);
    }

    @Test
    void documentHoldsProcessCountersAndEveryPeer() {
        UpstreamGroup.PeerState up = peer("127.0.0.1:8001", 8001, 2, false);
        UpstreamGroup.PeerState failing = peer("127.0.0.1:8002", 8002, 1, false);
        UpstreamGroup.PeerState down = peer("127.0.0.1:8003", 8003, 1, true);
        UpstreamGroup.PeerState spare = peer("127.0.0.1:8004", 8004, 1, false);
        UpstreamGroup app = new UpstreamGroup("app", null, false, List.of(up, failing, down), List.of(spare),
                () -> now);
        spare.setUnhealthy(true);
        // One request tries 8001 (weight 2 comes first) and succeeds; the next fails on 8002
        // with max_fails=1, which takes it out for fail_timeout.
        UpstreamGroup.PeerState first = app.get(app.newTries());
        assertThat(first).isSameAs(up);
        app.free(first, (String) null);
        UpstreamGroup.PeerState second = app.get(app.newTries());
        assertThat(second).isSameAs(failing);
        app.free(second, "connect() failed (111: Connection refused) while connecting to upstream");
        UpstreamGroup other = new UpstreamGroup("other \"name\"", null, false,
                List.of(peer("unix:/run/app.sock", 0, 1, false)), List.of(), () -> now);

        long failedAt = app.stats().get(1).lastFailureMillis();
        long nowMillis = System.currentTimeMillis();
        String json = PorticoStatus.document(new ConnectionCounters.Totals(10, 9, 25, 4, 1, 2, 1),
                List.of(app, other), nowMillis);

        String head = "{\"version\":\"" + VersionInfo.VERSION + "\",\"pid\":" + ProcessHandle.current().pid()
                + ",\"uptime_seconds\":";
        assertThat(json).startsWith(head);
        long uptime = Long.parseLong(json.substring(head.length(), json.indexOf(',', head.length())));
        long jvmAge = (nowMillis - ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli()) / 1000;
        assertThat(uptime).isBetween(jvmAge - 1, jvmAge + 1);
        assertThat(json.substring(json.indexOf(',', head.length()))).isEqualTo(","
                + "\"connections\":{\"active\":4,\"reading\":1,\"writing\":2,\"waiting\":1,\"accepted\":10,\"handled\":9},"
                + "\"requests\":{\"total\":25},"
                + "\"upstreams\":{"
                + "\"app\":{\"peers\":["
                + "{\"server\":\"127.0.0.1:8001\",\"backup\":false,\"weight\":2,\"state\":\"up\",\"active\":0,"
                + "\"requests\":1,\"failures\":0,\"last_failure\":null},"
                + "{\"server\":\"127.0.0.1:8002\",\"backup\":false,\"weight\":1,\"state\":\"unavailable\",\"active\":0,"
                + "\"requests\":1,\"failures\":1,\"last_failure\":{\"reason\":\"connect() failed (111: Connection refused)"
                + " while connecting to upstream\",\"time\":\"" + Instant.ofEpochMilli(failedAt) + "\"}},"
                + "{\"server\":\"127.0.0.1:8003\",\"backup\":false,\"weight\":1,\"state\":\"down\",\"active\":0,"
                + "\"requests\":0,\"failures\":0,\"last_failure\":null},"
                + "{\"server\":\"127.0.0.1:8004\",\"backup\":true,\"weight\":1,\"state\":\"unhealthy\",\"active\":0,"
                + "\"requests\":0,\"failures\":0,\"last_failure\":null}"
                + "]},"
                + "\"other \\\"name\\\"\":{\"peers\":["
                + "{\"server\":\"unix:/run/app.sock\",\"backup\":false,\"weight\":1,\"state\":\"up\",\"active\":0,"
                + "\"requests\":0,\"failures\":0,\"last_failure\":null}"
                + "]}"
                + "}}\n");
    }

    @Test
    void anUnavailablePeerIsUpAgainAfterFailTimeout() {
        UpstreamGroup.PeerState a = peer("a", 1, 1, false);
        UpstreamGroup.PeerState b = peer("b", 2, 1, false);
        UpstreamGroup g = new UpstreamGroup("g", null, false, List.of(a, b), List.of(), () -> now);
        UpstreamGroup.PeerState p = g.get(g.newTries());
        g.free(p, "upstream timed out (110: Connection timed out) while connecting to upstream");
        assertThat(PorticoStatus.state(g.stats().get(0))).isEqualTo("unavailable");
        now += 11; // fail_timeout is 10 s
        assertThat(PorticoStatus.state(g.stats().get(0))).isEqualTo("up");
        // The failure is still reported, only the state changed.
        assertThat(g.stats().get(0).failures()).isEqualTo(1);
    }

    @Test
    void downWinsOverUnhealthyWhichWinsOverUnavailable() {
        assertThat(PorticoStatus.state(stats(true, true, true))).isEqualTo("down");
        assertThat(PorticoStatus.state(stats(false, true, true))).isEqualTo("unhealthy");
        assertThat(PorticoStatus.state(stats(false, false, true))).isEqualTo("unavailable");
        assertThat(PorticoStatus.state(stats(false, false, false))).isEqualTo("up");
    }

    private static UpstreamGroup.PeerStats stats(boolean down, boolean unhealthy, boolean failed) {
        return new UpstreamGroup.PeerStats("p", false, 1, down, unhealthy, failed, 0, 0, 0, null, 0);
    }
}
