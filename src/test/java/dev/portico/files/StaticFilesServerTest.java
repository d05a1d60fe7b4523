package dev.portico.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portico.core.Snapshot;
import dev.portico.log.ErrorLog;
import dev.portico.log.LogLevel;
import dev.portico.server.HttpServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Static files through the real server: a configuration file is loaded into a
 * snapshot, the server listens on a free loopback port, and requests go out
 * on plain sockets so that the bytes on the wire are what is checked.
 */
class StaticFilesServerTest {

    @TempDir
    static Path dir;

    private static HttpServer server;
    private static Snapshot snapshot;
    private static int port;
    private static Path www;
    private static Path errorLog;
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
    private static final Handler LEAK_HANDLER = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getMessage() != null && record.getMessage().contains("LEAK")) {
                LEAKS.add(record.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    /** 26 bytes, so ranges are easy to check by eye. */
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz";
    private static final long MTIME = 1_700_000_000L;

    @BeforeAll
    static void start() throws Exception {
        Logger.getLogger("io.netty.util.ResourceLeakDetector").addHandler(LEAK_HANDLER);
        www = Files.createDirectories(dir.resolve("www"));
        Files.writeString(www.resolve("index.html"), "<p>home</p>\n");
        Path alpha = Files.writeString(www.resolve("alpha.txt"), ALPHABET);
        Files.setLastModifiedTime(alpha, FileTime.from(Instant.ofEpochSecond(MTIME)));
        Files.writeString(www.resolve("data.tst"), "test type");
        Files.writeString(www.resolve("noext"), "no extension");
        Files.createDirectories(www.resolve("sub"));
        Files.writeString(www.resolve("sub/index.html"), "sub index");
        Files.createDirectories(www.resolve("empty"));
        Files.createDirectories(www.resolve("idx"));
        Files.writeString(www.resolve("idx/second.html"), "second index");
        Files.createDirectories(www.resolve("auto/folder"));
        Files.writeString(www.resolve("auto/b.txt"), "bee");
        Files.writeString(www.resolve("auto/a & <b>.txt"), "odd name");
        Files.writeString(www.resolve("auto/.hidden"), "hidden");
        Files.createDirectories(www.resolve("tf/dir"));
        Files.writeString(www.resolve("tf/there.txt"), "try files hit");
        Files.createDirectories(www.resolve("tfn"));
        Files.createDirectories(www.resolve("vars"));
        Files.createDirectories(www.resolve("nolog"));
        Files.writeString(www.resolve("noetag.txt"), "no etag");
        Files.createDirectories(dir.resolve("fallback/tfn"));
        Files.writeString(dir.resolve("fallback/tfn/missing.txt"), "from the named location");
        Files.createDirectories(dir.resolve("pictures"));
        Files.writeString(dir.resolve("pictures/pic.txt"), "aliased");
        Files.writeString(dir.resolve("secret.txt"), "outside the alias");
        Files.createSymbolicLink(dir.resolve("link"), www);

        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        errorLog = dir.resolve("error.log");
        Path conf = Files.writeString(dir.resolve("portico.conf"), """
                events { }
                http {
                    error_log %1$s info;
                    types {
                        text/html   html;
                        text/plain  txt;
                        application/x-portico-test tst;
                    }
                    default_type application/octet-stream;
                    sendfile on;

                    server {
                        listen 127.0.0.1:%2$d;
                        server_name files.test;
                        root %3$s/www;

                        location / { }
                        location /nolog/ { log_not_found off; }
                        location /idx/ { index missing.html second.html; }
                        location /auto/ { autoindex on; }
                        location /tf/ { try_files $uri $uri/ =404; }
                        location /tfn/ { try_files $uri @fallback; }
                        location @fallback { root %3$s/fallback; }
                        location /img/ { alias %3$s/pictures/; }
                        location /esc { alias %3$s/pictures/; }
                        location ~ ^/rx/(.+\\.txt)$ { alias %3$s/pictures/$1; }
                        location = /noetag.txt { etag off; }
                        location /maxr/ { max_ranges 1; alias %3$s/www/; }
                        location /nosendfile/ { sendfile off; alias %3$s/www/; }
                        location /before/ { if_modified_since before; alias %3$s/www/; }
                        location /show/ {
                            root %3$s/link;
                            error_page 404 = "/vars?dr=$document_root&rr=$realpath_root&rf=$request_filename";
                        }
                    }
                }
                """.formatted(errorLog, port, dir));
        // A prefix has a logs/ folder, where the default access log goes.
        java.nio.file.Files.createDirectories(dir.resolve("logs"));
        snapshot = Snapshot.load(dir, Snapshot.Source.file(conf), null, new ErrorLog.Sink(null, LogLevel.ERROR));
        snapshot.prepare();
        server = new HttpServer(1, 64);
        server.start(snapshot.http());
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.stopNow();
        }
        if (snapshot != null) {
            snapshot.close();
        }
        // Give the leak detector a chance to see anything the server dropped.
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            for (ByteBuf b : new ByteBuf[] {PooledByteBufAllocator.DEFAULT.buffer(16),
                    UnpooledByteBufAllocator.DEFAULT.buffer(16)}) {
                b.release();
            }
        }
        Logger.getLogger("io.netty.util.ResourceLeakDetector").removeHandler(LEAK_HANDLER);
        assertThat(LEAKS).as("buffer leaks reported by Netty").isEmpty();
    }

    private static String log() throws Exception {
        return Files.exists(errorLog) ? Files.readString(errorLog) : "";
    }

    private static void awaitLog(String fragment) {
        await().atMost(Duration.ofSeconds(5)).until(() -> log().contains(fragment));
    }

    private static String etagOf(long mtime, long size) {
        return "\"" + Long.toHexString(mtime) + "-" + Long.toHexString(size) + "\"";
    }

    // ---- plain files ----

    @Test
    void servesAFileWithNginxHeaders() throws Exception {
        RawHttp.Response r = RawHttp.get(port, "/alpha.txt");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo(ALPHABET);
        assertThat(r.header("Content-Type")).isEqualTo("text/plain");
        assertThat(r.header("Content-Length")).isEqualTo("26");
        assertThat(r.header("Last-Modified")).isEqualTo(HttpDates.formatSeconds(MTIME));
        assertThat(r.header("ETag")).isEqualTo(etagOf(MTIME, 26));
        assertThat(r.header("Accept-Ranges")).isEqualTo("bytes");
        assertThat(r.headerNames()).containsSubsequence("Content-Type", "Content-Length", "Last-Modified",
                "Connection", "ETag", "Accept-Ranges");
    }

    @Test
    void contentTypeComesFromTheTypesBlock() throws Exception {
        assertThat(RawHttp.get(port, "/data.tst").header("Content-Type")).isEqualTo("application/x-portico-test");
        assertThat(RawHttp.get(port, "/noext").header("Content-Type")).isEqualTo("application/octet-stream");
        assertThat(RawHttp.get(port, "/index.html").header("Content-Type")).isEqualTo("text/html");
    }

    @Test
    void headGetsTheHeadersOnly() throws Exception {
        RawHttp.Response r = RawHttp.request(port, "HEAD", "/alpha.txt");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Length")).isEqualTo("26");
        assertThat(r.header("ETag")).isEqualTo(etagOf(MTIME, 26));
        assertThat(r.body()).isEmpty();
    }

    @Test
    void etagOffSendsNoEtag() throws Exception {
        RawHttp.Response r = RawHttp.get(port, "/noetag.txt");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("ETag")).isNull();
        assertThat(r.header("Last-Modified")).isNotNull();
    }

    @Test
    void methodsOtherThanGetAndHeadAreNotAllowed() throws Exception {
        assertThat(RawHttp.request(port, "POST", "/alpha.txt", "Content-Length: 0").status()).isEqualTo(405);
        assertThat(RawHttp.request(port, "PUT", "/alpha.txt", "Content-Length: 0").status()).isEqualTo(405);
        assertThat(RawHttp.request(port, "DELETE", "/empty/").status()).isEqualTo(405);
    }

    // ---- not found, forbidden, directories ----

    @Test
    void missingFileIs404AndLogged() throws Exception {
        RawHttp.Response r = RawHttp.get(port, "/missing.txt");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.header("Content-Type")).isEqualTo("text/html");
        assertThat(r.text()).contains("<title>404 Not Found</title>");
        awaitLog("[error] ");
        awaitLog("open() \"" + www + "/missing.txt\" failed (2: No such file or directory), client: 127.0.0.1,"
                + " server: files.test, request: \"GET /missing.txt HTTP/1.1\", host: \"files.test\"");
    }

    @Test
    void logNotFoundOffKeepsTheLogQuiet() throws Exception {
        assertThat(RawHttp.get(port, "/nolog/quiet.txt").status()).isEqualTo(404);
        // A later logged request proves the writer has caught up.
        assertThat(RawHttp.get(port, "/after-quiet.txt").status()).isEqualTo(404);
        awaitLog("/after-quiet.txt\" failed");
        assertThat(log()).doesNotContain("/nolog/quiet.txt");
    }

    @Test
    void aFileUnderAFileIsNotFound() throws Exception {
        assertThat(RawHttp.get(port, "/alpha.txt/x").status()).isEqualTo(404);
        awaitLog("open() \"" + www + "/alpha.txt/x\" failed (20: Not a directory)");
    }

    @Test
    void unreadableFileIs403() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse("root".equals(System.getProperty("user.name")),
                "permissions do not apply to root");
        Path locked = Files.writeString(www.resolve("locked.txt"), "secret");
        locked.toFile().setReadable(false, false);
        RawHttp.Response r = RawHttp.get(port, "/locked.txt");
        assertThat(r.status()).isEqualTo(403);
        awaitLog("open() \"" + locked + "\" failed (13: Permission denied)");
    }

    @Test
    void directoryWithoutSlashIsRedirected() throws Exception {
        RawHttp.Response r = RawHttp.get(port, "/sub");
        assertThat(r.status()).isEqualTo(301);
        assertThat(r.header("Location")).isEqualTo("http://files.test:" + port + "/sub/");
        assertThat(r.text()).contains("<title>301 Moved Permanently</title>");

        RawHttp.Response withArgs = RawHttp.get(port, "/sub?a=1&b=2");
        assertThat(withArgs.header("Location")).isEqualTo("http://files.test:" + port + "/sub/?a=1&b=2");
    }

    @Test
    void indexFileIsServedThroughAnInternalRedirect() throws Exception {
        RawHttp.Response r = RawHttp.get(port, "/");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("<p>home</p>\n");
        assertThat(r.header("Content-Type")).isEqualTo("text/html");

        assertThat(RawHttp.get(port, "/sub/").text()).isEqualTo("sub index");
        // The first index that exists wins.
        assertThat(RawHttp.get(port, "/idx/").text()).isEqualTo("second index");
    }

    @Test
    void directoryWithoutIndexIsForbidden() throws Exception {
        RawHttp.Response r = RawHttp.get(port, "/empty/");
        assertThat(r.status()).isEqualTo(403);
        awaitLog("directory index of \"" + www + "/empty/\" is forbidden");
    }

    @Test
    void missingDirectoryIsNotFound() throws Exception {
        RawHttp.Response r = RawHttp.get(port, "/nodir/");
        assertThat(r.status()).isEqualTo(404);
        awaitLog("\"" + www + "/nodir/index.html\" is not found (2: No such file or directory)");
    }

    // ---- conditional requests ----

    @Test
    void matchingEtagOrDateGives304WithoutBody() throws Exception {
        RawHttp.Response byEtag = RawHttp.get(port, "/alpha.txt", "If-None-Match: " + etagOf(MTIME, 26));
        assertThat(byEtag.status()).isEqualTo(304);
        assertThat(byEtag.body()).isEmpty();
        assertThat(byEtag.header("Content-Type")).isNull();
        assertThat(byEtag.header("Content-Length")).isNull();
        assertThat(byEtag.header("Accept-Ranges")).isNull();
        assertThat(byEtag.header("ETag")).isEqualTo(etagOf(MTIME, 26));
        assertThat(byEtag.header("Last-Modified")).isEqualTo(HttpDates.formatSeconds(MTIME));

        RawHttp.Response byDate = RawHttp.get(port, "/alpha.txt",
                "If-Modified-Since: " + HttpDates.formatSeconds(MTIME));
        assertThat(byDate.status()).isEqualTo(304);

        // if_modified_since exact: a later date is not a match.
        RawHttp.Response later = RawHttp.get(port, "/alpha.txt",
                "If-Modified-Since: " + HttpDates.formatSeconds(MTIME + 60));
        assertThat(later.status()).isEqualTo(200);
        assertThat(later.text()).isEqualTo(ALPHABET);

        RawHttp.Response otherTag = RawHttp.get(port, "/alpha.txt", "If-None-Match: \"other\"");
        assertThat(otherTag.status()).isEqualTo(200);
    }

    @Test
    void ifModifiedSinceBeforeAcceptsLaterDates() throws Exception {
        RawHttp.Response r = RawHttp.get(port, "/before/alpha.txt",
                "If-Modified-Since: " + HttpDates.formatSeconds(MTIME + 3600));
        assertThat(r.status()).isEqualTo(304);
        RawHttp.Response earlier = RawHttp.get(port, "/before/alpha.txt",
                "If-Modified-Since: " + HttpDates.formatSeconds(MTIME - 3600));
        assertThat(earlier.status()).isEqualTo(200);
    }

    @Test
    void failedPreconditionGives412() throws Exception {
        RawHttp.Response r = RawHttp.get(port, "/alpha.txt", "If-Match: \"nope\"");
        assertThat(r.status()).isEqualTo(412);
        assertThat(r.text()).contains("<title>412 Precondition Failed</title>");
        assertThat(r.header("ETag")).isNull();
        assertThat(RawHttp.get(port, "/alpha.txt",
                "If-Unmodified-Since: " + HttpDates.formatSeconds(MTIME - 1)).status()).isEqualTo(412);
        assertThat(RawHttp.get(port, "/alpha.txt", "If-Match: " + etagOf(MTIME, 26)).status()).isEqualTo(200);
    }

    // ---- ranges ----

    @Test
    void singleRange() throws Exception {
        RawHttp.Response r = RawHttp.get(port, "/alpha.txt", "Range: bytes=2-5");
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.text()).isEqualTo("cdef");
        assertThat(r.header("Content-Range")).isEqualTo("bytes 2-5/26");
        assertThat(r.header("Content-Length")).isEqualTo("4");
        assertThat(r.header("Content-Type")).isEqualTo("text/plain");
        assertThat(r.header("Accept-Ranges")).isNull();

        RawHttp.Response suffix = RawHttp.get(port, "/alpha.txt", "Range: bytes=-3");
        assertThat(suffix.text()).isEqualTo("xyz");
        assertThat(suffix.header("Content-Range")).isEqualTo("bytes 23-25/26");
    }

    @Test
    void multipleRangesAreAMultipartBody() throws Exception {
        RawHttp.Response r = RawHttp.get(port, "/alpha.txt", "Range: bytes=0-1,4-6,-2");
        assertThat(r.status()).isEqualTo(206);
        String type = r.header("Content-Type");
        assertThat(type).startsWith("multipart/byteranges; boundary=");
        String boundary = type.substring("multipart/byteranges; boundary=".length());
        assertThat(boundary).hasSize(20).containsOnlyDigits();
        String expected = "\r\n--" + boundary + "\r\n"
                + "Content-Type: text/plain\r\n"
                + "Content-Range: bytes 0-1/26\r\n\r\n"
                + "ab"
                + "\r\n--" + boundary + "\r\n"
                + "Content-Type: text/plain\r\n"
                + "Content-Range: bytes 4-6/26\r\n\r\n"
                + "efg"
                + "\r\n--" + boundary + "\r\n"
                + "Content-Type: text/plain\r\n"
                + "Content-Range: bytes 24-25/26\r\n\r\n"
                + "yz"
                + "\r\n--" + boundary + "--\r\n";
        assertThat(r.text()).isEqualTo(expected);
        assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(expected.length()));
    }

    @Test
    void rangesWithoutSendfileReadTheFileInChunks() throws Exception {
        RawHttp.Response whole = RawHttp.get(port, "/nosendfile/alpha.txt");
        assertThat(whole.text()).isEqualTo(ALPHABET);
        RawHttp.Response r = RawHttp.get(port, "/nosendfile/alpha.txt", "Range: bytes=1-2,20-");
        assertThat(r.status()).isEqualTo(206);
        String boundary = r.header("Content-Type").substring("multipart/byteranges; boundary=".length());
        assertThat(r.text()).isEqualTo("\r\n--" + boundary + "\r\nContent-Type: text/plain\r\n"
                + "Content-Range: bytes 1-2/26\r\n\r\nbc"
                + "\r\n--" + boundary + "\r\nContent-Type: text/plain\r\n"
                + "Content-Range: bytes 20-25/26\r\n\r\nuvwxyz"
                + "\r\n--" + boundary + "--\r\n");
    }

    @Test
    void maxRangesOneSendsTheWholeFileForSeveralRanges() throws Exception {
        RawHttp.Response r = RawHttp.get(port, "/maxr/alpha.txt", "Range: bytes=0-1,4-6");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo(ALPHABET);
        assertThat(RawHttp.get(port, "/maxr/alpha.txt", "Range: bytes=0-1").status()).isEqualTo(206);
    }

    @Test
    void unsatisfiableRangeIs416() throws Exception {
        RawHttp.Response r = RawHttp.get(port, "/alpha.txt", "Range: bytes=100-200");
        assertThat(r.status()).isEqualTo(416);
        assertThat(r.header("Content-Range")).isEqualTo("bytes */26");
        assertThat(r.header("Content-Type")).isEqualTo("text/html");
        assertThat(r.text()).contains("<title>416 Requested Range Not Satisfiable</title>");
        assertThat(r.header("ETag")).isNull();
        assertThat(r.header("Last-Modified")).isNull();
    }

    @Test
    void ifRangeDecidesBetweenPartAndWhole() throws Exception {
        RawHttp.Response match = RawHttp.get(port, "/alpha.txt", "Range: bytes=0-0",
                "If-Range: " + etagOf(MTIME, 26));
        assertThat(match.status()).isEqualTo(206);
        assertThat(match.text()).isEqualTo("a");
        RawHttp.Response stale = RawHttp.get(port, "/alpha.txt", "Range: bytes=0-0", "If-Range: \"stale\"");
        assertThat(stale.status()).isEqualTo(200);
        assertThat(stale.text()).isEqualTo(ALPHABET);
    }

    // ---- try_files ----

    @Test
    void tryFilesFindsAFileADirectoryOrGivesTheCode() throws Exception {
        RawHttp.Response hit = RawHttp.get(port, "/tf/there.txt");
        assertThat(hit.status()).isEqualTo(200);
        assertThat(hit.text()).isEqualTo("try files hit");

        // "$uri/" finds the folder; the static handler then redirects to the slash form.
        RawHttp.Response folder = RawHttp.get(port, "/tf/dir");
        assertThat(folder.status()).isEqualTo(301);
        assertThat(folder.header("Location")).isEqualTo("http://files.test:" + port + "/tf/dir/");

        RawHttp.Response none = RawHttp.get(port, "/tf/nothing.txt");
        assertThat(none.status()).isEqualTo(404);
        assertThat(none.text()).contains("<title>404 Not Found</title>");
    }

    @Test
    void tryFilesFallsBackToANamedLocation() throws Exception {
        RawHttp.Response r = RawHttp.get(port, "/tfn/missing.txt");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("from the named location");
    }

    // ---- alias ----

    @Test
    void aliasReplacesTheLocationPrefix() throws Exception {
        RawHttp.Response r = RawHttp.get(port, "/img/pic.txt");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("aliased");
    }

    @Test
    void aliasInARegexLocationUsesTheCaptures() throws Exception {
        RawHttp.Response r = RawHttp.get(port, "/rx/pic.txt");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("aliased");
        assertThat(RawHttp.get(port, "/rx/none.txt").status()).isEqualTo(404);
    }

    @Test
    void aliasWithoutSlashCannotClimbOutOfItsFolder() throws Exception {
        // "location /esc { alias .../pictures/; }" would map this to pictures/../secret.txt.
        RawHttp.Response r = RawHttp.get(port, "/esc../secret.txt");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.text()).doesNotContain("outside the alias");
        awaitLog("\"" + dir + "/pictures/../secret.txt\" is outside of the document root");
    }

    // ---- autoindex ----

    @Test
    void autoindexListsTheFolder() throws Exception {
        RawHttp.Response r = RawHttp.get(port, "/auto/");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("text/html");
        String html = new String(r.body(), StandardCharsets.UTF_8);
        assertThat(html).startsWith("<html>\r\n<head><title>Index of /auto/</title></head>\r\n");
        assertThat(html).contains("<a href=\"../\">../</a>\r\n");
        assertThat(html).contains("<a href=\"folder/\">folder/</a>");
        assertThat(html).contains("<a href=\"a%20%26%20%3Cb%3E.txt\">a &amp; &lt;b&gt;.txt</a>");
        assertThat(html).contains("<a href=\"b.txt\">b.txt</a>");
        assertThat(html).doesNotContain(".hidden");
        // Folders first, then names in byte order.
        assertThat(html.indexOf("folder/")).isLessThan(html.indexOf("a%20")).isLessThan(html.indexOf("b.txt"));
        byte[] expected = AutoindexPage.render(AutoindexPage.Format.HTML, "/auto/",
                AutoindexPage.list(www.resolve("auto")), AutoindexPage.Options.DEFAULTS);
        assertThat(r.body()).isEqualTo(expected);
    }

    @Test
    void autoindexOfAMissingFolderIs404() throws Exception {
        assertThat(RawHttp.get(port, "/auto/none/").status()).isEqualTo(404);
        awaitLog("\"" + www + "/auto/none/index.html\" is not found (2: No such file or directory)");
    }

    // ---- variables ----

    @Test
    void rootVariablesAreRendered() throws Exception {
        // The error page target carries the variables into the query of the redirect to /vars/.
        RawHttp.Response r = RawHttp.get(port, "/show/file.txt");
        assertThat(r.status()).isEqualTo(301);
        assertThat(r.header("Location")).isEqualTo("http://files.test:" + port + "/vars/?dr=" + dir + "/link"
                + "&rr=" + www.toRealPath() + "&rf=" + dir + "/link/show/file.txt");
    }

    // ---- request targets that never reach the file system ----

    @Test
    void dotDotAndNulTargetsAreBadRequests() throws Exception {
        assertThat(RawHttp.get(port, "/../secret.txt").status()).isEqualTo(400);
        assertThat(RawHttp.get(port, "/img/../../secret.txt").status()).isEqualTo(400);
        assertThat(RawHttp.get(port, "/%2e%2e/secret.txt").status()).isEqualTo(400);
        assertThat(RawHttp.get(port, "/img/%2E%2E/%2e%2e/secret.txt").status()).isEqualTo(400);
        assertThat(RawHttp.get(port, "/alpha.txt%00.html").status()).isEqualTo(400);
        // Dots that stay inside the root are resolved, as nginx does.
        assertThat(RawHttp.get(port, "/sub/../alpha.txt").text()).isEqualTo(ALPHABET);
    }

    @Test
    void aLargeFileIsSentWhole() throws Exception {
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + 7);
        }
        Files.write(www.resolve("big.bin"), big);
        RawHttp.Response r = RawHttp.get(port, "/big.bin");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(big);
        RawHttp.Response parts = RawHttp.get(port, "/big.bin", "Range: bytes=10-19,2000000-2999999");
        assertThat(parts.status()).isEqualTo(206);
        String boundary = parts.header("Content-Type").substring("multipart/byteranges; boundary=".length());
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(("\r\n--" + boundary + "\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Range: bytes 10-19/" + big.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        expected.write(big, 10, 10);
        expected.write(("\r\n--" + boundary + "\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Range: bytes 2000000-2999999/" + big.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        expected.write(big, 2_000_000, 1_000_000);
        expected.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        assertThat(parts.body()).isEqualTo(expected.toByteArray());
    }
}
