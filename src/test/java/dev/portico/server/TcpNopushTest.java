package dev.portico.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.http.rewrite.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tcp_nopush with sendfile corks the socket while a file response is written
 * and uncorks it after. What a client can check without timing: file responses
 * in a row on one keep-alive connection arrive whole with the option on, and a
 * small response after them still arrives (the setsockopt calls themselves are
 * visible with strace, not from a test).
 */
class TcpNopushTest {

    @TempDir
    Path dir;

    @Test
    void fileResponsesArriveWholeWithTcpNopush() throws Exception {
        byte[] content = new byte[300_000];
        new Random(7).nextBytes(content);
        Files.createDirectories(dir.resolve("www"));
        Files.write(dir.resolve("www/f.bin"), content);
        try (TestServer server = TestServer.start(dir, """
                server {
                    listen 127.0.0.1:PORT;
                    sendfile on;
                    tcp_nopush on;
                    root %s/www;
                    location = /small { return 200 "s"; }
                }
                """.formatted(dir));
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (int i = 0; i < 2; i++) {
                out.write("GET /f.bin HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(readBody(in)).isEqualTo(content);
            }
            out.write("GET /small HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readBody(in)).isEqualTo("s".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static byte[] readBody(InputStream in) throws Exception {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b).isNotNegative();
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        assertThat(text).startsWith("HTTP/1.1 200 OK");
        int length = Integer.parseInt(text.replaceAll("(?s).*\r\nContent-Length: (\\d+)\r\n.*", "$1"));
        return in.readNBytes(length);
    }
}
