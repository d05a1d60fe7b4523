package dev.portico.e2e;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A raw TCP connection to 127.0.0.1 for exact bytes: malformed requests, pipelining and
 * keep-alive checks. Requests are written as ISO-8859-1; reads time out after 5 s unless told.
 */
public final class RawConnection implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;

    private RawConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
    }

    public static RawConnection open(int port) {
        try {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            s.setTcpNoDelay(true);
            return new RawConnection(s);
        } catch (IOException e) {
            throw new UncheckedIOException("connect to 127.0.0.1:" + port, e);
        }
    }

    /** What one exchange on a fresh connection produced: every byte until close or a timeout. */
    public record Result(String text, boolean closed, long millis) {

        /** The responses in {@link #text}, parsed in order. */
        public List<RawResponse> responses() {
            return parseAll(text);
        }

        /** The first response; fails when there is none. */
        public RawResponse response() {
            List<RawResponse> all = responses();
            if (all.isEmpty()) {
                throw new AssertionError("no response; received: \"" + text + "\"");
            }
            return all.get(0);
        }
    }

    /** Opens a connection, sends {@code request}, reads until the server closes it or 5 s pass. */
    public static Result exchange(int port, String request) {
        return exchange(port, request, Duration.ofSeconds(5));
    }

    public static Result exchange(int port, String request, Duration timeout) {
        try (RawConnection c = open(port)) {
            long start = System.nanoTime();
            c.send(request);
            ReadAll all = c.readAll(timeout);
            return new Result(all.text, all.closed, (System.nanoTime() - start) / 1_000_000);
        }
    }

    public RawConnection send(String data) {
        try {
            socket.getOutputStream().write(data.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Half-closes: the server sees end of input. */
    public void shutdownOutput() {
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one response (its body by Content-Length, chunked, or until close). */
    public RawResponse readResponse() {
        return readResponse(false);
    }

    /** Reads one response to a HEAD request: no body whatever the headers say. */
    public RawResponse readHeadResponse() {
        return readResponse(true);
    }

    private RawResponse readResponse(boolean head) {
        try {
            String statusLine = readLine();
            if (statusLine == null) {
                throw new AssertionError("the connection was closed before a response arrived");
            }
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new AssertionError("not a status line: \"" + statusLine + "\"");
            }
            int status = Integer.parseInt(parts[1]);
            List<String[]> headers = new ArrayList<>();
            String line;
            while ((line = readLine()) != null && !line.isEmpty()) {
                int colon = line.indexOf(':');
                headers.add(new String[] {line.substring(0, colon).trim(), line.substring(colon + 1).trim()});
            }
            RawResponse noBody = new RawResponse(statusLine, status, headers, "");
            if (head || status < 200 || status == 204 || status == 304) {
                return noBody;
            }
            String te = noBody.header("Transfer-Encoding");
            String cl = noBody.header("Content-Length");
            String body;
            if (te != null && te.equalsIgnoreCase("chunked")) {
                body = readChunked();
            } else if (cl != null) {
                body = new String(readN(Integer.parseInt(cl)), StandardCharsets.ISO_8859_1);
            } else {
                body = readAll(Duration.ofSeconds(5)).text;
            }
            return new RawResponse(statusLine, status, headers, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String readChunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine();
            if (sizeLine == null) {
                throw new EOFException("closed inside a chunked body");
            }
            int semi = sizeLine.indexOf(';');
            int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
            if (size == 0) {
                String trailer;
                while ((trailer = readLine()) != null && !trailer.isEmpty()) {
                    // trailers are ignored
                }
                return body.toString(StandardCharsets.ISO_8859_1);
            }
            body.write(readN(size));
            readLine();
        }
    }

    private byte[] readN(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new EOFException("closed after " + b.length + " of " + n + " body bytes");
        }
        return b;
    }

    /** A line without its CRLF (or LF); null at end of stream before any byte. */
    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] b = line.toByteArray();
                int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
                return new String(b, 0, len, StandardCharsets.ISO_8859_1);
            }
            line.write(c);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    private record ReadAll(String text, boolean closed) {
    }

    private ReadAll readAll(Duration timeout) {
        if (socket == null) {
            try {
                return new ReadAll(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1), true);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean closed = false;
        try {
            byte[] buf = new byte[8192];
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    break;
                }
                socket.setSoTimeout((int) Math.max(1, left));
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    break;
                } catch (SocketException e) {
                    closed = true; // reset by peer
                    break;
                }
                if (n < 0) {
                    closed = true;
                    break;
                }
                out.write(buf, 0, n);
            }
            socket.setSoTimeout(5000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ReadAll(out.toString(StandardCharsets.ISO_8859_1), closed);
    }

    /** Everything until the server closes or {@code timeout} passes. */
    public String readUntilClose(Duration timeout) {
        return readAll(timeout).text;
    }

    /**
     * Waits up to {@code timeout} for the server to close; true if it did. Fails the test if
     * the server sends anything meanwhile.
     */
    public boolean awaitClosed(Duration timeout) {
        ReadAll r = readAll(timeout);
        if (!r.text.isEmpty()) {
            throw new AssertionError("unexpected bytes from the server: \"" + r.text + "\"");
        }
        return r.closed;
    }

    /** Parses consecutive responses from text (bodies by Content-Length or chunked). */
    public static List<RawResponse> parseAll(String text) {
        List<RawResponse> all = new ArrayList<>();
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        try (RawConnection parser = new RawConnection(new java.io.ByteArrayInputStream(bytes))) {
            while (parser.in.available() > 0) {
                all.add(parser.readResponse());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all;
    }

    private RawConnection(InputStream in) {
        this.socket = null;
        this.in = new BufferedInputStream(in);
    }

    @Override
    public void close() {
        try {
            if (socket != null) {
                socket.close();
            }
        } catch (IOException ignored) {
            // closing
        }
    }
}
