package dev.portico.files;

import dev.portico.http.Flow;
import dev.portico.http.HeaderNames;
import dev.portico.http.HttpCoreConf;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.HttpExchange;
import dev.portico.http.RequestProcessor;
import dev.portico.http.ResponseBody;
import dev.portico.log.LogLevel;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * nginx's static handler (ngx_http_static_handler) with what its not-modified
 * and range filters do for a file: 301 for a directory, 404/403 for a missing
 * or forbidden file, 304/412 for conditional requests, 206/416 for ranges,
 * and the file itself, sent with sendfile where the connection allows it.
 * The stat() and open() run on the event loop, as nginx does without aio.
 */
final class StaticHandler {

    private StaticHandler() {
    }

    static Flow handle(HttpExchange x) {
        String method = x.method();
        boolean post = method.equals("POST");
        if (!method.equals("GET") && !method.equals("HEAD") && !post) {
            RequestProcessor.finish(x, 405);
            return Flow.DONE;
        }
        String uri = x.uri();
        if (uri.endsWith("/")) {
            return Flow.NEXT;
        }
        DocumentRoot.Mapped mapped = DocumentRoot.map(x);
        if (mapped == null) {
            RequestProcessor.finish(x, 404);
            return Flow.DONE;
        }
        String path = mapped.path();
        HttpCoreConf core = x.conf().get(HttpCoreModule.CORE);

        DocumentRoot.Stat stat = DocumentRoot.stat(path);
        if (!stat.ok()) {
            return openFailed(x, core, path, stat.error());
        }
        if (stat.isDirectory()) {
            String args = x.args();
            String location = uri + "/" + (args != null && !args.isEmpty() ? "?" + args : "");
            x.responseHeaders().set(HeaderNames.LOCATION, wire(location));
            RequestProcessor.finish(x, 301);
            return Flow.DONE;
        }
        if (!stat.isRegularFile()) {
            RequestProcessor.logError(x, LogLevel.CRIT, "\"" + path + "\" is not a regular file");
            RequestProcessor.finish(x, 404);
            return Flow.DONE;
        }
        if (post) {
            RequestProcessor.finish(x, 405);
            return Flow.DONE;
        }
        x.discardRequestBody();

        FileChannel file;
        try {
            file = FileChannel.open(Path.of(path), StandardOpenOption.READ);
        } catch (IOException e) {
            return openFailed(x, core, path, DocumentRoot.Errno.of(e));
        }
        long size;
        try {
            size = file.size();
        } catch (IOException e) {
            close(file);
            RequestProcessor.logError(x, LogLevel.CRIT, "fstat() \"" + path + "\" failed"
                    + DocumentRoot.Errno.of(e).describe());
            RequestProcessor.finish(x, 500);
            return Flow.DONE;
        }
        long mtime = Math.floorDiv(stat.attributes().lastModifiedTime().toMillis(), 1000L);
        send(x, core, file, size, mtime);
        return Flow.DONE;
    }

    private static void send(HttpExchange x, HttpCoreConf core, FileChannel file, long size, long mtime) {
        FilesConf conf = x.conf().get(FilesModule.FILES);
        String etag = conf.etag() ? ETag.of(mtime, size) : null;
        String type = core.contentTypeFor(x.uri());
        HttpHeaders in = x.requestHeaders();
        HttpHeaders out = x.responseHeaders();
        // A file sent as an error page keeps the error's status: the not-modified
        // and range filters only look at 200 responses.
        boolean plain = x.errorPageStatus() == 0;

        if (plain) {
            ConditionalRequest.Decision decision = ConditionalRequest.evaluate(
                    in.get(HttpHeaderNames.IF_MODIFIED_SINCE), in.get(HttpHeaderNames.IF_UNMODIFIED_SINCE),
                    in.get(HttpHeaderNames.IF_NONE_MATCH), in.get(HttpHeaderNames.IF_MATCH),
                    mtime, etag, conf.ifModifiedSince());
            if (decision == ConditionalRequest.Decision.PRECONDITION_FAILED) {
                close(file);
                RequestProcessor.finish(x, 412);
                return;
            }
            if (decision == ConditionalRequest.Decision.NOT_MODIFIED) {
                close(file);
                out.set(HeaderNames.LAST_MODIFIED, HttpDates.formatSeconds(mtime));
                if (etag != null) {
                    out.set(HeaderNames.ETAG, etag);
                }
                RequestProcessor.send(x, 304, ResponseBody.EMPTY);
                return;
            }
        }

        ByteRanges.Result ranges = plain
                ? ByteRanges.evaluate(in.get(HttpHeaderNames.RANGE), in.get(HttpHeaderNames.IF_RANGE), size, mtime,
                        etag, conf.maxRanges())
                : ByteRanges.Result.NONE;
        if (ranges.kind() == ByteRanges.Kind.NOT_SATISFIABLE) {
            close(file);
            out.set(HeaderNames.CONTENT_RANGE, ByteRanges.unsatisfiableContentRange(size));
            RequestProcessor.finish(x, 416);
            return;
        }

        if (!out.contains(HeaderNames.CONTENT_TYPE)) {
            // nginx's ngx_http_set_content_type keeps a type already set (an X-Accel-Redirect's).
            out.set(HeaderNames.CONTENT_TYPE, type);
        }
        out.set(HeaderNames.LAST_MODIFIED, HttpDates.formatSeconds(mtime));
        if (etag != null) {
            out.set(HeaderNames.ETAG, etag);
        }
        if (ranges.kind() == ByteRanges.Kind.NONE) {
            out.set(HeaderNames.ACCEPT_RANGES, "bytes");
            RequestProcessor.send(x, 200, new ResponseBody.FileSlice(file, 0, size, true));
            return;
        }
        if (!ranges.isMultipart()) {
            ByteRanges.Range r = ranges.ranges().get(0);
            out.set(HeaderNames.CONTENT_RANGE, r.contentRange(size));
            RequestProcessor.send(x, 206, new ResponseBody.FileSlice(file, r.first(), r.length(), true));
            return;
        }
        MultipartByteranges multipart = new MultipartByteranges(MultipartByteranges.nextBoundary(), type, size,
                ranges.ranges());
        out.set(HeaderNames.CONTENT_TYPE, multipart.responseContentType());
        List<ResponseBody> parts = new ArrayList<>(ranges.ranges().size() * 2 + 1);
        List<ByteRanges.Range> list = ranges.ranges();
        for (int i = 0; i < list.size(); i++) {
            ByteRanges.Range r = list.get(i);
            parts.add(new ResponseBody.Bytes(Unpooled.wrappedBuffer(multipart.partHeader(r))));
            // The parts share one open file; the last one closes it once written.
            parts.add(new ResponseBody.FileSlice(file, r.first(), r.length(), i == list.size() - 1));
        }
        parts.add(new ResponseBody.Bytes(Unpooled.wrappedBuffer(multipart.closingDelimiter())));
        RequestProcessor.send(x, 206, new ResponseBody.Parts(parts));
    }

    /** nginx's answer to a failed open(): 404, 403 or 500, logged as "open() "path" failed (errno)". */
    private static Flow openFailed(HttpExchange x, HttpCoreConf core, String path, DocumentRoot.Errno error) {
        int status;
        LogLevel level = LogLevel.ERROR;
        if (error.notFound()) {
            status = 404;
        } else if (error == DocumentRoot.Errno.EACCES || error == DocumentRoot.Errno.ELOOP) {
            status = 403;
        } else {
            status = 500;
            level = LogLevel.CRIT;
        }
        if (status != 404 || core.logNotFound()) {
            RequestProcessor.logError(x, level, "open() \"" + path + "\" failed" + error.describe());
        }
        RequestProcessor.finish(x, status);
        return Flow.DONE;
    }

    /**
     * A header value carrying the URI's bytes as they are (one char per byte),
     * as nginx copies the URI into the Location header without escaping it.
     */
    static String wire(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) > 0x7e) {
                return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
            }
        }
        return text;
    }

    private static void close(FileChannel file) {
        try {
            file.close();
        } catch (IOException ignored) {
            // A read-only file: nothing is lost.
        }
    }
}
