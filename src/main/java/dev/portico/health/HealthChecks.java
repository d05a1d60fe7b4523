package dev.portico.health;

import dev.portico.balancer.UpstreamGroup;
import dev.portico.config.ConfSet;
import dev.portico.http.HttpConfig;
import dev.portico.http.Template;
import dev.portico.log.ErrorLog;
import dev.portico.log.ErrorLogModule;
import dev.portico.proxy.LocationPass;
import dev.portico.proxy.Peer;
import dev.portico.proxy.uwsgi.UwsgiParam;
import dev.portico.proxy.uwsgi.UwsgiRequestEncoder;
import dev.portico.proxy.uwsgi.UwsgiSettings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every health check of one configuration: one {@link PeerCheck} per (health_check, peer),
 * each a task on one of the server's event loops, running while the configuration is served.
 * A peer's verdict is the conjunction of the checks of every location that checks its group
 * ({@link PeerHealth}). With {@code mandatory}, peers are out from the moment the configuration
 * is built, so that it never serves them before their first check.
 */
public final class HealthChecks implements HttpConfig.LiveTask {

    /** One health_check resolved: its parameters, its match, its location's pass, and how it sends a check. */
    static final class Target {
        final HealthCheck check;
        final Match match;
        final LocationPass pass;
        private final ConfSet location;
        /** The uwsgi packet writer of a uwsgi_pass location; null for proxy_pass. */
        private final UwsgiRequestEncoder uwsgi;

        Target(HealthCheck check, Match match, LocationPass pass, ConfSet location) {
            this.check = check;
            this.match = match;
            this.pass = pass;
            this.location = location;
            this.uwsgi = pass.directive().equals("uwsgi_pass") ? new UwsgiRequestEncoder(new UwsgiSettings(
                    UWSGI_PARAMS.stream().map(n -> new UwsgiParam(n, Template.literal(""), false)).toList(), 0, 0,
                    true, pass.settings().bufferSize())) : null;
        }

        boolean uwsgi() {
            return uwsgi != null;
        }

        /** The location's error log, looked up when a line is written (a reload installs a new process log). */
        ErrorLog log() {
            return ErrorLogModule.forLocation(location);
        }

        /** The Host a check names: the location's constant proxy_set_header Host, else the group's name. */
        String host() {
            return pass.host() != null ? pass.host() : pass.group().name();
        }

        /**
         * One check's request: {@code GET uri HTTP/1.1} with Host and {@code Connection: close}
         * for proxy_pass; for uwsgi_pass the same request as a uwsgi packet (the CGI variables of
         * nginx's uwsgi_params for a GET without a body, and HTTP_HOST).
         */
        ByteBuf request(ByteBufAllocator alloc, Peer peer, int port) {
            String uri = check.uri();
            if (uwsgi == null) {
                String head = "GET " + uri + " HTTP/1.1\r\nHost: " + host() + "\r\nConnection: close\r\n\r\n";
                return io.netty.buffer.ByteBufUtil.writeUtf8(alloc, head);
            }
            int q = uri.indexOf('?');
            String serverPort = peer.isUnix() ? "" : Integer.toString(port > 0 ? port : peer.inet().getPort());
            String[] values = {q < 0 ? "" : uri.substring(q + 1), "GET", "", "", uri, q < 0 ? uri : uri.substring(0, q),
                "HTTP/1.1", "http", host(), serverPort};
            HttpHeaders headers = new DefaultHttpHeaders().add("Host", host());
            return uwsgi.encode(alloc, values, headers);
        }
    }

    /** The CGI variables of a uwsgi check, in this order (values in {@link Target#request}). */
    private static final List<String> UWSGI_PARAMS = List.of("QUERY_STRING", "REQUEST_METHOD", "CONTENT_TYPE",
            "CONTENT_LENGTH", "REQUEST_URI", "PATH_INFO", "SERVER_PROTOCOL", "REQUEST_SCHEME", "SERVER_NAME",
            "SERVER_PORT");

    private final List<PeerCheck> checks = new ArrayList<>();
    /** Each checked peer's verdict, by group and peer name (how a reload finds the same peer again). */
    private final Map<String, PeerHealth> health = new LinkedHashMap<>();
    private volatile boolean stopped;
    private boolean started;

    HealthChecks(List<Target> targets) {
        for (Target t : targets) {
            UpstreamGroup group = t.pass.group();
            List<UpstreamGroup.PeerState> peers = new ArrayList<>(group.primary());
            peers.addAll(group.backup());
            for (UpstreamGroup.PeerState p : peers) {
                if (p.isDown()) {
                    continue; // marked down: it gets no traffic, whatever a check would say
                }
                PeerHealth h = health.computeIfAbsent(key(group.name(), p.peer.name()), k -> new PeerHealth(p));
                checks.add(new PeerCheck(this, t, group, p, h));
            }
        }
    }

    private static String key(String group, String peer) {
        return group + "\n" + peer;
    }

    /** The checks, for tests. */
    List<PeerCheck> checks() {
        return checks;
    }

    boolean stopped() {
        return stopped;
    }

    /**
     * Starts every check on the next loop of {@code loops}. With {@code persistent}, a peer
     * that the replaced configuration's checks held healthy starts healthy.
     */
    @Override
    public synchronized void start(EventLoopGroup loops, HttpConfig.LiveTask replaced) {
        if (started || stopped) {
            return;
        }
        started = true;
        HealthChecks previous = replaced instanceof HealthChecks h ? h : null;
        for (PeerCheck c : checks) {
            boolean wasHealthy = false;
            if (previous != null && c.target.check.persistent()) {
                PeerHealth before = previous.health.get(key(c.group.name(), c.peer.peer.name()));
                wasHealthy = before != null && before.healthy();
            }
            c.start(loops.next(), wasHealthy);
        }
    }

    @Override
    public void stop() {
        stopped = true;
        for (PeerCheck c : checks) {
            c.cancel();
        }
    }

    /** How a check's verdict is written in the log: which check, which peer, which group. */
    static String describe(Target t, UpstreamGroup group, Peer peer) {
        String s = ", health check \"" + t.match.name() + "\" of peer " + peer.name() + " in upstream \""
                + group.name() + "\"";
        return t.check.port() > 0 ? s + ", port " + t.check.port() : s;
    }
}
