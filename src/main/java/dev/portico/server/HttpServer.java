package dev.portico.server;

import dev.portico.http.ConnectionCounters;
import dev.portico.http.HttpConfig;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.HttpServerConf;
import dev.portico.http.ListenSocket;
import dev.portico.http.ListenSpec;
import dev.portico.log.ErrorLog;
import dev.portico.log.LogLevel;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The listening sockets and the event loops behind them. A reload binds what
 * is new, swaps the configuration in one write, then closes what is gone;
 * connections already open finish their requests on the configuration they
 * started with.
 */
public final class HttpServer {

    private final Transport transport;
    private final EventLoopGroup group;
    private final int maxConnections;
    private final Map<String, Channel> listeners = new LinkedHashMap<>();
    private final Map<Channel, ServerConnection> connections = new ConcurrentHashMap<>();
    private final AtomicInteger connectionCount = new AtomicInteger();
    private final ConnectionCounters counters = new ConnectionCounters();
    private volatile HttpConfig http;
    private volatile Map<String, ListenSocket> sockets = Map.of();
    private volatile boolean accepting = true;

    public HttpServer(int threads, int workerConnections) {
        this(threads, workerConnections, null);
    }

    /** {@code eventMethod}: the events block's `use`, or null (see {@link Transport#choose}). */
    public HttpServer(int threads, int workerConnections, String eventMethod) {
        this.transport = Transport.choose(eventMethod);
        this.group = transport.newGroup(threads, "portico-worker");
        this.maxConnections = workerConnections * threads;
    }

    public String transportName() {
        return transport.name();
    }

    static String key(ListenSocket socket) {
        SocketAddress a = socket.address();
        if (a instanceof DomainSocketAddress unix) {
            return "unix:" + unix.path();
        }
        InetSocketAddress inet = (InetSocketAddress) a;
        String host = inet.getAddress().getHostAddress();
        if (inet.getAddress() instanceof java.net.Inet6Address) {
            host = "[" + dev.portico.http.HttpConnection.compressIpv6(host) + "]";
        }
        return host + ":" + inet.getPort();
    }

    /** IPV6_V6ONLY (IPPROTO_IPV6 = 41, option 26 on Linux), which the JDK does not name. */
    private static final io.netty.channel.unix.IntegerUnixChannelOption IPV6_V6ONLY =
            new io.netty.channel.unix.IntegerUnixChannelOption("IPV6_V6ONLY", 41, 26);

    /** Binds every socket of {@code config}; on failure nothing stays bound. */
    public synchronized void start(HttpConfig config) throws IOException {
        Map<String, ListenSocket> next = index(config);
        List<String> bound = new ArrayList<>();
        try {
            for (Map.Entry<String, ListenSocket> e : next.entrySet()) {
                bind(e.getKey(), e.getValue());
                bound.add(e.getKey());
            }
        } catch (IOException e) {
            for (String key : bound) {
                closeListener(key);
            }
            throw e;
        }
        this.sockets = next;
        this.http = config;
        startLiveTasks(config, null);
    }

    /** Applies a new configuration: binds new sockets first, so a failure leaves the old one serving. */
    public synchronized void reload(HttpConfig config) throws IOException {
        Map<String, ListenSocket> next = index(config);
        List<String> added = new ArrayList<>();
        try {
            for (Map.Entry<String, ListenSocket> e : next.entrySet()) {
                if (!listeners.containsKey(e.getKey())) {
                    bind(e.getKey(), e.getValue());
                    added.add(e.getKey());
                }
            }
        } catch (IOException e) {
            for (String key : added) {
                closeListener(key);
            }
            throw e;
        }
        // The new configuration's checks start before it serves: a mandatory peer is never
        // picked before its first check, a persistent one keeps the old verdict.
        HttpConfig old = this.http;
        stopLiveTasks(old);
        startLiveTasks(config, old);
        this.sockets = next;
        this.http = config;
        for (String key : new ArrayList<>(listeners.keySet())) {
            if (!next.containsKey(key)) {
                closeListener(key);
            }
        }
        for (Map.Entry<Channel, ServerConnection> e : connections.entrySet()) {
            e.getKey().eventLoop().execute(e.getValue()::reloaded);
        }
    }

    /** Starts what {@code config} runs while served; each gets the task of its class in {@code replaced}. */
    private void startLiveTasks(HttpConfig config, HttpConfig replaced) {
        if (config == null) {
            return;
        }
        for (HttpConfig.LiveTask task : config.liveTasks()) {
            HttpConfig.LiveTask previous = null;
            if (replaced != null) {
                for (HttpConfig.LiveTask r : replaced.liveTasks()) {
                    if (r.getClass() == task.getClass()) {
                        previous = r;
                    }
                }
            }
            task.start(group, previous);
        }
    }

    private static void stopLiveTasks(HttpConfig config) {
        if (config != null) {
            for (HttpConfig.LiveTask task : config.liveTasks()) {
                task.stop();
            }
        }
    }

    private static Map<String, ListenSocket> index(HttpConfig config) {
        Map<String, ListenSocket> map = new LinkedHashMap<>();
        if (config != null) {
            for (ListenSocket s : config.sockets()) {
                map.put(key(s), s);
            }
        }
        return map;
    }

    private void bind(String key, ListenSocket socket) throws IOException {
        ListenSpec spec = socket.spec();
        SocketAddress address = socket.address();
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channelFactory(transport.serverChannelFactory(address))
                .option(ChannelOption.SO_BACKLOG, spec.backlog())
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        initConnection(ch, key);
                    }
                });
        boolean unix = address instanceof DomainSocketAddress;
        if (!unix) {
            b.option(ChannelOption.SO_REUSEADDR, true);
            b.childOption(ChannelOption.TCP_NODELAY, true);
            if (((InetSocketAddress) address).getAddress() instanceof java.net.Inet6Address && transport.isNative()) {
                // nginx's ipv6only=on default: [::]:80 takes only IPv6, so that *:80 can be bound beside it.
                b.option(IPV6_V6ONLY, spec.ipv6Only() == null || spec.ipv6Only() ? 1 : 0);
            }
            if (spec.reusePort() && transport.isNative()) {
                b.option(io.netty.channel.unix.UnixChannelOption.SO_REUSEPORT, true);
            }
            if (spec.receiveBuffer() > 0) {
                b.option(ChannelOption.SO_RCVBUF, spec.receiveBuffer());
            }
            if (spec.sendBuffer() > 0) {
                b.childOption(ChannelOption.SO_SNDBUF, spec.sendBuffer());
            }
        }
        ChannelFuture f = b.bind(transport.bindAddress(address)).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw new IOException("bind() to " + (unix ? key : key) + " failed (" + bindError(f.cause()) + ")",
                    f.cause());
        }
        if (unix) {
            Path path = Path.of(((DomainSocketAddress) address).path());
            try {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
            } catch (IOException e) {
                ErrorLog.current().log(LogLevel.WARN, "chmod() \"" + path + "\" failed (" + e.getMessage() + ")");
            }
        }
        listeners.put(key, f.channel());
    }

    private static String bindError(Throwable cause) {
        String m = String.valueOf(cause.getMessage());
        if (m.contains("Address already in use")) {
            return "98: Address already in use";
        }
        if (m.contains("Permission denied")) {
            return "13: Permission denied";
        }
        if (m.contains("Cannot assign requested address")) {
            return "99: Cannot assign requested address";
        }
        return m;
    }

    private void closeListener(String key) {
        Channel ch = listeners.remove(key);
        if (ch != null) {
            ch.close().awaitUninterruptibly();
            if (key.startsWith("unix:")) {
                try {
                    Files.deleteIfExists(Path.of(key.substring(5)));
                } catch (IOException ignored) {
                    // A stale socket file is removed at the next start by nobody; report nothing more.
                }
            }
        }
    }

    private void initConnection(Channel ch, String key) {
        counters.accepted();
        if (connectionCount.incrementAndGet() > maxConnections) {
            connectionCount.decrementAndGet();
            ErrorLog.current().log(LogLevel.ALERT, maxConnections / Math.max(1, 1)
                    + " worker_connections are not enough");
            ch.close();
            return;
        }
        ListenSocket socket = sockets.get(key);
        if (socket != null && socket.tls() != null) {
            socket.tls().accept(ch); // TLS in front of HTTP (dev.portico.tls)
        }
        if (socket != null && dev.portico.http2.Http2Module.enabled(socket)) {
            // A client may start with HTTP/2's preface (h2c with prior knowledge, or h2 without ALPN).
            ch.pipeline().addLast("h2-preface", new dev.portico.http2.PrefaceDetector());
        }
        HttpConnectionHandler handler = new HttpConnectionHandler(this, key);
        ch.pipeline().addLast("http", handler);
        if (socket == null || socket.tls() == null) {
            handler.attachCodec();
        }
        // Behind TLS the codec comes with the first bytes of HTTP, after the handshake: by then SNI
        // has chosen the server whose header limits it takes (HttpConnectionHandler.attachCodec).
    }

    /** stub_status's counters of this server's connections. */
    ConnectionCounters counters() {
        return counters;
    }

    ListenSocket socket(String key) {
        return sockets.get(key);
    }

    HttpConfig currentHttp() {
        return http;
    }

    boolean accepting() {
        return accepting;
    }

    /** Registers the connection, or the protocol that took it over (HTTP/2 after HTTP/1's first bytes). */
    void connectionOpened(Channel ch, ServerConnection connection) {
        connections.put(ch, connection);
    }

    void connectionClosed(Channel ch) {
        if (connections.remove(ch) != null) {
            connectionCount.decrementAndGet();
        }
    }

    public int openConnections() {
        return connections.size();
    }

    /**
     * nginx's graceful shutdown (QUIT): stop accepting, close idle connections,
     * let requests in flight finish, up to {@code maxWaitMillis}.
     */
    public void shutdownGracefully(long maxWaitMillis) {
        accepting = false;
        synchronized (this) {
            stopLiveTasks(http);
            for (String key : new ArrayList<>(listeners.keySet())) {
                closeListener(key);
            }
        }
        for (Map.Entry<Channel, ServerConnection> e : connections.entrySet()) {
            e.getKey().eventLoop().execute(e.getValue()::closeIfIdle);
        }
        // Elapsed time against the limit: a deadline of now + "no limit" would overflow.
        long start = System.nanoTime();
        long maxWait = TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
        while (!connections.isEmpty() && System.nanoTime() - start < maxWait) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        stopNow();
    }

    /** nginx's fast shutdown (TERM/INT): close everything now. */
    public void stopNow() {
        accepting = false;
        synchronized (this) {
            stopLiveTasks(http);
            for (String key : new ArrayList<>(listeners.keySet())) {
                closeListener(key);
            }
        }
        for (Channel ch : connections.keySet()) {
            ch.close();
        }
        group.shutdownGracefully(0, 200, TimeUnit.MILLISECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
