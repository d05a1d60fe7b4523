package dev.portico.server;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerDomainSocketChannel;
import io.netty.channel.uring.IoUringServerSocketChannel;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;

/**
 * The I/O transport: native epoll where it loads, the JDK's NIO otherwise; io_uring when the
 * events block says {@code use io_uring;}. Under io_uring an IPv4 listen is a dual-stack IPv6
 * socket (Netty opens no other kind there): "listen 80" then takes [::]:80 as well.
 */
public final class Transport {

    enum Kind {
        EPOLL("epoll"), IO_URING("io_uring"), NIO("nio");

        final String text;

        Kind(String text) {
            this.text = text;
        }
    }

    private final Kind kind;

    private Transport(Kind kind) {
        this.kind = kind;
    }

    /**
     * The transport for the events block's {@code use}: "io_uring" asks for io_uring, which does
     * the same socket work with fewer system calls (submissions and completions batched per loop
     * turn); anything else, or nothing, gets epoll, as nginx on Linux ("poll" and "select" too: the
     * JDK's NIO would be epoll underneath). Where the native library does not load: NIO, and
     * io_uring falls back to epoll with a warning. {@code -Dportico.nio=true} forces NIO.
     */
    static Transport choose(String method) {
        if (Boolean.getBoolean("portico.nio")) {
            return new Transport(Kind.NIO);
        }
        boolean epoll = Epoll.isAvailable();
        if ("io_uring".equals(method)) {
            if (IoUring.isAvailable()) {
                return new Transport(Kind.IO_URING);
            }
            dev.portico.log.ErrorLog.current().log(dev.portico.log.LogLevel.WARN, "io_uring is not available ("
                    + IoUring.unavailabilityCause() + "), using " + (epoll ? "epoll" : "nio"));
        }
        return new Transport(epoll ? Kind.EPOLL : Kind.NIO);
    }

    /** A native transport (epoll or io_uring): unix-socket addresses are Netty's, socket options Linux's. */
    boolean isNative() {
        return kind != Kind.NIO;
    }

    boolean isEpoll() {
        return kind == Kind.EPOLL;
    }

    String name() {
        return kind.text;
    }

    EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory factory = switch (kind) {
            case EPOLL -> EpollIoHandler.newFactory();
            case IO_URING -> IoUringIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
        return new MultiThreadIoEventLoopGroup(threads, new io.netty.util.concurrent.DefaultThreadFactory(name, true),
                factory);
    }

    Class<? extends ServerChannel> serverChannel(SocketAddress address) {
        boolean unix = address instanceof DomainSocketAddress;
        return switch (kind) {
            case EPOLL -> unix ? EpollServerDomainSocketChannel.class : EpollServerSocketChannel.class;
            case IO_URING -> unix ? IoUringServerDomainSocketChannel.class : IoUringServerSocketChannel.class;
            case NIO -> unix ? NioServerDomainSocketChannel.class : NioServerSocketChannel.class;
        };
    }

    /**
     * A factory of listening channels for {@code address}. An IPv4 address gets an
     * IPv4 socket: Netty's default socket is dual-stack IPv6, on which 0.0.0.0:80
     * would also take [::]:80 and clash with a separate `listen [::]:80`, as nginx
     * configurations commonly have both.
     */
    io.netty.channel.ChannelFactory<? extends ServerChannel> serverChannelFactory(SocketAddress address) {
        if (address instanceof java.net.InetSocketAddress inet && inet.getAddress() instanceof java.net.Inet4Address) {
            if (kind == Kind.EPOLL) {
                return () -> new EpollServerSocketChannel(io.netty.channel.socket.SocketProtocolFamily.INET);
            }
        }
        Class<? extends ServerChannel> type = serverChannel(address);
        return new io.netty.channel.ReflectiveChannelFactory<>(type);
    }

    /**
     * The class of an outgoing connection (to an upstream) that runs on the event loop of
     * {@code sibling}, a client connection: a loop of a native transport takes that
     * transport's channels only, a NIO loop NIO channels. {@code unix} asks for a unix-domain socket.
     */
    public static Class<? extends io.netty.channel.Channel> outgoingChannel(io.netty.channel.Channel sibling,
                                                                            boolean unix) {
        return outgoingChannel(kindOf(sibling.eventLoop()), unix);
    }

    /**
     * The class of an outgoing connection that runs on {@code loop}, one of the server's event
     * loops, for work that has no client connection (active health checks).
     */
    public static Class<? extends io.netty.channel.Channel> outgoingChannel(io.netty.channel.EventLoop loop,
                                                                            boolean unix) {
        return outgoingChannel(kindOf(loop), unix);
    }

    private static Kind kindOf(io.netty.channel.EventLoop loop) {
        if (loop instanceof io.netty.channel.IoEventLoop io) {
            if (io.isIoType(EpollIoHandler.class)) {
                return Kind.EPOLL;
            }
            if (io.isIoType(IoUringIoHandler.class)) {
                return Kind.IO_URING;
            }
        }
        return Kind.NIO;
    }

    private static Class<? extends io.netty.channel.Channel> outgoingChannel(Kind kind, boolean unix) {
        return switch (kind) {
            case EPOLL -> unix ? io.netty.channel.epoll.EpollDomainSocketChannel.class
                    : io.netty.channel.epoll.EpollSocketChannel.class;
            case IO_URING -> unix ? io.netty.channel.uring.IoUringDomainSocketChannel.class
                    : io.netty.channel.uring.IoUringSocketChannel.class;
            case NIO -> unix ? io.netty.channel.socket.nio.NioDomainSocketChannel.class
                    : io.netty.channel.socket.nio.NioSocketChannel.class;
        };
    }

    /** A unix-socket path in the address form that {@link #outgoingChannel} connects to. */
    public static SocketAddress unixAddress(io.netty.channel.Channel sibling, String path) {
        return unixAddress(sibling.eventLoop(), path);
    }

    /** A unix-socket path in the address form that {@link #outgoingChannel(io.netty.channel.EventLoop, boolean)} connects to. */
    public static SocketAddress unixAddress(io.netty.channel.EventLoop loop, String path) {
        return kindOf(loop) != Kind.NIO ? new DomainSocketAddress(path) : UnixDomainSocketAddress.of(path);
    }

    /** The address in the form the chosen channel class binds. */
    SocketAddress bindAddress(SocketAddress address) {
        if (kind == Kind.NIO && address instanceof DomainSocketAddress unix) {
            return UnixDomainSocketAddress.of(unix.path());
        }
        return address;
    }
}
