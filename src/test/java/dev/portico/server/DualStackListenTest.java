package dev.portico.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.http.rewrite.TestServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `listen 80; listen [::]:80;`, as Debian's default site writes it: the IPv4
 * wildcard takes IPv4 only and [::] takes IPv6 only (nginx's ipv6only=on), so
 * both bind, and each family reaches the server.
 */
class DualStackListenTest {

    @TempDir
    Path dir;

    @Test
    void ipv4AndIpv6WildcardsOnOnePort() throws Exception {
        try (TestServer server = TestServer.start(dir, """
                server {
                    listen PORT;
                    listen [::]:PORT;
                    location / { return 200 "$server_addr"; }
                }
                """)) {
            assertThat(get(InetAddress.getByName("127.0.0.1"), server.port())).endsWith("\r\n\r\n127.0.0.1");
            assertThat(get(Inet6Address.getByName("::1"), server.port())).endsWith("\r\n\r\n::1");
        }
    }

    @Test
    void ipv6AddressesArePrintedCompressed() {
        assertThat(dev.portico.http.HttpConnection.compressIpv6("0:0:0:0:0:0:0:0")).isEqualTo("::");
        assertThat(dev.portico.http.HttpConnection.compressIpv6("0:0:0:0:0:0:0:1")).isEqualTo("::1");
        assertThat(dev.portico.http.HttpConnection.compressIpv6("2001:db8:0:0:1:0:0:1")).isEqualTo("2001:db8::1:0:0:1");
        assertThat(dev.portico.http.HttpConnection.compressIpv6("2001:db8:1:2:3:4:5:6")).isEqualTo("2001:db8:1:2:3:4:5:6");
    }

    private static String get(InetAddress address, int port) throws Exception {
        try (Socket s = new Socket(address, port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
