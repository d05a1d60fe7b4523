package dev.portico.proxy.uwsgi;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A uwsgi-protocol server on a loopback port for the module's in-JVM tests: it reads each
 * request packet strictly ({@link UwsgiPacket}) and CONTENT_LENGTH bytes of body after it,
 * records them, writes what the script answers, and then keeps the connection open, reading
 * it until the other side closes (a request on a kept connection would be recorded too).
 */
final class UwsgiStandIn implements AutoCloseable {

    /** One request as received: its connection (1, 2, ... in accept order), packet and body. */
    record Received(int connection, UwsgiPacket packet, byte[] body) {
        String value(String name) {
            return packet.value(name);
        }
    }

    private final ServerSocket listener;
    private final Function<Received, String> script;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger closedByPeer = new AtomicInteger();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    /** @param script the answer to a request (ISO-8859-1 text, an HTTP status line and head) */
    UwsgiStandIn(Function<Received, String> script) throws IOException {
        this.listener = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        this.script = script;
        Thread acceptor = new Thread(this::accept, "uwsgi-stand-in-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Answers 200 with "ok" and a Content-Length, as an HTTP/1.1 server that would keep the connection. */
    static UwsgiStandIn answeringOk() throws IOException {
        return new UwsgiStandIn(r -> "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok");
    }

    int port() {
        return listener.getLocalPort();
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    Received last() {
        return received.get(received.size() - 1);
    }

    int connections() {
        return connections.get();
    }

    /** Connections whose other side (the proxy) closed them. */
    int closedByPeer() {
        return closedByPeer.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket s = listener.accept();
                int number = connections.incrementAndGet();
                open.add(s);
                Thread t = new Thread(() -> serve(s, number), "uwsgi-stand-in-conn-" + number);
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s, int number) {
        try (s) {
            InputStream in = s.getInputStream();
            while (true) {
                byte[] header = in.readNBytes(4);
                if (header.length < 4) {
                    closedByPeer.incrementAndGet();
                    return;
                }
                int size = (header[1] & 0xff) | (header[2] & 0xff) << 8;
                ByteArrayOutputStream packet = new ByteArrayOutputStream();
                packet.write(header);
                packet.write(in.readNBytes(size));
                UwsgiPacket p = UwsgiPacket.parse(packet.toByteArray());
                String length = p.value("CONTENT_LENGTH");
                byte[] body = length == null || length.isEmpty() ? new byte[0]
                        : in.readNBytes(Integer.parseInt(length));
                Received r = new Received(number, p, body);
                received.add(r);
                s.getOutputStream().write(script.apply(r).getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
            }
        } catch (IOException e) {
            closedByPeer.incrementAndGet(); // reset by the proxy, or close()
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : open) {
            s.close();
        }
    }
}
