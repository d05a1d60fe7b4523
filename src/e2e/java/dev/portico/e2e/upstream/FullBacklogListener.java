package dev.portico.e2e.upstream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback port where a connect neither succeeds nor fails: a listening socket with a backlog
 * of 1 that never accepts, its accept queue filled by connections held here, so that Linux drops
 * every further SYN and the connecting side waits until its own timeout. The loopback stand-in
 * for an unreachable host.
 */
public final class FullBacklogListener implements AutoCloseable {

    private static final int PROBE_TIMEOUT_MILLIS = 300;

    private final ServerSocket listener;
    private final List<Socket> held = new ArrayList<>();

    private FullBacklogListener() throws IOException {
        listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());
        // Connect until one attempt hangs: the queue is then full.
        while (true) {
            Socket s = new Socket();
            try {
                s.connect(address, PROBE_TIMEOUT_MILLIS);
                held.add(s);
            } catch (SocketTimeoutException full) {
                s.close();
                return;
            }
            if (held.size() > 64) {
                close();
                throw new IllegalStateException("the accept queue of port " + address.getPort() + " never filled");
            }
        }
    }

    public static FullBacklogListener start() {
        try {
            return new FullBacklogListener();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return listener.getLocalPort();
    }

    @Override
    public void close() {
        try {
            for (Socket s : held) {
                s.close();
            }
            listener.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
