package dev.portico.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * An upstream's HTTP/1.x response, read as nginx reads it: the status line
 * and header lines with nginx's own parsers (ngx_http_parse_status_line,
 * ngx_http_parse_header_line), the header checks of ngx_http_upstream
 * (Content-Length, Transfer-Encoding, headers that may come once), and the
 * body by Content-Length, chunked coding (ngx_http_parse_chunked) or until
 * the connection closes. It yields Netty's HttpResponse / HttpContent /
 * LastHttpContent. What nginx refuses comes out as a message whose decoder
 * result fails with an {@link InvalidResponse} carrying nginx's error-log
 * words ("upstream sent invalid header: ..."); the engine adds where it
 * happened ("while reading response header from upstream").
 *
 * The whole head must fit in {@code headLimit} bytes (proxy_buffer_size).
 * The request side tells, per request, whether it was HEAD
 * ({@link #requestSent}): the response to it has no body.
 */
public final class UpstreamResponseDecoder extends ByteToMessageDecoder {

    /** A response nginx refuses; the message is nginx's error-log text without its "while ..." part. */
    public static final class InvalidResponse extends DecoderException {
        public InvalidResponse(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /** A response head, with the warnings nginx logs about it ("upstream sent duplicate header line ..."). */
    public static final class Head extends DefaultHttpResponse {
        private final List<String> warnings;

        Head(HttpVersion version, HttpResponseStatus status, HttpHeaders headers, List<String> warnings) {
            super(version, status, headers);
            this.warnings = warnings;
        }

        public List<String> warnings() {
            return warnings;
        }
    }

    private enum State { HEAD, FIXED, CHUNKED, UNTIL_CLOSE, DONE }

    /** Headers that may come once: a repeat is logged and dropped (ngx_http_upstream_process_header_line and kin). */
    private static final Set<String> SINGLE = dev.portico.http.HeaderNames.anyCase(List.of("status", "content-type",
            "date", "etag", "server", "location", "refresh", "x-accel-redirect", "last-modified", "expires",
            "x-accel-expires", "x-accel-limit-rate"));

    private final int headLimit;
    /** The request being answered was HEAD; one at a time, as a connection carries one request at a time. */
    private boolean headRequest;
    private State state = State.HEAD;
    private long remaining;
    private ChunkParser chunks = new ChunkParser();

    public UpstreamResponseDecoder(int headLimit) {
        this.headLimit = headLimit;
    }

    /**
     * Readies the decoder of a kept connection for its next response; false when it holds
     * bytes it has not decoded (the connection is not to be used again).
     */
    public boolean reset() {
        if (holdsBytes()) {
            return false;
        }
        state = State.HEAD;
        remaining = 0;
        chunks = new ChunkParser();
        headRequest = false;
        return true;
    }

    /** True when bytes came that are not decoded yet. */
    public boolean holdsBytes() {
        return internalBuffer().isReadable();
    }

    /** A request went out; {@code head} when it was HEAD, whose response has no body. */
    public void requestSent(boolean head) {
        headRequest = head;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case HEAD -> decodeHead(in, out);
            case FIXED -> {
                int n = (int) Math.min(remaining, in.readableBytes());
                if (n > 0) {
                    remaining -= n;
                    out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
                }
                if (remaining == 0) {
                    // More than Content-Length said is dropped in DONE, as nginx drops it; a connection
                    // being kept alive is closed instead when its watch gets those bytes.
                    end(out);
                }
            }
            case CHUNKED -> decodeChunks(in, out);
            case UNTIL_CLOSE -> {
                if (in.isReadable()) {
                    out.add(new DefaultHttpContent(in.readRetainedSlice(in.readableBytes())));
                }
            }
            case DONE -> in.skipBytes(in.readableBytes());
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        decode(ctx, in, out);
        switch (state) {
            case UNTIL_CLOSE -> end(out);
            case FIXED, CHUNKED -> {
                LastHttpContent cut = new DefaultLastHttpContent();
                cut.setDecoderResult(DecoderResult.failure(new PrematureChannelClosureException()));
                out.add(cut);
                state = State.DONE;
            }
            default -> {
                // A head cut short: the engine sees the connection close.
            }
        }
    }

    private void end(List<Object> out) {
        out.add(LastHttpContent.EMPTY_LAST_CONTENT);
        state = State.DONE;
    }

    private void fail(List<Object> out, String reason, boolean inHead) {
        if (inHead) {
            DefaultHttpResponse failed = new DefaultHttpResponse(HttpVersion.HTTP_1_0,
                    HttpResponseStatus.BAD_GATEWAY, new DefaultHttpHeaders(false));
            failed.setDecoderResult(DecoderResult.failure(new InvalidResponse(reason)));
            out.add(failed);
        } else {
            LastHttpContent failed = new DefaultLastHttpContent();
            failed.setDecoderResult(DecoderResult.failure(new InvalidResponse(reason)));
            out.add(failed);
        }
        state = State.DONE;
    }

    // ---- the head ----

    private void decodeHead(ByteBuf in, List<Object> out) {
        HeadParser p = new HeadParser(in, in.readerIndex(), Math.min(in.writerIndex(), in.readerIndex() + headLimit));
        String error = p.parse();
        if (error != null) {
            in.skipBytes(in.readableBytes());
            fail(out, error, true);
            return;
        }
        if (!p.complete) {
            if (in.readableBytes() >= headLimit) {
                in.skipBytes(in.readableBytes());
                fail(out, "upstream sent too big header", true);
            }
            return;
        }
        in.readerIndex(p.end);
        HttpHeaders headers = new DefaultHttpHeaders(false);
        List<String> warnings = List.of();
        long contentLength = -1;
        boolean chunked = false;
        // The headers kept so far answer "seen before?" in any case; the earlier line itself is
        // looked up only for a message.
        for (String[] h : p.headers) {
            String name = h[0];
            if (name.equalsIgnoreCase("content-length")) {
                if (headers.contains(name)) {
                    fail(out, duplicate(h, first(p.headers, name)), true);
                    return;
                }
                if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
                    fail(out, "upstream sent \"Content-Length\" and \"Transfer-Encoding\" headers at the same time",
                            true);
                    return;
                }
                contentLength = parseLength(h[1]);
                if (contentLength < 0) {
                    fail(out, "upstream sent invalid \"Content-Length\" header: \"" + h[0] + ": " + h[1] + "\"",
                            true);
                    return;
                }
            } else if (name.equalsIgnoreCase("transfer-encoding")) {
                if (headers.contains(name)) {
                    fail(out, duplicate(h, first(p.headers, name)), true);
                    return;
                }
                if (headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                    fail(out, "upstream sent \"Content-Length\" and \"Transfer-Encoding\" headers at the same time",
                            true);
                    return;
                }
                if (!h[1].equalsIgnoreCase("chunked")) {
                    fail(out, "upstream sent unknown \"Transfer-Encoding\": \"" + h[1] + "\"", true);
                    return;
                }
                chunked = true;
            } else if (SINGLE.contains(name) && headers.contains(name)) {
                if (warnings.isEmpty()) {
                    warnings = new ArrayList<>(1);
                }
                warnings.add(duplicate(h, first(p.headers, name)) + ", ignored");
                continue;
            }
            headers.add(name, h[1]);
        }
        int code = p.status;
        HttpResponseStatus known = HttpResponseStatus.valueOf(code);
        HttpResponseStatus status = known.reasonPhrase().equals(p.reason) ? known : new HttpResponseStatus(code, p.reason);
        out.add(new Head(p.version, status, headers, warnings));
        if (code >= 100 && code < 200 && code != 101) {
            // An interim response; the final one follows for the same request.
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            return;
        }
        if (headRequest || code == 204 || code == 304) {
            end(out);
        } else if (code == 101) {
            state = State.UNTIL_CLOSE;
        } else if (chunked) {
            state = State.CHUNKED;
        } else if (contentLength == 0) {
            end(out);
        } else if (contentLength > 0) {
            remaining = contentLength;
            state = State.FIXED;
        } else {
            state = State.UNTIL_CLOSE;
        }
    }

    /** The first header line named {@code name} (any case). */
    private static String[] first(List<String[]> headers, String name) {
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                return h;
            }
        }
        throw new IllegalStateException("no header " + name);
    }

    private static String duplicate(String[] h, String[] previous) {
        return "upstream sent duplicate header line: \"" + h[0] + ": " + h[1] + "\", previous value: \""
                + previous[0] + ": " + previous[1] + "\"";
    }

    /** nginx's ngx_atoof: decimal digits only, not empty, no overflow; -1 otherwise. */
    private static long parseLength(String value) {
        if (value.isEmpty()) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9' || n > (Long.MAX_VALUE - (c - '0')) / 10) {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /**
     * nginx's status line and header line parsers over one buffer, from the
     * start each time more bytes come (a head is at most proxy_buffer_size).
     */
    static final class HeadParser {
        private static final int CR = '\r';
        private static final int LF = '\n';

        private final ByteBuf buf;
        private int pos;
        private final int limit;

        boolean complete;
        int end;
        int status;
        String reason = "";
        HttpVersion version;
        final List<String[]> headers = new ArrayList<>();

        HeadParser(ByteBuf buf, int from, int limit) {
            this.buf = buf;
            this.pos = from;
            this.limit = limit;
        }

        /** Parses what there is: null when fine so far (see {@link #complete}), else nginx's reason. */
        String parse() {
            int r = statusLine();
            if (r < 0) {
                return "upstream sent no valid HTTP/1.0 header";
            }
            if (r == 0) {
                return null;
            }
            while (true) {
                r = headerLine();
                if (r == 0) {
                    return null;
                }
                if (r == 2) {
                    complete = true;
                    end = pos;
                    return null;
                }
                if (r < 0) {
                    return invalidHeader;
                }
            }
        }

        private int at(int i) {
            return buf.getByte(i) & 0xff;
        }

        /** ngx_http_parse_status_line: 1 done, 0 more bytes needed, -1 invalid. */
        private int statusLine() {
            int major = 0;
            int minor = 0;
            int code = 0;
            int count = 0;
            int textStart = -1;
            int textEnd = -1;
            int stage = 0; // 0..4 "HTTP/", 5 first major, 6 major, 7 first minor, 8 minor, 9 status,
                           // 10 space after status, 11 text, 12 almost done
            String http = "HTTP/";
            for (int p = pos; p < limit; p++) {
                int ch = at(p);
                switch (stage) {
                    case 0, 1, 2, 3, 4 -> {
                        if (ch != http.charAt(stage)) {
                            return -1;
                        }
                        stage++;
                    }
                    case 5 -> {
                        if (ch < '1' || ch > '9') {
                            return -1;
                        }
                        major = ch - '0';
                        stage = 6;
                    }
                    case 6 -> {
                        if (ch == '.') {
                            stage = 7;
                        } else if (ch < '0' || ch > '9' || major > 99) {
                            return -1;
                        } else {
                            major = major * 10 + ch - '0';
                        }
                    }
                    case 7 -> {
                        if (ch < '0' || ch > '9') {
                            return -1;
                        }
                        minor = ch - '0';
                        stage = 8;
                    }
                    case 8 -> {
                        if (ch == ' ') {
                            stage = 9;
                        } else if (ch < '0' || ch > '9' || minor > 99) {
                            return -1;
                        } else {
                            minor = minor * 10 + ch - '0';
                        }
                    }
                    case 9 -> {
                        if (ch == ' ') {
                            break;
                        }
                        if (ch < '0' || ch > '9') {
                            return -1;
                        }
                        code = code * 10 + ch - '0';
                        if (++count == 3) {
                            stage = 10;
                        }
                    }
                    case 10 -> {
                        if (ch == ' ' || ch == '.') {
                            stage = 11;
                            textStart = p + 1;
                        } else if (ch == CR) {
                            stage = 12;
                        } else if (ch == LF) {
                            return statusDone(p, major, minor, code, textStart, p);
                        } else {
                            return -1;
                        }
                    }
                    case 11 -> {
                        if (ch == CR) {
                            textEnd = p;
                            stage = 12;
                        } else if (ch == LF) {
                            return statusDone(p, major, minor, code, textStart, p);
                        }
                    }
                    default -> {
                        if (ch != LF) {
                            return -1;
                        }
                        return statusDone(p, major, minor, code, textStart, textEnd < 0 ? p - 1 : textEnd);
                    }
                }
            }
            return 0;
        }

        private int statusDone(int p, int major, int minor, int code, int textStart, int textEnd) {
            pos = p + 1;
            status = code;
            if (textEnd - textStart == 2 && textStart >= 0 && at(textStart) == 'O' && at(textStart + 1) == 'K') {
                reason = "OK"; // the usual one, without a string made for it
            } else if (textStart >= 0 && textEnd > textStart) {
                reason = buf.toString(textStart, textEnd - textStart, java.nio.charset.StandardCharsets.ISO_8859_1)
                        .strip();
            }
            version = major == 1 && minor == 1 ? HttpVersion.HTTP_1_1 : major == 1 && minor == 0
                    ? HttpVersion.HTTP_1_0 : new HttpVersion("HTTP", major, minor, false);
            return 1;
        }

        private String invalidHeader;

        /**
         * ngx_http_parse_header_line with underscores allowed, as nginx reads
         * upstream headers: 1 a header, 2 the end of the head, 0 more bytes
         * needed, -1 invalid (with {@link #invalidHeader} set as nginx logs it).
         */
        private int headerLine() {
            int nameStart = pos;
            int nameEnd = -1;
            int valueStart = -1;
            int valueEnd = -1;
            int stage = 0; // 0 start, 1 name, 2 space before value, 3 value, 4 space after value,
                           // 5 ignore line, 6 almost done, 7 head almost done
            for (int p = pos; p < limit; p++) {
                int ch = at(p);
                switch (stage) {
                    case 0 -> {
                        nameStart = p;
                        if (ch == CR) {
                            valueEnd = p;
                            stage = 7;
                        } else if (ch == LF) {
                            pos = p + 1;
                            return 2;
                        } else if (ch <= 0x20 || ch == 0x7f || ch == ':') {
                            return invalid(nameStart, p);
                        } else {
                            stage = 1;
                        }
                    }
                    case 1 -> {
                        if (ch == ':') {
                            nameEnd = p;
                            stage = 2;
                        } else if (ch == CR) {
                            nameEnd = p;
                            valueStart = p;
                            valueEnd = p;
                            stage = 6;
                        } else if (ch == LF) {
                            nameEnd = p;
                            return header(p, nameStart, nameEnd, p, p);
                        } else if (ch == '/' && p - nameStart == 4 && startsWithHttp(nameStart)) {
                            stage = 5; // IIS may send a second "HTTP/1.1 ..." line
                        } else if (ch <= 0x20 || ch == 0x7f) {
                            return invalid(nameStart, p);
                        }
                    }
                    case 2 -> {
                        if (ch == ' ' || ch == '\t') {
                            break;
                        }
                        if (ch == CR) {
                            valueStart = p;
                            valueEnd = p;
                            stage = 6;
                        } else if (ch == LF) {
                            return header(p, nameStart, nameEnd, p, p);
                        } else if (ch == 0) {
                            return invalid(nameStart, p);
                        } else {
                            valueStart = p;
                            stage = 3;
                        }
                    }
                    case 3 -> {
                        if (ch == ' ' || ch == '\t') {
                            valueEnd = p;
                            stage = 4;
                        } else if (ch == CR) {
                            valueEnd = p;
                            stage = 6;
                        } else if (ch == LF) {
                            return header(p, nameStart, nameEnd, valueStart, p);
                        } else if (ch == 0) {
                            return invalid(nameStart, p);
                        }
                    }
                    case 4 -> {
                        if (ch == ' ' || ch == '\t') {
                            break;
                        }
                        if (ch == CR) {
                            stage = 6;
                        } else if (ch == LF) {
                            return header(p, nameStart, nameEnd, valueStart, valueEnd);
                        } else if (ch == 0) {
                            return invalid(nameStart, p);
                        } else {
                            stage = 3;
                        }
                    }
                    case 5 -> {
                        if (ch == LF) {
                            pos = p + 1;
                            return headerLine();
                        }
                    }
                    case 6 -> {
                        if (ch == LF) {
                            return header(p, nameStart, nameEnd, valueStart, valueEnd);
                        }
                        if (ch != CR) {
                            return invalid(nameStart, valueEnd);
                        }
                    }
                    default -> {
                        if (ch != LF) {
                            return invalid(nameStart, valueEnd);
                        }
                        pos = p + 1;
                        return 2;
                    }
                }
            }
            return 0;
        }

        private boolean startsWithHttp(int at) {
            return at(at) == 'H' && at(at + 1) == 'T' && at(at + 2) == 'T' && at(at + 3) == 'P';
        }

        private int header(int lf, int nameStart, int nameEnd, int valueStart, int valueEnd) {
            headers.add(new String[] {text(nameStart, nameEnd), text(valueStart, valueEnd)});
            pos = lf + 1;
            return 1;
        }

        /** nginx's "upstream sent invalid header: "%*s\x%02xd..."": the line up to the bad byte, then that byte. */
        private int invalid(int nameStart, int headerEnd) {
            invalidHeader = "upstream sent invalid header: \"" + text(nameStart, headerEnd)
                    + String.format(Locale.ROOT, "\\x%02x...\"", at(headerEnd));
            return -1;
        }

        private String text(int from, int to) {
            return to <= from ? "" : buf.toString(from, to - from, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    // ---- a chunked body ----

    private void decodeChunks(ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            int r = chunks.parse(in);
            if (r < 0) {
                in.skipBytes(in.readableBytes());
                fail(out, "upstream sent invalid chunked response", false);
                return;
            }
            if (r == 2) {
                // Anything after the final chunk is dropped in DONE, as nginx does (a connection being
                // kept alive is closed instead when its watch gets those bytes).
                end(out);
                return;
            }
            if (r == 1) {
                int n = (int) Math.min(chunks.size, in.readableBytes());
                if (n == 0) {
                    return;
                }
                chunks.size -= n;
                out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
                continue;
            }
            return;
        }
    }

    /** nginx's ngx_http_parse_chunked (trailers skipped): 1 chunk data, 2 done, 0 more bytes, -1 invalid. */
    static final class ChunkParser {
        private static final long MAX = Long.MAX_VALUE;
        private int state;
        long size;

        // states: 0 chunk start, 1 size, 2 extension, 3 extension almost done, 4 data, 5 after data,
        // 6 after data almost done, 7 last extension, 8 last extension almost done, 9 trailer,
        // 10 trailer almost done, 11 trailer header, 12 trailer header almost done
        int parse(ByteBuf in) {
            if (state == 4 && size == 0) {
                state = 5;
            }
            while (in.isReadable()) {
                if (state == 4) {
                    return 1;
                }
                int ch = in.readByte() & 0xff;
                switch (state) {
                    case 0 -> {
                        int d = Character.digit(ch, 16);
                        if (d < 0) {
                            return -1;
                        }
                        size = d;
                        state = 1;
                    }
                    case 1 -> {
                        if (size > MAX / 16) {
                            return -1;
                        }
                        int d = Character.digit(ch, 16);
                        if (d >= 0) {
                            size = size * 16 + d;
                        } else if (ch == '\r') {
                            state = size == 0 ? 8 : 3;
                        } else if (ch == ';' || ch == ' ' || ch == '\t') {
                            state = size == 0 ? 7 : 2;
                        } else {
                            return -1;
                        }
                    }
                    case 2, 7 -> {
                        if (ch == '\r') {
                            state = state == 2 ? 3 : 8;
                        } else if (ch == '\n') {
                            return -1;
                        }
                    }
                    case 3 -> {
                        if (ch != '\n') {
                            return -1;
                        }
                        state = 4;
                        if (size == 0) {
                            state = 5;
                        }
                    }
                    case 5 -> {
                        if (ch != '\r') {
                            return -1;
                        }
                        state = 6;
                    }
                    case 6 -> {
                        if (ch != '\n') {
                            return -1;
                        }
                        state = 0;
                    }
                    case 8 -> {
                        if (ch != '\n') {
                            return -1;
                        }
                        state = 9;
                    }
                    case 9 -> {
                        if (ch == '\r') {
                            state = 10;
                        } else if (ch == '\n') {
                            return -1;
                        } else {
                            state = 11;
                        }
                    }
                    case 10 -> {
                        if (ch != '\n') {
                            return -1;
                        }
                        state = 0;
                        return 2;
                    }
                    case 11 -> {
                        if (ch == '\r') {
                            state = 12;
                        } else if (ch == '\n') {
                            return -1;
                        }
                    }
                    default -> {
                        if (ch != '\n') {
                            return -1;
                        }
                        state = 9;
                    }
                }
            }
            return state == 4 ? 1 : 0;
        }
    }
}
