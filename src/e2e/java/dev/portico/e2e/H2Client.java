package dev.portico.e2e;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A raw HTTP/2 client over cleartext (prior knowledge) or TLS (ALPN "h2", an SNI name of the test's choice), frame by frame, for
 * what curl and h2load do not show or will not send: the server's SETTINGS,
 * RST_STREAM and GOAWAY frames, a stream reset right after its HEADERS, a
 * connection header in a request. Header blocks are HPACK-coded by Netty's
 * encoder and decoder; every HEADERS frame read is decoded, in order, so the
 * decoder's table stays in step.
 */
final class H2Client implements AutoCloseable {

    static final int DATA = 0;
    static final int HEADERS = 1;
    static final int RST_STREAM = 3;
    static final int SETTINGS = 4;
    static final int GOAWAY = 7;
    static final int WINDOW_UPDATE = 8;
    static final int END_STREAM = 0x1;
    static final int END_HEADERS = 0x4;
    static final int CONTINUATION = 9;

    /** One frame as read; {@code headers} is the decoded block of a HEADERS frame. */
    record Frame(int type, int flags, int streamId, byte[] payload, Http2Headers headers) {
        /** RST_STREAM's error code, or GOAWAY's. */
        long errorCode() {
            int at = type == GOAWAY ? 4 : 0;
            return ((payload[at] & 0xffL) << 24) | ((payload[at + 1] & 0xff) << 16)
                    | ((payload[at + 2] & 0xff) << 8) | (payload[at + 3] & 0xff);
        }

        /** GOAWAY's last stream id. */
        int lastStreamId() {
            return ((payload[0] & 0x7f) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8)
                    | (payload[3] & 0xff);
        }

        /** A SETTINGS frame's values by identifier. */
        Map<Integer, Long> settings() {
            Map<Integer, Long> values = new LinkedHashMap<>();
            for (int i = 0; i + 6 <= payload.length; i += 6) {
                int id = ((payload[i] & 0xff) << 8) | (payload[i + 1] & 0xff);
                long v = ((payload[i + 2] & 0xffL) << 24) | ((payload[i + 3] & 0xff) << 16)
                        | ((payload[i + 4] & 0xff) << 8) | (payload[i + 5] & 0xff);
                values.put(id, v);
            }
            return values;
        }

        boolean endStream() {
            return (flags & END_STREAM) != 0;
        }

        @Override
        public String toString() {
            return "frame type " + type + " flags " + flags + " stream " + streamId + " length " + payload.length
                    + (headers != null ? " " + headers : "")
                    + (type == RST_STREAM || type == GOAWAY ? " error " + errorCode() : "")
                    + (type == GOAWAY ? " \"" + new String(payload, 8, payload.length - 8, StandardCharsets.UTF_8)
                            + "\"" : "");
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);

    /** Connects, sends the preface and an empty SETTINGS frame (the default window: 65535). */
    H2Client(int port) {
        this(plain(port));
    }

    private static Socket plain(int port) {
        try {
            return new Socket("127.0.0.1", port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Over TLS: the handshake offers ALPN "h2" alone and sends {@code serverName} as SNI (none when null). */
    static H2Client tls(int port, String serverName, javax.net.ssl.TrustManager[] trust) {
        try {
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(null, trust, null);
            javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) context.getSocketFactory()
                    .createSocket("127.0.0.1", port);
            javax.net.ssl.SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"h2"});
            parameters.setServerNames(serverName == null ? List.of()
                    : List.of(new javax.net.ssl.SNIHostName(serverName)));
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(20_000);
            socket.startHandshake();
            if (!"h2".equals(socket.getApplicationProtocol())) {
                socket.close();
                throw new AssertionError("the server did not choose h2 by ALPN: " + socket.getApplicationProtocol());
            }
            return new H2Client(socket);
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private H2Client(Socket connected) {
        try {
            socket = connected;
            socket.setSoTimeout(20_000);
            in = new DataInputStream(socket.getInputStream());
            // Frames go out at flush(), together, as a client's burst: a flood reaches the server
            // whole, before it can answer and close.
            out = new java.io.BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            frame(SETTINGS, 0, 0, new byte[0]);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Http2Headers get(String path) {
        return new io.netty.handler.codec.http2.DefaultHttp2Headers(false).method("GET").scheme("http")
                .path(path).authority("localhost");
    }

    /** Sends a HEADERS frame (one block, END_HEADERS). */
    H2Client headers(int streamId, Http2Headers headers, boolean endStream) {
        frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), streamId, block(streamId, headers));
        return this;
    }

    /** The HPACK block of {@code headers}. */
    byte[] block(int streamId, Http2Headers headers) {
        ByteBuf block = Unpooled.buffer();
        try {
            encoder.encodeHeaders(streamId, headers, block);
            byte[] bytes = new byte[block.readableBytes()];
            block.readBytes(bytes);
            return bytes;
        } catch (Http2Exception e) {
            throw new IllegalStateException(e);
        } finally {
            block.release();
        }
    }

    H2Client rst(int streamId, long errorCode) {
        frame(RST_STREAM, 0, streamId, int32(errorCode));
        return this;
    }

    H2Client windowUpdate(int streamId, int increment) {
        frame(WINDOW_UPDATE, 0, streamId, int32(increment));
        return this;
    }

    H2Client settingsAck() {
        frame(SETTINGS, 0x1, 0, new byte[0]);
        return this;
    }

    H2Client flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    private static byte[] int32(long v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    /** Sends any frame as given, for what a well-behaved client never sends. */
    H2Client raw(int type, int flags, int streamId, byte[] payload) {
        frame(type, flags, streamId, payload);
        return this;
    }

    private void frame(int type, int flags, int streamId, byte[] payload) {
        try {
            out.write(new byte[] {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8),
                    (byte) payload.length, (byte) type, (byte) flags, (byte) (streamId >>> 24),
                    (byte) (streamId >>> 16), (byte) (streamId >>> 8), (byte) streamId});
            out.write(payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next frame; null when the server closed the connection. */
    Frame read() {
        try {
            int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int streamId = in.readInt() & 0x7fffffff;
            byte[] payload = new byte[length];
            in.readFully(payload);
            Http2Headers headers = null;
            if (type == HEADERS) {
                ByteBuf block = Unpooled.wrappedBuffer(payload);
                headers = decoder.decodeHeaders(streamId, block);
            }
            return new Frame(type, flags, streamId, payload, headers);
        } catch (EOFException | java.net.SocketException closed) {
            return null;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no frame from the server in time", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Http2Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads until a frame matches (SETTINGS are acknowledged on the way); fails if the connection
     * closes first. An acknowledgement that cannot be written (the server has closed after a
     * GOAWAY and reset the connection) does not stop the reading: what the server sent before
     * closing is still to be read, as a real client reads it.
     */
    Frame await(Predicate<Frame> wanted, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            Frame f = read();
            if (f == null) {
                throw new AssertionError("the server closed the connection before the frame awaited");
            }
            if (f.type() == SETTINGS && (f.flags() & 0x1) == 0) {
                try {
                    settingsAck().flush();
                } catch (UncheckedIOException closedByServer) {
                    // read on: the frames already received tell why
                }
            }
            if (wanted.test(f)) {
                return f;
            }
        }
        throw new AssertionError("no such frame in " + timeout);
    }

    /** Bytes already received and not read. */
    int available() throws IOException {
        return in.available();
    }

    /** True once the server has closed the connection (reading to the end, frames dropped). */
    boolean closedByServer() {
        while (true) {
            if (read() == null) {
                return true;
            }
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
