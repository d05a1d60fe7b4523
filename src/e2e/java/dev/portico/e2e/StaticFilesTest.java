package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Static files: root, alias, index, try_files, autoindex, types, error_page; validators
 * (Last-Modified, ETag, 304), ranges (206, multipart/byteranges, 416), HEAD, the directory
 * redirect, unsafe URIs, and large files with and without sendfile.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StaticFilesTest {

    private static final String CONFIG = """
            daemon off;
            error_log logs/error.log info;
            events {
            }
            http {
                types {
                    text/html html;
                    text/plain txt;
                    image/png png;
                    application/json json;
                }
                default_type application/x-portico-test;
                sendfile on;
                server {
                    listen 127.0.0.1:%%PORT%%;
                    root html;
                    index index.html;
                    error_page 404 /404.html;

                    location = /404.html {
                        internal;
                    }
                    location /static/ {
                        alias data/;
                    }
                    location ~ ^/img/(.+\\.png)$ {
                        alias data/pics/$1;
                    }
                    location /try/ {
                        try_files $uri $uri/ @fallback;
                    }
                    location @fallback {
                        return 200 "fallback";
                    }
                    location /auto/ {
                        autoindex on;
                    }
                    location /nosendfile/ {
                        alias html/;
                        sendfile off;
                    }
                }
            }
            """;

    private static final String FILE = "0123456789abcdefghij";
    private static final Instant MTIME = Instant.parse("2024-03-05T06:07:08Z");
    private static final int BIG = 10 * 1024 * 1024;

    private TestPrefix prefix;
    private PorticoProcess server;
    private String bigSha;

    @BeforeAll
    void start() throws Exception {
        prefix = TestPrefix.withConfig(CONFIG);
        prefix.write("html/index.html", "<h1>index</h1>\n");
        prefix.write("html/404.html", "custom not found\n");
        prefix.write("html/file.txt", FILE);
        prefix.write("html/data.json", "{}\n");
        prefix.write("html/noext", "no extension\n");
        prefix.write("html/dir/inner.txt", "inner\n");
        prefix.write("html/try/real.txt", "real\n");
        prefix.write("html/auto/alpha.txt", "a\n");
        prefix.write("html/auto/beta.html", "b\n");
        prefix.write("html/auto/sub/gamma.txt", "c\n");
        prefix.write("data/hello.txt", "hello from alias\n");
        prefix.write("data/pics/logo.png", "not really a png\n");
        Files.setLastModifiedTime(prefix.path("html/file.txt"), FileTime.from(MTIME));

        byte[] big = new byte[BIG];
        new Random(42).nextBytes(big);
        Files.write(prefix.path("html/big.bin"), big);
        bigSha = sha256(big);

        server = PorticoProcess.start(prefix);
    }

    @AfterAll
    void stop() {
        PorticoProcess.stop(server, prefix);
    }

    private static final String HTTP_DATE = "EEE, dd MMM yyyy HH:mm:ss 'GMT'";

    private static String httpDate(Instant t) {
        return DateTimeFormatter.ofPattern(HTTP_DATE, Locale.US).withZone(ZoneOffset.UTC).format(t);
    }

    private static String etag(Instant mtime, long size) {
        return "\"" + Long.toHexString(mtime.getEpochSecond()) + "-" + Long.toHexString(size) + "\"";
    }

    /** curl -i output: status line, headers, body. */

    @Test
    void fileHasTypeLengthLastModifiedAndEtag() {
        RawResponse r = Curl.response("-i", server.url("/file.txt"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(FILE);
        assertThat(r.header("Content-Type")).isEqualTo("text/plain");
        assertThat(r.header("Content-Length")).isEqualTo("20");
        assertThat(r.header("Last-Modified")).isEqualTo(httpDate(MTIME));
        assertThat(r.header("ETag")).isEqualTo(etag(MTIME, 20)).isEqualTo("\"65e6b68c-14\"");
        assertThat(r.header("Accept-Ranges")).isEqualTo("bytes");

        HttpResponse<String> h = Http.get(server.port(), "/file.txt");
        assertThat(h.statusCode()).isEqualTo(200);
        assertThat(h.body()).isEqualTo(FILE);
        assertThat(h.headers().firstValue("Content-Type")).hasValue("text/plain");
        assertThat(h.headers().firstValue("Content-Length")).hasValue("20");
        assertThat(h.headers().firstValue("ETag")).hasValue("\"65e6b68c-14\"");
    }

    @Test
    void typesAndDefaultType() {
        assertThat(Http.get(server.port(), "/data.json").headers().firstValue("Content-Type"))
                .hasValue("application/json");
        assertThat(Http.get(server.port(), "/index.html").headers().firstValue("Content-Type"))
                .hasValue("text/html");
        HttpResponse<String> noext = Http.get(server.port(), "/noext");
        assertThat(noext.statusCode()).isEqualTo(200);
        assertThat(noext.headers().firstValue("Content-Type")).hasValue("application/x-portico-test");
    }

    @Test
    void ifNoneMatchAndIfModifiedSinceGive304() {
        HttpResponse<String> inm = Http.send(Http.request(server.port(), "/file.txt")
                .header("If-None-Match", etag(MTIME, 20)).GET().build());
        assertThat(inm.statusCode()).isEqualTo(304);
        assertThat(inm.body()).isEmpty();
        assertThat(inm.headers().firstValue("ETag")).hasValue(etag(MTIME, 20));

        HttpResponse<String> otherTag = Http.send(Http.request(server.port(), "/file.txt")
                .header("If-None-Match", "\"0-0\"").GET().build());
        assertThat(otherTag.statusCode()).isEqualTo(200);

        // curl -z FILE sends If-Modified-Since with the local file's time.
        RawResponse ims = Curl.response("-i", "-z", prefix.path("html/file.txt").toString(), server.url("/file.txt"));
        assertThat(ims.status()).isEqualTo(304);
        assertThat(ims.body()).isEmpty();
        assertThat(ims.hasHeader("Content-Length")).isFalse();

        RawResponse older = Curl.response("-i", "-H", "If-Modified-Since: " + httpDate(MTIME.minusSeconds(60)),
                server.url("/file.txt"));
        assertThat(older.status()).isEqualTo(200);
        assertThat(older.body()).isEqualTo(FILE);
    }

    @Test
    void singleRange() {
        RawResponse r = Curl.response("-i", "-r", "0-9", server.url("/file.txt"));
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.body()).isEqualTo("0123456789");
        assertThat(r.header("Content-Length")).isEqualTo("10");
        assertThat(r.header("Content-Range")).isEqualTo("bytes 0-9/20");
        assertThat(r.header("Content-Type")).isEqualTo("text/plain");

        HttpResponse<String> suffix = Http.send(Http.request(server.port(), "/file.txt")
                .header("Range", "bytes=-3").GET().build());
        assertThat(suffix.statusCode()).isEqualTo(206);
        assertThat(suffix.body()).isEqualTo("hij");
        assertThat(suffix.headers().firstValue("Content-Range")).hasValue("bytes 17-19/20");
    }

    @Test
    void multipleRangesAreMultipartByteranges() {
        HttpResponse<String> r = Http.send(Http.request(server.port(), "/file.txt")
                .header("Range", "bytes=0-1,4-5").GET().build());
        assertThat(r.statusCode()).isEqualTo(206);
        String type = r.headers().firstValue("Content-Type").orElseThrow();
        Matcher m = Pattern.compile("multipart/byteranges; boundary=(\\S+)").matcher(type);
        assertThat(m.matches()).as(type).isTrue();
        String b = m.group(1);
        String expected = "\r\n--" + b + "\r\n"
                + "Content-Type: text/plain\r\n"
                + "Content-Range: bytes 0-1/20\r\n\r\n"
                + "01\r\n--" + b + "\r\n"
                + "Content-Type: text/plain\r\n"
                + "Content-Range: bytes 4-5/20\r\n\r\n"
                + "45\r\n--" + b + "--\r\n";
        assertThat(r.body()).isEqualTo(expected);
        assertThat(r.headers().firstValue("Content-Length")).hasValue(String.valueOf(expected.length()));
    }

    @Test
    void unsatisfiableRangeIs416() {
        RawResponse r = Curl.response("-i", "-r", "100-200", server.url("/file.txt"));
        assertThat(r.status()).isEqualTo(416);
        assertThat(r.header("Content-Range")).isEqualTo("bytes */20");
    }

    @Test
    void headHasHeadersAndNoBody() {
        CommandResult curlHead = Curl.run("-I", server.url("/file.txt"));
        assertThat(curlHead.exitCode()).as(curlHead.toString()).isZero();
        int end = curlHead.stdout().indexOf("\r\n\r\n");
        assertThat(end).as(curlHead.stdout()).isPositive();
        assertThat(curlHead.stdout().substring(end + 4)).as("bytes after the head").isEmpty();
        RawResponse r = RawConnection.parseAll(curlHead.stdout().substring(0, end + 4)
                .replace("Content-Length: 20\r\n", "")).get(0);
        assertThat(r.status()).isEqualTo(200);
        assertThat(curlHead.stdout()).contains("\r\nContent-Length: 20\r\n");
        assertThat(r.header("Content-Type")).isEqualTo("text/plain");
        assertThat(r.header("ETag")).isEqualTo(etag(MTIME, 20));
        assertThat(r.header("Last-Modified")).isEqualTo(httpDate(MTIME));

        // On the wire: nothing follows the head, so the next response starts right after it.
        try (RawConnection c = RawConnection.open(server.port())) {
            c.send("HEAD /file.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    + "GET /data.json HTTP/1.1\r\nHost: localhost\r\n\r\n");
            RawResponse head = c.readHeadResponse();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo("20");
            RawResponse next = c.readResponse();
            assertThat(next.statusLine()).isEqualTo("HTTP/1.1 200 OK");
            assertThat(next.body()).isEqualTo("{}\n");
        }
    }

    @Test
    void directoryWithoutSlashRedirects() {
        RawResponse r = Curl.response("-i", server.url("/dir"));
        assertThat(r.status()).isEqualTo(301);
        assertThat(r.header("Location")).isEqualTo(server.url("/dir/"));

        HttpResponse<String> h = Http.get(server.port(), "/auto/sub");
        assertThat(h.statusCode()).isEqualTo(301);
        assertThat(h.headers().firstValue("Location")).hasValue(server.url("/auto/sub/"));
    }

    @Test
    void unsafeUrisAre400() {
        for (String uri : new String[] {"/../etc/passwd", "/%2e%2e/x", "/a%00b"}) {
            RawResponse r = Curl.response("-i", "--path-as-is", server.url(uri));
            assertThat(r.status()).as(uri).isEqualTo(400);
            assertThat(r.body()).as(uri).doesNotContain("root:");
        }
    }

    @Test
    void missingFileGetsTheCustomPage() {
        RawResponse r = Curl.response("-i", server.url("/no/such/file.txt"));
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.body()).isEqualTo("custom not found\n");
        assertThat(r.header("Content-Type")).isEqualTo("text/html");

        // The internal location cannot be asked for directly: 404, then the same page.
        HttpResponse<String> direct = Http.get(server.port(), "/404.html");
        assertThat(direct.statusCode()).isEqualTo(404);
        assertThat(direct.body()).isEqualTo("custom not found\n");
    }

    @Test
    void indexFileForTheRoot() {
        HttpResponse<String> r = Http.get(server.port(), "/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("<h1>index</h1>\n");
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html");
    }

    @Test
    void aliasInPrefixAndRegexLocations() {
        RawResponse prefixAlias = Curl.response("-i", server.url("/static/hello.txt"));
        assertThat(prefixAlias.status()).isEqualTo(200);
        assertThat(prefixAlias.body()).isEqualTo("hello from alias\n");
        assertThat(prefixAlias.header("Content-Type")).isEqualTo("text/plain");

        HttpResponse<String> regexAlias = Http.get(server.port(), "/img/logo.png");
        assertThat(regexAlias.statusCode()).isEqualTo(200);
        assertThat(regexAlias.body()).isEqualTo("not really a png\n");
        assertThat(regexAlias.headers().firstValue("Content-Type")).hasValue("image/png");

        assertThat(Http.get(server.port(), "/static/missing.txt").statusCode()).isEqualTo(404);
    }

    @Test
    void tryFilesFallsBackToTheNamedLocation() {
        HttpResponse<String> found = Http.get(server.port(), "/try/real.txt");
        assertThat(found.statusCode()).isEqualTo(200);
        assertThat(found.body()).isEqualTo("real\n");

        HttpResponse<String> fallback = Http.get(server.port(), "/try/nothing-here");
        assertThat(fallback.statusCode()).isEqualTo(200);
        assertThat(fallback.body()).isEqualTo("fallback");
    }

    @Test
    void autoindexListsTheFiles() {
        HttpResponse<String> r = Http.get(server.port(), "/auto/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html");
        assertThat(r.body()).contains("<title>Index of /auto/</title>")
                .contains("<a href=\"../\">../</a>")
                .contains("<a href=\"alpha.txt\">alpha.txt</a>")
                .contains("<a href=\"beta.html\">beta.html</a>")
                .contains("<a href=\"sub/\">sub/</a>");
        // No autoindex elsewhere: a folder without index.html is forbidden.
        assertThat(Http.get(server.port(), "/dir/").statusCode()).isEqualTo(403);
    }

    @Test
    void bigFileWithSendfile() throws Exception {
        downloadBig("/big.bin");
    }

    @Test
    void bigFileWithoutSendfile() throws Exception {
        downloadBig("/nosendfile/big.bin");
    }

    private void downloadBig(String path) throws Exception {
        Path out = prefix.path("download-" + path.replace('/', '_'));
        CommandResult r = Curl.run("-o", out.toString(), "-w", "%{http_code} %{size_download}", server.url(path));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo("200 " + BIG);
        assertThat(sha256(Files.readAllBytes(out))).isEqualTo(bigSha);
        Files.delete(out);

        HttpResponse<InputStream> h = Http.client().send(Http.request(server.port(), path).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(h.statusCode()).isEqualTo(200);
        assertThat(h.headers().firstValue("Content-Length")).hasValue(String.valueOf(BIG));
        try (InputStream in = h.body()) {
            byte[] body = in.readAllBytes();
            assertThat(body.length).isEqualTo(BIG);
            assertThat(sha256(body)).isEqualTo(bigSha);
        }
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
