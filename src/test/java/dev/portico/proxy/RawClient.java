package dev.portico.proxy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * An HTTP/1.1 client on a raw socket, so that tests see the exact head the
 * server wrote. Bodies are read by Content-Length, chunked coding or until
 * close; they are digested as they arrive and kept only when small.
 */
public final class RawClient implements AutoCloseable {

    public record Response(int status, List<String[]> headers, byte[] body, long length, String sha256) {
        public String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        public List<String> all(String name) {
            List<String> out = new ArrayList<>();
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    out.add(h[1]);
                }
            }
            return out;
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawClient(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(20_000);
        in = new BufferedInputStream(socket.getInputStream(), 65536);
        out = socket.getOutputStream();
    }

    /** One request on a new connection ("Connection: close"), with a Content-Length body when {@code body} is set. */
    public static Response exchange(int port, String method, String target, String body) throws IOException {
        try (RawClient c = new RawClient(port)) {
            String head = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
            byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            if (body != null) {
                head += "Content-Length: " + bytes.length + "\r\n";
            }
            c.send(head + "\r\n");
            c.send(bytes);
            return c.read(method.equals("HEAD"));
        }
    }

    /** GET {@code target} on a connection of its own (Connection: close), and the response. */
    public static Response get(int port, String target) throws IOException {
        return exchange(port, "GET", target, null);
    }

    public void send(String head) throws IOException {
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    InputStream input() {
        return in;
    }

    /** Reads one response; {@code head} says it answers a HEAD request (no body follows). */
    public Response read(boolean head) throws IOException {
        String status = line();
        if (status == null) {
            throw new IOException("connection closed before a response");
        }
        int code = Integer.parseInt(status.split(" ")[1]);
        List<String[]> headers = new ArrayList<>();
        for (String l; !(l = line()).isEmpty(); ) {
            int colon = l.indexOf(':');
            headers.add(new String[] {l.substring(0, colon), l.substring(colon + 1).trim()});
        }
        Digest body = new Digest();
        Response probe = new Response(code, headers, new byte[0], 0, "");
        String cl = probe.header("Content-Length");
        String te = probe.header("Transfer-Encoding");
        if (head || code == 204 || code == 304) {
            // no body
        } else if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                String size = line();
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    while (!line().isEmpty()) {
                        // trailers
                    }
                    break;
                }
                body.copy(in, n);
                line();
            }
        } else if (cl != null) {
            body.copy(in, Long.parseLong(cl));
        } else {
            body.copyToEnd(in);
        }
        return new Response(code, headers, body.kept.toByteArray(), body.length, body.hex());
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    /** A body being read: its SHA-256, its length, and its first MiB. */
    static final class Digest {
        final MessageDigest sha = sha256();
        final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        long length;

        /** Reads exactly {@code count} bytes; fewer is a truncated body. */
        void copy(InputStream from, long count) throws IOException {
            byte[] buf = new byte[65536];
            while (count > 0) {
                int n = from.read(buf, 0, (int) Math.min(buf.length, count));
                if (n < 0) {
                    throw new IOException("body cut short, " + count + " bytes missing");
                }
                update(buf, n);
                count -= n;
            }
        }

        /** Reads until the server closes the connection. */
        void copyToEnd(InputStream from) throws IOException {
            byte[] buf = new byte[65536];
            for (int n; (n = from.read(buf)) > 0; ) {
                update(buf, n);
            }
        }

        void update(byte[] buf, int n) {
            sha.update(buf, 0, n);
            length += n;
            if (kept.size() < (1 << 20)) {
                kept.write(buf, 0, n);
            }
        }

        String hex() {
            return HexFormat.of().formatHex(sha.digest());
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
