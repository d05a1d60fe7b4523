package dev.portico.e2e.upstream;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One request in the uwsgi protocol (packet modifier1 0: WSGI), as nginx's uwsgi_pass sends it,
 * straight to a uWSGI socket: a 4-byte header (modifier1, little-endian size, modifier2),
 * the CGI variables as length-prefixed key/value pairs, then the body. uWSGI answers with
 * plain HTTP, read until it closes the connection.
 */
public final class UwsgiProtocol {

    private UwsgiProtocol() {
    }

    /** The variables of a GET for {@code uri} ("/path?query") as nginx's uwsgi_params sets them. */
    public static Map<String, String> vars(String method, String uri) {
        int q = uri.indexOf('?');
        Map<String, String> v = new LinkedHashMap<>();
        v.put("REQUEST_METHOD", method);
        v.put("REQUEST_URI", uri);
        v.put("PATH_INFO", q < 0 ? uri : uri.substring(0, q));
        v.put("QUERY_STRING", q < 0 ? "" : uri.substring(q + 1));
        v.put("SERVER_PROTOCOL", "HTTP/1.1");
        v.put("REQUEST_SCHEME", "http");
        v.put("SERVER_NAME", "localhost");
        v.put("SERVER_PORT", "80");
        v.put("REMOTE_ADDR", "127.0.0.1");
        v.put("REMOTE_PORT", "40000");
        v.put("HTTP_HOST", "localhost");
        return v;
    }

    /** Sends one request to {@code socket} (a unix path or host:port) and reads the answer. */
    public static UnixHttp.Response request(String socket, Map<String, String> vars, byte[] body) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        vars.forEach((k, val) -> {
            writeString(payload, k);
            writeString(payload, val);
        });
        byte[] p = payload.toByteArray();
        if (p.length > 0xffff) {
            throw new IllegalArgumentException("uwsgi variables over 64 KB");
        }
        ByteBuffer packet = ByteBuffer.allocate(4 + p.length + (body == null ? 0 : body.length));
        packet.put((byte) 0).put((byte) (p.length & 0xff)).put((byte) (p.length >> 8)).put((byte) 0).put(p);
        if (body != null) {
            packet.put(body);
        }
        packet.flip();
        java.nio.file.Path unix = UpstreamProcess.unixPath(socket);
        SocketAddress address = unix != null ? UnixDomainSocketAddress.of(unix)
                : new InetSocketAddress(UpstreamProcess.tcpHost(socket), UpstreamProcess.tcpPort(socket));
        try (SocketChannel ch = unix != null ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open()) {
            ch.connect(address);
            while (packet.hasRemaining()) {
                ch.write(packet);
            }
            return UnixHttp.readResponse(new BufferedInputStream(Channels.newInputStream(ch)),
                    "HEAD".equals(vars.get("REQUEST_METHOD")));
        } catch (IOException e) {
            throw new UncheckedIOException("uwsgi request to " + socket, e);
        }
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length & 0xff);
        out.write(b.length >> 8);
        out.write(b, 0, b.length);
    }
}
