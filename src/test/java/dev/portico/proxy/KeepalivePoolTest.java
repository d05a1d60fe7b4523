package dev.portico.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pool on its own, over in-memory channels of one event loop: least
 * recently used out past {@code keepalive N}, connections found by peer (and
 * TLS settings), keepalive_requests, the idle watch, and retirement.
 */
class KeepalivePoolTest {

    static final Peer P = Peer.tcp(new InetSocketAddress("127.0.0.1", 1));
    static final Peer Q = Peer.tcp(new InetSocketAddress("127.0.0.1", 2));

    EventLoopGroup group;
    EventLoop loop;
    Channel server;
    /** The server's side of each connection, in accept order. */
    final List<Channel> accepted = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
        loop = group.next();
        LocalAddress address = new LocalAddress("keepalive-pool-" + System.nanoTime());
        server = new ServerBootstrap().group(group).channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accepted.add(ch);
                    }
                }).bind(address).sync().channel();
    }

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A connection as the engine leaves it: a protocol handler on it, one request counted. */
    Channel connection() throws Exception {
        Channel ch = new Bootstrap().group(loop).channel(LocalChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).connect(server.localAddress()).sync().channel();
        onLoop(() -> {
            KeepalivePool.countRequest(ch);
            return null;
        });
        return ch;
    }

    <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get();
    }

    static KeepalivePool pool(int connections, int requests) {
        return new KeepalivePool(new KeepalivePool.Settings(connections, 60_000, requests, 3_600_000));
    }

    void offer(KeepalivePool pool, Peer peer, Channel ch) throws Exception {
        onLoop(() -> {
            pool.offer(peer, ch);
            return null;
        });
    }

    Channel take(KeepalivePool pool, Peer peer) throws Exception {
        return onLoop(() -> pool.take(loop, peer));
    }

    @Test
    void pastKeepaliveNTheLeastRecentlyUsedCloses() throws Exception {
        KeepalivePool pool = pool(2, 100);
        Channel c1 = connection();
        Channel c2 = connection();
        Channel c3 = connection();
        offer(pool, P, c1);
        offer(pool, P, c2);
        offer(pool, P, c3);
        await().atMost(Duration.ofSeconds(5)).until(() -> !c1.isOpen());
        assertSame(c3, take(pool, P), "most recently kept first");
        assertSame(c2, take(pool, P));
        assertNull(take(pool, P));
        assertTrue(c2.isActive() && c3.isActive());
        // Taken, it keeps its handlers for the next request, and what the upstream sends reaches them.
        List<Object> read = new CopyOnWriteArrayList<>();
        onLoop(() -> c2.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                read.add(msg);
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        }));
        assertEquals(3, c2.pipeline().toMap().size(), c2.pipeline().names().toString());
        c2.read();
        accepted.get(1).writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'x'})).sync();
        await().atMost(Duration.ofSeconds(5)).until(() -> read.size() == 1);
        assertTrue(c2.isActive(), "a connection in use is not closed by what it reads");
    }

    @Test
    void aConnectionIsTakenForItsOwnPeerOnly() throws Exception {
        KeepalivePool pool = pool(4, 100);
        Channel toP = connection();
        Channel toQ = connection();
        offer(pool, P, toP);
        offer(pool, Q, toQ);
        assertSame(toQ, take(pool, Q));
        assertNull(take(pool, Q));
        assertSame(toP, take(pool, P));
    }

    @Test
    void aConnectionThatServedKeepaliveRequestsIsNotKept() throws Exception {
        KeepalivePool pool = pool(4, 2);
        Channel ch = connection();
        offer(pool, P, ch);
        assertSame(ch, take(pool, P));
        onLoop(() -> {
            KeepalivePool.countRequest(ch); // its second request
            return null;
        });
        offer(pool, P, ch);
        await().atMost(Duration.ofSeconds(5)).until(() -> !ch.isOpen());
        assertNull(take(pool, P));
    }

    @Test
    void anythingTheUpstreamSendsOrItsCloseEndsAnIdleConnection() throws Exception {
        KeepalivePool pool = pool(4, 100);
        Channel talking = connection();
        Channel closing = connection();
        offer(pool, P, talking);
        offer(pool, P, closing);
        accepted.get(0).writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'x'})).sync();
        accepted.get(1).close().sync();
        await().atMost(Duration.ofSeconds(5)).until(() -> !talking.isOpen() && !closing.isOpen());
        assertNull(take(pool, P));
    }

    @Test
    void aRetiredPoolClosesItsIdleConnectionsAndKeepsNoMore() throws Exception {
        KeepalivePool pool = pool(4, 100);
        Channel idle = connection();
        Channel later = connection();
        offer(pool, P, idle);
        pool.closeAll();
        await().atMost(Duration.ofSeconds(5)).until(() -> !idle.isOpen());
        offer(pool, P, later);
        assertFalse(later.isOpen());
        assertNull(take(pool, P));
    }

    @Test
    void aTlsConnectionKeepsItsTlsAndServesItsOwnSettingsOnly() throws Exception {
        KeepalivePool pool = pool(4, 100);
        Channel tls = connection();
        Object key = "settings A";
        SslHandler handler = SslContextBuilder.forClient().build().newHandler(tls.alloc());
        onLoop(() -> {
            tls.pipeline().addFirst("tls", handler);
            KeepalivePool.markTls(tls, key);
            return null;
        });
        offer(pool, P, tls);
        assertNull(take(pool, P), "not for a plain request");
        assertNull(onLoop(() -> pool.take(loop, P, "settings B")), "nor for other TLS settings");
        assertSame(tls, onLoop(() -> pool.take(loop, P, key)));
        assertSame(handler, tls.pipeline().get("tls"), "TLS stays while the connection is kept");
        assertTrue(tls.isActive());
    }
}
