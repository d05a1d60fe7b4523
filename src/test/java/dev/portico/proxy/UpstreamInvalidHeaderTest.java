package dev.portico.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upstream responses that nginx refuses or warns about, written byte for byte
 * by a plain socket standing in for the upstream: the client's status and
 * nginx's exact error-log line (ngx_http_proxy_process_status_line,
 * ngx_http_proxy_process_header, the ngx_http_upstream header handlers and
 * the chunked filter).
 */
class UpstreamInvalidHeaderTest {

    @TempDir
    static Path dir;

    static ServerSocket upstream;
    static RunningServer server;
    static int port;
    static Path errorLog;

    @BeforeAll
    static void start() throws Exception {
        upstream = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
        port = ProxyPassTest.freePort();
        errorLog = dir.resolve("error.log");
        String conf = """
                events {}
                http {
                    error_log ERRLOG info;
                    access_log off;
                    server {
                        listen 127.0.0.1:PORT;
                        server_name localhost;
                        location / {
                            proxy_pass http://127.0.0.1:UP;
                            proxy_buffer_size 1k;
                            proxy_pass_header Server;
                        }
                    }
                }
                """.replace("ERRLOG", errorLog.toString()).replace("PORT", Integer.toString(port))
                .replace("UP", Integer.toString(upstream.getLocalPort()));
        server = RunningServer.start(dir, conf);
    }

    @AfterAll
    static void stop() throws Exception {
        RunningServer.closeAll(server, upstream);
    }

    /** Sends GET {@code path}, answers it upstream with {@code response}, and reads what the client got. */
    static RawClient.Response exchange(String path, String response) throws IOException {
        try (RawClient c = new RawClient(port); Socket s = answer(c, path, response)) {
            s.shutdownOutput();
            return c.read(false);
        }
    }

    /** Sends GET {@code path} from {@code c}; the upstream connection, once it has written {@code response}. */
    static Socket answer(RawClient c, String path, String response) throws IOException {
        c.send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Socket s = upstream.accept();
        readHead(s.getInputStream());
        s.getOutputStream().write(response.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        return s;
    }

    private static void readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        byte[] buf = new byte[4096];
        while (!head.toString().contains("\r\n\r\n")) {
            int n = in.read(buf);
            if (n < 0) {
                throw new IOException("proxy closed before a full request head: " + head);
            }
            head.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        }
    }

    /** The line nginx logs for a refused head of request {@code path}. */
    static void assertRefused(String path, String response, String reason) throws IOException {
        assertEquals(502, exchange(path, response).status());
        String line = reason + " while reading response header from upstream, client: 127.0.0.1,";
        assertTrue(lineWith(ErrorLogText.containing(errorLog, line), line).contains("[error] "));
        ErrorLogText.containing(errorLog, reason + " while reading response header from upstream, client: 127.0.0.1,"
                + " server: localhost, request: \"GET " + path + " HTTP/1.1\", upstream: \"http://127.0.0.1:"
                + upstream.getLocalPort() + path + "\", host: \"localhost\"");
    }

    /** The log line holding {@code fragment}. */
    static String lineWith(String log, String fragment) {
        return log.lines().filter(l -> l.contains(fragment)).findFirst().orElseThrow();
    }

    @Test
    void statusLineThatIsNotHttp() throws Exception {
        assertRefused("/status/letters", "HTTP/1.1 2x0 OK\r\n\r\n", "upstream sent no valid HTTP/1.0 header");
        assertRefused("/status/none", "hello\r\n\r\n", "upstream sent no valid HTTP/1.0 header");
        assertRefused("/status/version", "HTTP/0.9 200 OK\r\n\r\n", "upstream sent no valid HTTP/1.0 header");
    }

    @Test
    void headerNameWithASpaceShowsTheNameAndTheByte() throws Exception {
        assertRefused("/name/space", "HTTP/1.1 200 OK\r\nX Bad: 1\r\n\r\n", "upstream sent invalid header: \"X\\x20...\"");
    }

    @Test
    void foldedLineIsInvalid() throws Exception {
        assertRefused("/folded", "HTTP/1.1 200 OK\r\nX-A: 1\r\n\tmore\r\n\r\n",
                "upstream sent invalid header: \"\\x09...\"");
    }

    @Test
    void nulInAValueShowsTheLineUpToIt() throws Exception {
        assertRefused("/nul", "HTTP/1.1 200 OK\r\nX-A: ab\u0000c\r\n\r\n", "upstream sent invalid header: \"X-A: ab\\x00...\"");
    }

    @Test
    void carriageReturnWithoutLineFeed() throws Exception {
        assertRefused("/cr", "HTTP/1.1 200 OK\r\nX-A: ab\rc\r\n\r\n", "upstream sent invalid header: \"X-A: ab\\x0d...\"");
    }

    @Test
    void contentLengthAndTransferEncodingChecks() throws Exception {
        assertRefused("/cl/twice", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx",
                "upstream sent duplicate header line: \"Content-Length: 2\", previous value: \"Content-Length: 1\"");
        assertRefused("/cl/te", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
                "upstream sent \"Content-Length\" and \"Transfer-Encoding\" headers at the same time");
        assertRefused("/te/gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
                "upstream sent unknown \"Transfer-Encoding\": \"gzip\"");
        assertRefused("/cl/letters", "HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n",
                "upstream sent invalid \"Content-Length\" header: \"Content-Length: 12a\"");
    }

    @Test
    void headerLargerThanProxyBufferSize() throws Exception {
        assertRefused("/big", "HTTP/1.1 200 OK\r\nX-Long: " + "a".repeat(2000) + "\r\n\r\n",
                "upstream sent too big header");
    }

    @Test
    void repeatedSingleHeaderIsLoggedAndDropped() throws Exception {
        RawClient.Response r = exchange("/dup", "HTTP/1.1 200 OK\r\nServer: first\r\nETag: \"a\"\r\nETag: \"b\"\r\n"
                + "Server: second\r\nContent-Length: 2\r\n\r\nok");
        assertEquals(200, r.status());
        assertEquals("ok", r.text());
        assertEquals(java.util.List.of("\"a\""), r.all("ETag"));
        assertEquals(java.util.List.of("first"), r.all("Server"));
        String etag = "upstream sent duplicate header line: \"ETag: \"b\"\", previous value: "
                + "\"ETag: \"a\"\", ignored while reading response header from upstream, client: 127.0.0.1";
        assertTrue(lineWith(ErrorLogText.containing(errorLog, etag), etag).contains("[warn] "));
        ErrorLogText.containing(errorLog, "upstream sent duplicate header line: \"Server: second\", previous value: "
                + "\"Server: first\", ignored while reading response header from upstream");
    }

    @Test
    void whatNginxAcceptsPasses() throws Exception {
        // Bare LF line ends, a name with a non-token byte, a control byte in a value, a chunked body with trailers.
        RawClient.Response r = exchange("/lenient", "HTTP/1.1 200 Fine\nX@Odd: 1\nX-Ctl: a\u0001b\n"
                + "Transfer-Encoding: chunked\n\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nTrailer: t\r\n\r\n");
        assertEquals(200, r.status());
        assertEquals("abcde", r.text());
        assertEquals("1", r.header("X@Odd"));
        assertEquals("a\u0001b", r.header("X-Ctl"));
    }

    @Test
    void brokenChunkedBodyCutsTheResponse() throws Exception {
        try (RawClient c = new RawClient(port); Socket s = answer(c, "/chunks",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n")) {
            // The head went out before the body broke: the client sees its response cut short.
            assertThrows(Exception.class, () -> c.read(false));
        }
        String log = ErrorLogText.containing(errorLog, "upstream sent invalid chunked response while reading upstream,"
                + " client: 127.0.0.1, server: localhost, request: \"GET /chunks HTTP/1.1\"");
        assertTrue(log.contains("[error]"), log);
    }
}
