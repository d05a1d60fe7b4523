package dev.portico.proxy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 upstream on raw sockets whose answers a test writes byte for
 * byte, so that a test controls the wire: how many connections the proxy
 * opened, which request came on which connection, closing a connection at a
 * chosen moment, sending a broken head. A connection serves requests one after
 * another until the script closes it or a request says "Connection: close".
 */
final class ScriptedUpstream implements AutoCloseable {

    /** One request as received: its connection (1, 2, ... in accept order) and place on it (1, 2, ...). */
    record Request(String method, String target, Map<String, String> headers, long bodyLength, String bodySha256,
                   int connection, int onConnection) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** What the upstream does with a request: bytes to write, or null to close without answering. */
    interface Script {
        byte[] answer(Request request) throws IOException;
    }

    /** A response with a Content-Length body. */
    static byte[] response(int status, String body, String... headers) {
        StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(status).append(" Status\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        sb.append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n\r\n");
        return (sb + body).getBytes(StandardCharsets.UTF_8);
    }

    private final ServerSocket listener;
    private final Thread acceptor;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger closedByPeer = new AtomicInteger();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile Script script;
    /** Request lines after whose head the connection closes at once, its body unread (recorded with length -1). */
    private volatile java.util.function.Predicate<String> closeAfterHead = line -> false;
    private volatile boolean closed;

    ScriptedUpstream(Script script) throws IOException {
        this.script = script;
        listener = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::acceptLoop, "scripted-upstream-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    String address() {
        return "127.0.0.1:" + port();
    }

    void closeAfterHead(java.util.function.Predicate<String> requestLine) {
        closeAfterHead = requestLine;
    }

    /** Connections accepted so far. */
    int accepted() {
        return accepted.get();
    }

    /** Connections the proxy closed or reset while the upstream waited for their next request. */
    int closedByPeer() {
        return closedByPeer.get();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Ends the output of every connection now open (a FIN), as an upstream closing its idle connections. */
    void shutdownOutputOfOpenConnections() throws IOException {
        for (Socket s : open) {
            s.shutdownOutput();
        }
    }

    /** Writes {@code text} on every connection now open, outside of any response. */
    void writeToOpenConnections(String text) throws IOException {
        for (Socket s : open) {
            s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
        }
    }

    /** Closes every connection now open. */
    void closeOpenConnections() throws IOException {
        for (Socket s : open) {
            s.close();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = listener.accept();
                int n = accepted.incrementAndGet();
                open.add(s);
                Thread t = new Thread(() -> serve(s, n), "scripted-connection-" + n);
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s, int connection) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            for (int i = 1; ; i++) {
                Request r = readRequest(in, connection, i, closeAfterHead);
                if (r == null) {
                    closedByPeer.incrementAndGet();
                    return;
                }
                requests.add(r);
                if (r.bodyLength() < 0) {
                    return;
                }
                byte[] answer = script.answer(r);
                if (answer == null) {
                    return;
                }
                out.write(answer);
                out.flush();
                if ("close".equalsIgnoreCase(r.header("Connection"))) {
                    return;
                }
            }
        } catch (SocketException reset) {
            // the proxy reset the connection, or the test closed it
            if (!closed) {
                closedByPeer.incrementAndGet();
            }
        } catch (IOException e) {
            // the test is over
        } finally {
            open.remove(s);
        }
    }

    /** Reads one request (head and a Content-Length or chunked body); null at end of stream. */
    private static Request readRequest(InputStream in, int connection, int onConnection,
                                       java.util.function.Predicate<String> closeAfterHead) throws IOException {
        String line = line(in);
        if (line == null) {
            return null;
        }
        String[] parts = line.split(" ");
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l; (l = line(in)) != null && !l.isEmpty(); ) {
            int colon = l.indexOf(':');
            headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
        }
        if (closeAfterHead.test(line)) {
            return new Request(parts[0], parts[1], headers, -1, "", connection, onConnection);
        }
        MessageDigest sha = RawClient.sha256();
        long length = 0;
        byte[] buf = new byte[65536];
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            while (true) {
                int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
                if (size == 0) {
                    while (!line(in).isEmpty()) {
                        // trailers
                    }
                    break;
                }
                length += copy(in, size, sha, buf);
                line(in);
            }
        } else if (headers.containsKey("content-length")) {
            length = copy(in, Long.parseLong(headers.get("content-length")), sha, buf);
        }
        return new Request(parts[0], parts[1], headers, length, HexFormat.of().formatHex(sha.digest()), connection,
                onConnection);
    }

    private static long copy(InputStream in, long count, MessageDigest sha, byte[] buf) throws IOException {
        long done = 0;
        while (done < count) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, count - done));
            if (n < 0) {
                throw new IOException("request body cut short");
            }
            sha.update(buf, 0, n);
            done += n;
        }
        return done;
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream sb = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                String s = sb.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            sb.write(c);
        }
        return sb.size() == 0 ? null : sb.toString(StandardCharsets.ISO_8859_1);
    }

    /** The requests of each connection, in accept order, as lists of targets (for messages). */
    String connectionsSummary() {
        Map<Integer, List<String>> byConnection = new LinkedHashMap<>();
        for (Request r : requests) {
            byConnection.computeIfAbsent(r.connection(), k -> new ArrayList<>()).add(r.method() + " " + r.target());
        }
        return byConnection.toString();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        closeOpenConnections();
    }
}
