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
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;

/** The I/O transport: native epoll where it loads, the JDK's NIO otherwise. */
public final class Transport {

    private final boolean epoll;

    private Transport(boolean epoll) {
        this.epoll = epoll;
    }

    static Transport detect() {
        return new Transport(Epoll.isAvailable() && !Boolean.getBoolean("portico.nio"));
    }

    boolean isEpoll() {
        return epoll;
    }

    String name() {
        return epoll ? "epoll" : "nio";
    }

    EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new io.netty.util.concurrent.DefaultThreadFactory(name, true),
                factory);
    }

    Class<? extends ServerChannel> serverChannel(SocketAddress address) {
        boolean unix = address instanceof DomainSocketAddress;
        if (epoll) {
            return unix ? EpollServerDomainSocketChannel.class : EpollServerSocketChannel.class;
        }
        return unix ? NioServerDomainSocketChannel.class : NioServerSocketChannel.class;
    }

    /**
     * A factory of listening channels for {@code address}. An IPv4 address gets an
     * IPv4 socket: Netty's default socket is dual-stack IPv6, on which 0.0.0.0:80
     * would also take [::]:80 and clash with a separate `listen [::]:80`, as nginx
     * configurations commonly have both.
     */
    io.netty.channel.ChannelFactory<? extends ServerChannel> serverChannelFactory(SocketAddress address) {
        if (epoll && address instanceof java.net.InetSocketAddress inet
                && inet.getAddress() instanceof java.net.Inet4Address) {
            return () -> new EpollServerSocketChannel(io.netty.channel.socket.SocketProtocolFamily.INET);
        }
        Class<? extends ServerChannel> type = serverChannel(address);
        return new io.netty.channel.ReflectiveChannelFactory<>(type);
    }

    /**
     * The class of an outgoing connection (to an upstream) that runs on the event loop of
     * {@code sibling}, a client connection: a loop of the epoll transport takes epoll channels
     * only, a NIO loop NIO channels. {@code unix} asks for a unix-domain socket.
     */
    public static Class<? extends io.netty.channel.Channel> outgoingChannel(io.netty.channel.Channel sibling,
                                                                            boolean unix) {
        return outgoingChannel(sibling instanceof io.netty.channel.unix.UnixChannel, unix);
    }

    /**
     * The class of an outgoing connection that runs on {@code loop}, one of the server's event
     * loops, for work that has no client connection (active health checks).
     */
    public static Class<? extends io.netty.channel.Channel> outgoingChannel(io.netty.channel.EventLoop loop,
                                                                            boolean unix) {
        return outgoingChannel(isEpoll(loop), unix);
    }

    private static boolean isEpoll(io.netty.channel.EventLoop loop) {
        return loop instanceof io.netty.channel.IoEventLoop io && io.isIoType(EpollIoHandler.class);
    }

    private static Class<? extends io.netty.channel.Channel> outgoingChannel(boolean epollLoop, boolean unix) {
        if (epollLoop) {
            return unix ? io.netty.channel.epoll.EpollDomainSocketChannel.class
                    : io.netty.channel.epoll.EpollSocketChannel.class;
        }
        return unix ? io.netty.channel.socket.nio.NioDomainSocketChannel.class
                : io.netty.channel.socket.nio.NioSocketChannel.class;
    }

    /** A unix-socket path in the address form that {@link #outgoingChannel} connects to. */
    public static SocketAddress unixAddress(io.netty.channel.Channel sibling, String path) {
        return sibling instanceof io.netty.channel.unix.UnixChannel ? new DomainSocketAddress(path)
                : UnixDomainSocketAddress.of(path);
    }

    /** A unix-socket path in the address form that {@link #outgoingChannel(io.netty.channel.EventLoop, boolean)} connects to. */
    public static SocketAddress unixAddress(io.netty.channel.EventLoop loop, String path) {
        return isEpoll(loop) ? new DomainSocketAddress(path) : UnixDomainSocketAddress.of(path);
    }

    /** The address in the form the chosen channel class binds. */
    SocketAddress bindAddress(SocketAddress address) {
        if (!epoll && address instanceof DomainSocketAddress unix) {
            return UnixDomainSocketAddress.of(unix.path());
        }
        return address;
    }
}
