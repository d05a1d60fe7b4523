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
 * <p>An idle connection keeps its protocol handlers, with a watch in front
 * of them (there from the first time it is kept, acting only while it is
 * idle) that sees any byte the upstream sends; a decoder that still
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

    private static final AttributeKey<Kept> USAGE = AttributeKey.valueOf(KeepalivePool.class, "usage");
    private static final AttributeKey<Object> TLS_KEY = AttributeKey.valueOf(KeepalivePool.class, "tls");
    private static final String IDLE = "keepalive-idle";

    private final Settings settings;
    private final Map<EventLoop, ArrayDeque<Kept>> loops = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public KeepalivePool(Settings settings) {
        this.settings = settings;
    }

    /** One more request goes over {@code channel} (nginx's c->requests++ at each connect, new or cached). */
    static void countRequest(Channel channel) {
        Kept usage = channel.attr(USAGE).get();
        if (usage == null) {
            usage = new Kept(channel);
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
     * first, taken out of the cache with its idle watch stopped; or null. A
     * TLS connection serves only requests whose {@code tlsKey} it was made
     * with (null: a plain connection).
     */
    Channel take(EventLoop loop, Peer peer, Object tlsKey) {
        ArrayDeque<Kept> cache = loops.get(loop);
        if (cache == null) {
            return null;
        }
        for (Iterator<Kept> it = cache.iterator(); it.hasNext(); ) {
            Kept idle = it.next();
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
        Kept usage = channel.attr(USAGE).get();
        UpstreamResponseDecoder decoder = channel.pipeline().get(UpstreamResponseDecoder.class);
        if (closed || !channel.isActive() || usage == null || usage.requests >= settings.requests()
                || (System.nanoTime() - usage.createdNanos) / 1_000_000 > settings.timeMillis()
                || (decoder != null && decoder.holdsBytes())) { // bytes past the response: not to be used again
            channel.close();
            return;
        }
        ArrayDeque<Kept> cache = loops.computeIfAbsent(channel.eventLoop(), l -> new ArrayDeque<>());
        if (cache.size() >= settings.connections()) {
            Kept oldest = cache.pollLast();
            oldest.stopWatching();
            oldest.channel.close();
        }
        if (!usage.inPipeline) {
            // In front of the protocol's handlers, which stay for the next request; behind TLS,
            // whose session goes on. It stays too, and watches only while the connection is idle.
            ChannelPipeline pipeline = channel.pipeline();
            ChannelHandlerContext tls = pipeline.context(SslHandler.class);
            if (tls != null) {
                pipeline.addAfter(tls.name(), IDLE, usage);
            } else {
                pipeline.addFirst(IDLE, usage);
            }
            usage.inPipeline = true;
        }
        usage.watch(peer, cache, channel.attr(TLS_KEY).get());
        cache.addFirst(usage);
        if (channel.isOpen()) {
            usage.timer.arm(settings.timeoutMillis(), usage::expire);
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
            if (!(h instanceof SslHandler) && !(h instanceof Kept) && pipeline.context(h) != null) {
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
                for (Kept idle; (idle = cache.pollFirst()) != null; ) {
                    idle.stopWatching();
                    idle.channel.close();
                }
            });
        });
    }

    /**
     * One upstream connection across its requests: what it has served, and, while it is idle in a
     * cache, the watch that ends it when the upstream sends anything or closes it. In its pipeline
     * from the first time it is kept, passing everything on while it is in use.
     */
    private static final class Kept extends ChannelInboundHandlerAdapter {
        final Channel channel;
        final long createdNanos = System.nanoTime();
        int requests;
        boolean inPipeline;
        /** keepalive_timeout while idle, re-armed each time it is kept. */
        final ConnectionTimer timer;
        /** While idle: its peer, its cache, the TLS settings it was made with (null: plain). */
        boolean idle;
        Peer peer;
        ArrayDeque<Kept> cache;
        Object tlsKey;

        Kept(Channel channel) {
            this.channel = channel;
            this.timer = new ConnectionTimer(channel.eventLoop());
            channel.closeFuture().addListener(f -> timer.cancel());
        }

        void watch(Peer peer, ArrayDeque<Kept> cache, Object tlsKey) {
            this.peer = peer;
            this.cache = cache;
            this.tlsKey = tlsKey;
            this.idle = true;
        }

        void stopWatching() {
            idle = false;
            timer.disarm();
        }

        /** keepalive_timeout passed. */
        void expire() {
            idle = false;
            cache.remove(this);
            channel.close();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!idle) {
                ctx.fireChannelRead(msg);
                return;
            }
            ReferenceCountUtil.release(msg);
            end();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!idle) {
                ctx.fireChannelInactive();
                return;
            }
            end();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!idle) {
                ctx.fireExceptionCaught(cause);
                return;
            }
            end();
        }

        private void end() {
            stopWatching();
            cache.remove(this);
            channel.close();
        }
    }
}
