package dev.portico.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/** Java's SSLSocket as a TLS client: TLSv1.3 with an SNI name, kept-alive requests on one connection. */
final class JavaTlsClient {

    private JavaTlsClient() {
    }

    /** A connection to 127.0.0.1:{@code port}, handshaken with SNI {@code serverName}; reads time out in 10s. */
    static SSLSocket connect(int port, String serverName, TrustManager[] trust) throws Exception {
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(null, trust, null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(serverName)));
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }

    /** One keep-alive GET on the socket: the status line, a space and the body (Content-Length framed). */
    static String get(SSLSocket socket, String host, String path) {
        try {
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new AssertionError("closed after " + head);
                }
                head.write(b);
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            int at = text.toLowerCase(Locale.ROOT).indexOf("content-length: ");
            int length = Integer.parseInt(text.substring(at + 16, text.indexOf("\r\n", at)).trim());
            return text.substring(0, text.indexOf("\r\n")) + " " + new String(in.readNBytes(length),
                    StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
