package dev.portico.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.uring.IoUring;
import org.junit.jupiter.api.Test;

/** Which transport the events block's `use` gets on this machine, where epoll and io_uring both load. */
class TransportTest {

    @Test
    void epollUnlessIoUringIsAskedFor() {
        assertThat(IoUring.isAvailable()).as("io_uring on this kernel: %s", IoUring.unavailabilityCause()).isTrue();
        assertThat(Transport.choose(null).name()).isEqualTo("epoll");
        assertThat(Transport.choose("epoll").name()).isEqualTo("epoll");
        assertThat(Transport.choose("poll").name()).isEqualTo("epoll");
        assertThat(Transport.choose("select").name()).isEqualTo("epoll");
        assertThat(Transport.choose("io_uring").name()).isEqualTo("io_uring");
    }

    @Test
    void outgoingConnectionsUseTheTransportOfTheirLoop() throws Exception {
        for (String method : new String[] {"epoll", "io_uring"}) {
            Transport transport = Transport.choose(method);
            io.netty.channel.EventLoopGroup group = transport.newGroup(1, "transport-test");
            try {
                io.netty.channel.EventLoop loop = group.next();
                String expected = method.equals("epoll") ? "Epoll" : "IoUring";
                assertThat(Transport.outgoingChannel(loop, false).getSimpleName()).isEqualTo(expected + "SocketChannel");
                assertThat(Transport.outgoingChannel(loop, true).getSimpleName())
                        .isEqualTo(expected + "DomainSocketChannel");
                assertThat(Transport.unixAddress(loop, "/run/app.sock"))
                        .isInstanceOf(io.netty.channel.unix.DomainSocketAddress.class);
            } finally {
                group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).sync();
            }
        }
    }
}
