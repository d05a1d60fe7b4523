package dev.portico.e2e.upstream;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A tiny HTTP/1.1 client over a unix socket, for talking to a back end (Gunicorn on
 * {@code unix:/path}) directly: one request per connection ({@code Connection: close}), the
 * request body sent whole before the response is read; the response body read by
 * Content-Length, chunked encoding or until the server closes.
 */
public final class UnixHttp {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private UnixHttp() {
    }

    /** A response: status line parts, headers in order (repeats kept), the decoded body. */
    public record Response(int status, String reason, List<Map.Entry<String, String>> headers, byte[] body) {

        /** The first value of a header (name case-insensitive). */
        public Optional<String> header(String name) {
            return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
                    .findFirst();
        }

        /** Every value of a header, in order. */
        public List<String> headers(String name) {
            return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
                    .toList();
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    public static Response get(Path socket, String target) {
        return request(socket, "GET", target, Map.of(), null, 0, DEFAULT_TIMEOUT);
    }

    public static Response request(Path socket, String method, String target, Map<String, String> headers,
                                   byte[] body) {
        return request(socket, method, target, headers, body == null ? null : new ByteArrayInputStream(body),
                body == null ? 0 : body.length, DEFAULT_TIMEOUT);
    }

    /**
     * Sends {@code method target} with {@code Host: localhost}, {@code Connection: close}, the
     * given headers and, when {@code body} is not null, {@code Content-Length: bodyLength} and
     * that many bytes of {@code body}. The whole exchange must end within {@code timeout}.
     */
    public static Response request(Path socket, String method, String target, Map<String, String> headers,
                                   InputStream body, long bodyLength, Duration timeout) {
        AtomicBoolean timedOut = new AtomicBoolean();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            // A blocking channel has no read timeout: closing it from a timer ends a stuck read.
            CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
                if (!done.isDone()) {
                    timedOut.set(true);
                    try {
                        ch.close();
                    } catch (IOException ignored) {
                        // closing is all we can do
                    }
                }
            });
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                OutputStream out = Channels.newOutputStream(ch);
                StringBuilder head = new StringBuilder();
                head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
                head.append("Host: localhost\r\n");
                head.append("Connection: close\r\n");
                headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
                if (body != null) {
                    head.append("Content-Length: ").append(bodyLength).append("\r\n");
                }
                head.append("\r\n");
                out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
                if (body != null) {
                    byte[] buf = new byte[64 * 1024];
                    long left = bodyLength;
                    while (left > 0) {
                        int n = body.read(buf, 0, (int) Math.min(buf.length, left));
                        if (n < 0) {
                            throw new IOException("request body ended " + left + " bytes early");
                        }
                        out.write(buf, 0, n);
                        left -= n;
                    }
                }
                out.flush();
                Response r = readResponse(new BufferedInputStream(Channels.newInputStream(ch), 64 * 1024),
                        method.equals("HEAD"));
                return r;
            } finally {
                done.complete(null);
            }
        } catch (IOException e) {
            if (timedOut.get()) {
                throw new AssertionError(method + " " + target + " on " + socket + ": no complete response within "
                        + timeout, e);
            }
            throw new UncheckedIOException(method + " " + target + " on " + socket, e);
        }
    }

    static Response readResponse(InputStream in, boolean head) throws IOException {
        String statusLine = readLine(in);
        if (statusLine == null) {
            throw new IOException("connection closed before a status line");
        }
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("bad status line: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        String reason = parts.length > 2 ? parts[2] : "";
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        String line;
        while ((line = readLine(in)) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("bad header line: " + line);
            }
            headers.add(Map.entry(line.substring(0, colon).trim(), line.substring(colon + 1).trim()));
        }
        if (line == null) {
            throw new IOException("connection closed in the response header");
        }
        String te = first(headers, "transfer-encoding");
        String cl = first(headers, "content-length");
        byte[] body;
        if (head || status == 204 || status == 304 || status / 100 == 1) {
            body = new byte[0];
        } else if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            body = readChunked(in);
        } else if (cl != null) {
            body = in.readNBytes(Integer.parseInt(cl));
            if (body.length != Integer.parseInt(cl)) {
                throw new IOException("body ended after " + body.length + " of " + cl + " bytes");
            }
        } else {
            body = in.readAllBytes();
        }
        return new Response(status, reason, List.copyOf(headers), body);
    }

    private static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            String size = readLine(in);
            if (size == null) {
                throw new IOException("connection closed in a chunk size line");
            }
            int semi = size.indexOf(';');
            int n = Integer.parseInt((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
            if (n == 0) {
                String trailer;
                while ((trailer = readLine(in)) != null && !trailer.isEmpty()) {
                    // trailers are dropped
                }
                return out.toByteArray();
            }
            byte[] chunk = in.readNBytes(n);
            if (chunk.length != n) {
                throw new IOException("connection closed in a chunk");
            }
            out.write(chunk);
            if (!"".equals(readLine(in))) {
                throw new IOException("no CRLF after a chunk");
            }
        }
    }

    private static String first(List<Map.Entry<String, String>> headers, String name) {
        return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
                .findFirst().orElse(null);
    }

    /** A line without its CRLF (or LF), null at the end of the stream. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }
}
