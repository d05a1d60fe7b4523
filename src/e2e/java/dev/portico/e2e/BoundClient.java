package dev.portico.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.0 requests to 127.0.0.1 from a chosen loopback address (any of
 * 127.0.0.0/8 is local on Linux), so that a server sees different clients:
 * ip_hash tests. The answer is read to the server's close.
 */
public final class BoundClient {

    /** A status and the body after the head. */
    public record Answer(int status, String body) {
    }

    private BoundClient() {
    }

    /** A connection from {@code from} to 127.0.0.1:port. */
    public static Socket connect(String from, int port) {
        try {
            Socket s = new Socket();
            s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] request(String path) {
        return ("GET " + path + " HTTP/1.0\r\nHost: balancing\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** GET {@code path} from {@code from}. */
    public static Answer get(String from, int port, String path) {
        try (Socket s = connect(from, port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(request(path));
            String text = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (end < 0) {
                throw new AssertionError("no response head to " + path + ": " + text);
            }
            return new Answer(Integer.parseInt(text.substring(9, 12)), text.substring(end + 4));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
