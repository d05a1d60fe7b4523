package dev.portico.files;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A plain-socket HTTP/1.1 client for tests: the request goes out byte for
 * byte as written (no normalisation of the target), the answer is read to
 * the end of the connection and split into status, headers and body.
 */
final class RawHttp {

    record Response(int status, String statusLine, List<String[]> headers, byte[] body) {
        String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        List<String> headerNames() {
            List<String> names = new ArrayList<>();
            for (String[] h : headers) {
                names.add(h[0]);
            }
            return names;
        }

        String text() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    private RawHttp() {
    }

    /** GET {@code target} with Host and Connection: close plus {@code extraHeaders} ("Name: value"). */
    static Response get(int port, String target, String... extraHeaders) throws IOException {
        return request(port, "GET", target, extraHeaders);
    }

    static Response request(int port, String method, String target, String... extraHeaders) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        sb.append("Host: files.test\r\n");
        for (String h : extraHeaders) {
            sb.append(h).append("\r\n");
        }
        sb.append("Connection: close\r\n\r\n");
        return exchange(port, sb.toString().getBytes(StandardCharsets.ISO_8859_1), method.equals("HEAD"));
    }

    static Response exchange(int port, byte[] request, boolean head) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            return parse(all.toByteArray(), head);
        }
    }

    private static Response parse(byte[] raw, boolean head) {
        int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        if (end < 0) {
            throw new AssertionError("no complete response head in: " + new String(raw, StandardCharsets.ISO_8859_1));
        }
        String[] lines = new String(raw, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        List<String[]> headers = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.add(new String[] {lines[i].substring(0, colon), lines[i].substring(colon + 1).trim()});
        }
        byte[] body = Arrays.copyOfRange(raw, end + 4, raw.length);
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Response r = new Response(status, lines[0], headers, body);
        String length = r.header("Content-Length");
        if (!head && length != null && Long.parseLong(length) != body.length) {
            throw new AssertionError("Content-Length " + length + " but " + body.length + " body bytes");
        }
        if (head && body.length != 0) {
            throw new AssertionError("a HEAD response with a body of " + body.length + " bytes");
        }
        return r;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
