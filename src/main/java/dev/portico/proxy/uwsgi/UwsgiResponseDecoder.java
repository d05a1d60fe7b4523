package dev.portico.proxy.uwsgi;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A uwsgi application's answer, decoded into Netty's HttpResponse, HttpContent and
 * LastHttpContent. uWSGI answers with an HTTP status line and headers; the body runs to
 * Content-Length, through chunked coding, or until the connection closes (then a
 * LastHttpContent marks the end). A 1xx head other than 101 is followed by the real head;
 * after a 101 the bytes pass through as they come; after the end of the response, bytes
 * are dropped (one response per connection).
 *
 * <p>As nginx reads it (ngx_http_uwsgi_process_status_line): the whole head, blank line
 * included, must fit in uwsgi_buffer_size, else the message fails with a
 * {@link TooLongHttpHeaderException} ("upstream sent too big header"). A head that does not
 * start with "HTTP/" is read as CGI headers: the status comes from a "Status" header (its
 * first three characters, which must be digits), else 302 with a Location header, else 200.
 * Either way the status has exactly three digits and is at least 100.
 * Anything else malformed fails the message (its decoder result) with Netty's cause, or an
 * {@link InvalidStatusException} for a bad Status header, and the rest of the connection is
 * dropped. A head cut short by the connection closing yields nothing: the engine sees the
 * close ("upstream prematurely closed connection").
 */
public final class UwsgiResponseDecoder extends HttpResponseDecoder {

    /** A "Status" header whose value does not start with a three-digit code. */
    public static final class InvalidStatusException extends DecoderException {
        public InvalidStatusException(String value) {
            super("upstream sent invalid status \"" + value + "\"");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /** Put before a head without a status line, so that Netty's parser reads it; the status is set after. */
    private static final byte[] CGI_STATUS_LINE = "HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HTTP = "HTTP/".getBytes(StandardCharsets.US_ASCII);

    private enum State {
        /** Collecting a head until it is whole (nothing read yet). */
        HEAD,
        /** Netty's decoder reads the body of the head it was given. */
        BODY,
        /** After a 101: bytes pass through. */
        UPGRADED,
        /** The response is complete, or refused: whatever else comes is dropped. */
        DONE
    }

    private final int headLimit;
    private State state = State.HEAD;
    /** Where the head's unscanned line starts, from the buffer's reader index (nothing is read before the head is whole). */
    private int lineStart;
    /** The head being read is 1xx (not 101): another head follows its end. */
    private boolean informational;
    private boolean switching;

    /** @param headLimit uwsgi_buffer_size: the largest head accepted, in bytes */
    public UwsgiResponseDecoder(int headLimit) {
        super(new HttpDecoderConfig()
                .setMaxInitialLineLength(headLimit + CGI_STATUS_LINE.length)
                .setMaxHeaderSize(headLimit + CGI_STATUS_LINE.length)
                .setMaxChunkSize(16 * 1024)
                // nginx takes a bare LF as a line end in an upstream's head.
                .setStrictLineParsing(false));
        if (headLimit < 1) {
            throw new IllegalArgumentException("head limit " + headLimit);
        }
        this.headLimit = headLimit;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        int first = out.size();
        switch (state) {
            case DONE -> in.skipBytes(in.readableBytes());
            case BODY, UPGRADED -> super.decode(ctx, in, out);
            case HEAD -> decodeHead(ctx, in, out);
        }
        follow(out, first);
    }

    private void decodeHead(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        int headLength = headLength(in);
        if (headLength < 0) {
            if (in.readableBytes() >= headLimit) {
                fail(in, out, new TooLongHttpHeaderException(
                        "upstream sent too big header: no end of the head in " + headLimit + " bytes"));
            }
            return;
        }
        lineStart = 0;
        state = State.BODY;
        if (startsWithHttp(in)) {
            String bad = statusLineProblem(in, headLength);
            if (bad != null) {
                fail(in, out, new IllegalArgumentException("invalid status line: " + bad));
                return;
            }
            super.decode(ctx, in, out);
            return;
        }
        ByteBuf head = ctx.alloc().buffer(CGI_STATUS_LINE.length + headLength);
        try {
            head.writeBytes(CGI_STATUS_LINE).writeBytes(in, headLength);
            int first = out.size();
            super.decode(ctx, head, out);
            if (out.size() > first && out.get(first) instanceof HttpResponse response
                    && response.decoderResult().isSuccess()) {
                String bad = applyCgiStatus(response);
                if (bad != null) {
                    while (out.size() > first) {
                        ReferenceCountUtil.release(out.remove(out.size() - 1));
                    }
                    fail(in, out, new InvalidStatusException(bad));
                }
            }
        } finally {
            head.release();
        }
    }

    /** Follows what was decoded: another head after a 1xx, raw bytes after a 101, nothing after the end. */
    private void follow(List<Object> out, int first) {
        for (int i = first; i < out.size(); i++) {
            Object msg = out.get(i);
            if (msg instanceof HttpResponse response) {
                if (response.decoderResult().isFailure()) {
                    state = State.DONE;
                    return;
                }
                int code = response.status().code();
                informational = code >= 100 && code < 200 && code != 101;
                switching = code == 101;
            }
            if (msg instanceof LastHttpContent last) {
                if (last.decoderResult().isFailure()) {
                    state = State.DONE;
                } else if (informational) {
                    informational = false;
                    state = State.HEAD;
                } else {
                    state = switching ? State.UPGRADED : State.DONE;
                }
            }
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (state == State.BODY || state == State.UPGRADED) {
            int first = out.size();
            super.decodeLast(ctx, in, out);
            follow(out, first);
            return;
        }
        // A head cut short, or the end already seen: nothing to report beyond the close itself.
        in.skipBytes(in.readableBytes());
    }

    /**
     * The length of the head (through its blank line) when the whole of it is in {@code in}
     * within the limit, else -1. Lines end with LF, a CR before it optional.
     */
    private int headLength(ByteBuf in) {
        int base = in.readerIndex();
        int end = base + Math.min(in.readableBytes(), headLimit);
        int from = base + lineStart;
        while (from < end) {
            int lf = in.indexOf(from, end, (byte) '\n');
            if (lf < 0) {
                return -1;
            }
            int contentLength = lf - from;
            if (contentLength > 0 && in.getByte(lf - 1) == '\r') {
                contentLength--;
            }
            from = lf + 1;
            lineStart = from - base;
            if (contentLength == 0) {
                return lineStart;
            }
        }
        return -1;
    }

    private static boolean startsWithHttp(ByteBuf in) {
        if (in.readableBytes() < HTTP.length) {
            return false;
        }
        for (int i = 0; i < HTTP.length; i++) {
            if (in.getByte(in.readerIndex() + i) != HTTP[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * What is wrong with the status line, or null: as ngx_http_parse_status_line, exactly three
     * digits after the version and its spaces, then a space or the end of the line (Netty alone
     * would take "20200" or "+200"); and at least 100.
     */
    private static String statusLineProblem(ByteBuf in, int headLength) {
        int i = in.readerIndex() + HTTP.length;
        int end = in.readerIndex() + headLength;
        while (i < end && in.getByte(i) != ' ' && in.getByte(i) != '\n') {
            i++;
        }
        while (i < end && in.getByte(i) == ' ') {
            i++;
        }
        if (i + 3 >= end || !isDigit((char) in.getByte(i)) || !isDigit((char) in.getByte(i + 1))
                || !isDigit((char) in.getByte(i + 2))) {
            return "no three-digit status";
        }
        byte after = in.getByte(i + 3);
        if (after != ' ' && after != '\r' && after != '\n') {
            return "no three-digit status";
        }
        if (in.getByte(i) == '0') {
            return "status below 100";
        }
        return null;
    }

    /** Sets the status of a CGI-style head as nginx does; returns the bad Status value, or null. */
    private static String applyCgiStatus(HttpResponse response) {
        String status = response.headers().get("Status");
        if (status == null) {
            if (response.headers().contains(HttpHeaderNames.LOCATION)) {
                response.setStatus(HttpResponseStatus.valueOf(302, "Moved Temporarily"));
            }
            return null;
        }
        if (status.length() < 3 || !isDigit(status.charAt(0)) || !isDigit(status.charAt(1))
                || !isDigit(status.charAt(2)) || status.charAt(0) == '0') {
            return status;
        }
        int code = Integer.parseInt(status.substring(0, 3));
        String reason = status.substring(3).trim();
        response.setStatus(reason.isEmpty() ? HttpResponseStatus.valueOf(code)
                : HttpResponseStatus.valueOf(code, reason));
        return null;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private void fail(ByteBuf in, List<Object> out, Exception cause) {
        state = State.DONE;
        in.skipBytes(in.readableBytes());
        HttpMessage invalid = createInvalidMessage();
        invalid.setDecoderResult(DecoderResult.failure(cause));
        out.add(invalid);
    }
}
