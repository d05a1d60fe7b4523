package dev.portico.e2e.upstream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in upstream on a loopback port for answers no real server sends: it reads each
 * connection's request head, writes {@code response} byte for byte and closes. What it received
 * is kept in {@link #requestHeads()}.
 */
public final class RawUpstream implements AutoCloseable {

    private final ServerSocket listener;
    private final byte[] response;
    private final List<String> requestHeads = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private RawUpstream(byte[] response) throws IOException {
        this.listener = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        this.response = response;
        this.acceptor = new Thread(this::serve, "raw-upstream-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts answering every connection with {@code response} (ISO-8859-1 text). */
    public static RawUpstream answering(String response) {
        try {
            return new RawUpstream(response.getBytes(StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** The request heads received so far, in order. */
    public List<String> requestHeads() {
        return List.copyOf(requestHeads);
    }

    private void serve() {
        while (!listener.isClosed()) {
            try (Socket s = listener.accept()) {
                s.setSoTimeout(10_000);
                requestHeads.add(readHead(s.getInputStream()));
                s.getOutputStream().write(response);
                s.getOutputStream().flush();
            } catch (IOException e) {
                // closed by close(), or a proxy that went away: next connection
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while (matched < 4 && (b = in.read()) >= 0) {
            head.write(b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            listener.close();
            acceptor.join(5_000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
