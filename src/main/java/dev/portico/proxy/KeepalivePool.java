package dev.portico.proxy;

import dev.portico.http.ConnectionTimer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The idle connections of one upstream block (nginx's
 * ngx_http_upstream_keepalive_module). {@code keepalive N} keeps at most N
 * idle connections to the block's peers on each event loop (nginx: in each
 * worker process); past that the least recently used one closes. A request
 * takes connections of its client connection's own event loop only, so an
 * upstream connection never changes threads, and each loop's cache is touched
 * by that loop alone.
 *
 * <p>An idle connection keeps its protocol handlers, with an idle watch in
 * front of them that sees any byte the upstream sends; a decoder that still
 * holds undecoded bytes closes it instead. The next request of the same
 * protocol resets them; another protocol's replaces them. A TLS connection
 * keeps its TLS handler in front of the watch, and serves only
 * requests with the same TLS settings and name. It closes when the upstream closes it or sends anything,
 * after keepalive_timeout; it is not kept after keepalive_requests requests or
 * once older than keepalive_time.
 */
public final class KeepalivePool {

    /**
     * @param connections keepalive: idle connections kept per event loop
     * @param timeoutMillis keepalive_timeout: how long one stays idle
     * @param requests keepalive_requests: requests one connection serves at most
     * @param timeMillis keepalive_time: how long one connection is used at most
     */
    public record Settings(int connections, long timeoutMillis, int requests, long timeMillis) {
    }

    /** What one upstream connection has served, kept on its channel across requests. */
    private static final class Usage {
        final long createdNanos = System.nanoTime();
        int requests;
        /** keepalive_timeout while idle; one per connection, re-armed each time it is kept. */
        final ConnectionTimer idleTimer;

        Usage(Channel channel) {
            idleTimer = new ConnectionTimer(channel.eventLoop());
            channel.closeFuture().addListener(f -> idleTimer.cancel());
        }
    }

    private static final AttributeKey<Usage> USAGE = AttributeKey.valueOf(KeepalivePool.class, "usage");
    private static final AttributeKey<Object> TLS_KEY = AttributeKey.valueOf(KeepalivePool.class, "tls");
    private static final String IDLE = "keepalive-idle";

    private final Settings settings;
    private final Map<EventLoop, ArrayDeque<Idle>> loops = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public KeepalivePool(Settings settings) {
        this.settings = settings;
    }

    /** One more request goes over {@code channel} (nginx's c->requests++ at each connect, new or cached). */
    static void countRequest(Channel channel) {
        Usage usage = channel.attr(USAGE).get();
        if (usage == null) {
            usage = new Usage(channel);
            channel.attr(USAGE).set(usage);
        }
        usage.requests++;
    }

    /** A TLS connection made with {@code key} ({@link dev.portico.tls.UpstreamTls.Target#key()}). */
    static void markTls(Channel channel, Object key) {
        channel.attr(TLS_KEY).set(key);
    }

    /** A plain connection to {@code peer}, as {@link #take(EventLoop, Peer, Object)}. */
    Channel take(EventLoop loop, Peer peer) {
        return take(loop, peer, null);
    }

    /**
     * An idle connection to {@code peer} on {@code loop}, most recently kept
     * first, taken out of the cache with its idle watch removed; or null. A
     * TLS connection serves only requests whose {@code tlsKey} it was made
     * with (null: a plain connection).
     */
    Channel take(EventLoop loop, Peer peer, Object tlsKey) {
        ArrayDeque<Idle> cache = loops.get(loop);
        if (cache == null) {
            return null;
        }
        for (Iterator<Idle> it = cache.iterator(); it.hasNext(); ) {
            Idle idle = it.next();
            if (!idle.peer.equals(peer) || !Objects.equals(idle.tlsKey, tlsKey)) {
                continue;
            }
            it.remove();
            idle.stopWatching();
            if (idle.channel.isActive()) {
                return idle.channel;
            }
            idle.channel.close();
        }
        return null;
    }

    /**
     * Keeps {@code channel}, whose request is complete, as an idle connection
     * to {@code peer}, or closes it when it is not to be kept: the pool was
     * retired, the connection served keepalive_requests or outlived
     * keepalive_time, or its decoder still held unread bytes.
     */
    void offer(Peer peer, Channel channel) {
        Usage usage = channel.attr(USAGE).get();
        if (closed || !channel.isActive() || usage == null || usage.requests >= settings.requests()
                || (System.nanoTime() - usage.createdNanos) / 1_000_000 > settings.timeMillis()) {
            channel.close();
            return;
        }
        ArrayDeque<Idle> cache = loops.computeIfAbsent(channel.eventLoop(), l -> new ArrayDeque<>());
        if (cache.size() >= settings.connections()) {
            Idle oldest = cache.pollLast();
            oldest.stopWatching();
            oldest.channel.close();
        }
        ChannelPipeline pipeline = channel.pipeline();
        for (Map.Entry<String, ChannelHandler> h : pipeline) {
            if (h.getValue() instanceof UpstreamResponseDecoder decoder && decoder.holdsBytes()) {
                channel.close(); // bytes past the response: not a connection to use again
                return;
            }
        }
        Idle idle = new Idle(peer, channel, cache, channel.attr(TLS_KEY).get(), usage.idleTimer);
        cache.addFirst(idle);
        // In front of the protocol's handlers, which stay for the next request; behind TLS,
        // whose session goes on.
        ChannelHandlerContext tls = pipeline.context(SslHandler.class);
        if (tls != null) {
            pipeline.addAfter(tls.name(), IDLE, idle);
        } else {
            pipeline.addFirst(IDLE, idle);
        }
        if (channel.isOpen()) {
            idle.timer.arm(settings.timeoutMillis(), idle::expire);
            channel.read();
        }
    }

    /**
     * Removes the handlers of a kept connection but its TLS, last first: a decoder hands what it
     * still holds to the next handler as it goes.
     */
    static void removeHandlers(ChannelPipeline pipeline) {
        List<ChannelHandler> handlers = new ArrayList<>(pipeline.toMap().values());
        for (int i = handlers.size() - 1; i >= 0; i--) {
            ChannelHandler h = handlers.get(i);
            if (!(h instanceof SslHandler) && pipeline.context(h) != null) {
                pipeline.remove(h);
            }
        }
    }

    /** Closes every idle connection and keeps no more: the configuration that owns the pool retired. */
    public void closeAll() {
        closed = true;
        loops.forEach((loop, cache) -> {
            if (loop.isShuttingDown()) {
                return; // the loop closes its channels itself
            }
            loop.execute(() -> {
                for (Idle idle; (idle = cache.pollFirst()) != null; ) {
                    idle.stopWatching();
                    idle.channel.close();
                }
            });
        });
    }

    /** Watches one idle connection: anything the upstream sends, or its close, ends it. */
    private static final class Idle extends ChannelInboundHandlerAdapter {
        final Peer peer;
        final Channel channel;
        final ArrayDeque<Idle> cache;
        /** The TLS settings the connection was made with, or null for a plain one. */
        final Object tlsKey;
        final ConnectionTimer timer;

        Idle(Peer peer, Channel channel, ArrayDeque<Idle> cache, Object tlsKey, ConnectionTimer timer) {
            this.peer = peer;
            this.channel = channel;
            this.cache = cache;
            this.tlsKey = tlsKey;
            this.timer = timer;
        }

        void stopWatching() {
            timer.disarm();
            if (channel.pipeline().context(this) != null) {
                channel.pipeline().remove(this);
            }
        }

        /** keepalive_timeout passed. */
        void expire() {
            cache.remove(this);
            channel.close();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            end();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            end();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            end();
        }

        private void end() {
            timer.disarm();
            cache.remove(this);
            channel.close();
        }
    }
}
