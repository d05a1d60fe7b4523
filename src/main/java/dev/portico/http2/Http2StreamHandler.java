package dev.portico.http2;

import dev.portico.http.ClientBodySink;
import dev.portico.http.HttpConfig;
import dev.portico.http.HttpConnection;
import dev.portico.http.HttpCoreConf;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.HttpExchange;
import dev.portico.http.ListenSocket;
import dev.portico.http.RequestProcessor;
import dev.portico.http.ResponseBody;
import dev.portico.http.ResponseHeaders;
import dev.portico.http.ResponseWriter;
import dev.portico.http.ServerNames;
import dev.portico.log.LogLevel;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/2 stream: its request runs through the same request pipeline as
 * an HTTP/1.x request ({@link RequestProcessor}), and this is its
 * {@link ResponseWriter}: the head as nginx's ngx_http_v2_header_filter
 * writes it (no Connection, Keep-Alive or Transfer-Encoding), the body in
 * DATA frames of http2_chunk_size, written while the stream's send window
 * allows (the child channel is writable only then), and the request body read
 * only as its consumer takes it, so that the client's window is the back
 * pressure. A stream is one request: what a connection keeps between
 * requests belongs to {@link Http2Session}.
 *
 * <p>It is the stream's only handler, reading and writing Netty's HTTP/2
 * frames itself ({@link Http2RequestDecoder} makes the request): a stream is
 * a child channel of its own, so each handler and each conversion is paid once
 * per request. A body that needs reading from a file piece by piece (larger
 * than one DATA frame) brings in a ChunkedWriteHandler for that stream only.
 */
final class Http2StreamHandler extends ChannelInboundHandlerAdapter implements ResponseWriter {

    private final Http2Session session;
    private final HttpConnection connection;
    private final Http2RequestDecoder decoder;
    private final List<Object> decoded = new ArrayList<>(2);
    private ChannelHandlerContext ctx;
    private HttpExchange current;
    private boolean bodyComplete = true;
    private boolean responded;
    private boolean bodyPaused;
    private boolean readPending;
    private boolean continueSent;
    private boolean opened;
    private ClientBodySink streaming;
    private ScheduledFuture<?> timer;

    Http2StreamHandler(Http2Session session) {
        this.session = session;
        this.connection = session.connection();
        this.decoder = new Http2RequestDecoder(session);
    }

    @Override
    public boolean isSharable() {
        return false; // one per stream; said here to spare Netty's look-up for each stream
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        opened = true;
        session.streamOpened();
        read();
        ctx.fireChannelActive();
    }

    private void read() {
        if (!readPending) {
            readPending = true;
            ctx.read();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        readPending = false;
        if (current == null || (!bodyComplete && !bodyPaused)) {
            read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Http2StreamFrame frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            decoder.decode(frame, decoded);
        } finally {
            ReferenceCountUtil.release(frame);
        }
        // At most two (a request, then the end of its body); taken out first, so that a read
        // the request asks for while it is handled finds the list empty.
        int count = decoded.size();
        if (count == 0) {
            return;
        }
        Object first = decoded.get(0);
        Object second = count > 1 ? decoded.get(1) : null;
        decoded.clear();
        received(first);
        if (second != null) {
            received(second);
        }
    }

    private void received(Object msg) {
        if (msg instanceof HttpRequest request) {
            startRequest(request);
        } else if (msg instanceof HttpContent content) {
            if (current == null || bodyComplete) {
                content.release();
            } else {
                bodyPart(content);
            }
        } else if (msg instanceof Http2ResetFrame reset) {
            clientReset(reset);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void startRequest(HttpRequest request) {
        HttpConfig http = session.host().currentConfig();
        ListenSocket socket = session.socketIn(http);
        if (socket != null && socket != connection.listen()) {
            connection.updateListen(socket); // reloaded: this stream is served by the configuration in force
        }
        HttpExchange x = new HttpExchange(connection, request, http);
        session.requestStarted(x.startMillis());
        x.addRequestLength(headLength(request));
        current = x;
        responded = false;
        bodyComplete = !(HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0);
        ServerNames names = connection.listen().serverNames(
                connection.listen().dependsOnLocalAddress() ? connection.channel().localAddress() : null);
        if (request.decoderResult().isFailure()) {
            RequestProcessor.fail(x, names, this, 400, request.decoderResult().cause().getMessage());
            return;
        }
        if (!bodyComplete) {
            schedule(session.core().clientBodyTimeout(), this::bodyTimedOut);
        }
        RequestProcessor.start(x, names, this);
    }

    /** The request as its HTTP/1.1 text would count it: nginx's $request_length is the header block's size. */
    private static long headLength(HttpRequest r) {
        long n = r.method().name().length() + 1 + r.uri().length() + 11;
        for (Map.Entry<String, String> e : r.headers()) {
            n += e.getKey().length() + 2 + e.getValue().length() + 2;
        }
        return n + 2;
    }

    private void bodyPart(HttpContent content) {
        HttpExchange x = current;
        boolean last = content instanceof LastHttpContent;
        x.addRequestLength(content.content().readableBytes());
        if (x.bodyConsumer() != null && !responded) {
            x.bodyConsumer().onContent(x, content, last);
        } else {
            content.release();
        }
        if (last) {
            bodyComplete = true;
            if (!responded) {
                cancelTimer();
            }
        } else if (!bodyPaused && !responded) {
            HttpCoreConf core = x.conf() != null ? x.conf().get(HttpCoreModule.CORE) : null;
            schedule(core == null ? 60_000 : core.clientBodyTimeout(), this::bodyTimedOut);
        }
    }

    private int streamId() {
        return ((io.netty.handler.codec.http2.Http2StreamChannel) ctx.channel()).stream().id();
    }

    private void clientReset(Http2ResetFrame reset) {
        long code = reset.errorCode();
        int id = streamId();
        String message = code == Http2Error.CANCEL.code() ? "client canceled stream " + id
                : code == Http2Error.REFUSED_STREAM.code() ? "client refused stream " + id
                : code == Http2Error.INTERNAL_ERROR.code() ? "client terminated stream " + id + " due to internal error"
                : "client terminated stream " + id + " with status " + code;
        if (current != null && current.conf() != null) {
            RequestProcessor.logError(current, LogLevel.INFO, message);
        } else {
            session.log(LogLevel.INFO, message);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        if (streaming != null) {
            streaming.closed();
        }
        HttpExchange x = current;
        if (x != null) {
            x.runCleanups();
            if (!responded) {
                // The stream ended before its response: nginx's 499.
                responded = true;
                x.setStatus(499);
                x.markResponseEnd();
                RequestProcessor.log(x);
            }
        }
        if (opened) {
            session.streamForgotten(streamId());
            session.streamClosed();
        }
        ctx.fireChannelInactive();
    }

    // ---- ResponseWriter ----

    @Override
    public void pauseRequestBody(HttpExchange x) {
        if (x == current && !bodyComplete && !bodyPaused) {
            bodyPaused = true;
            if (!responded) {
                cancelTimer();
            }
        }
    }

    @Override
    public void resumeRequestBody(HttpExchange x) {
        if (x == current && bodyPaused) {
            bodyPaused = false;
            if (!bodyComplete) {
                if (!responded) {
                    schedule(x.conf().get(HttpCoreModule.CORE).clientBodyTimeout(), this::bodyTimedOut);
                }
                read();
            }
        }
    }

    @Override
    public void continueRequestBody(HttpExchange x) {
        if (x == current && !bodyComplete && !continueSent
                && HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(x.requestHeaders().get(HttpHeaderNames.EXPECT))) {
            continueSent = true;
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(
                    new DefaultHttp2Headers(false).status(HttpResponseStatus.CONTINUE.codeAsText())));
        }
    }

    @Override
    public void write(HttpExchange x, HttpResponse head, ResponseBody body) {
        if (x != current || responded || !ctx.channel().isActive()) {
            body.discard();
            return;
        }
        responded = true;
        HttpCoreConf core = x.conf().get(HttpCoreModule.CORE);
        int chunk = x.conf().get(Http2Module.LOCATION).chunkSize();
        session.chunkSize(streamId(), chunk);
        if (body instanceof ResponseBody.Switched) {
            // An HTTP/2 request cannot ask to upgrade (Http2RequestDecoder refuses Upgrade).
            body.discard();
            abort(x);
            return;
        }
        int code = head.status().code();
        boolean bodyAllowed = !x.isHead() && code >= 200 && code != 204 && code != 304;
        Http2Headers headers = new DefaultHttp2Headers(false);
        x.markHeaderSent(finalHeaders(x, head, core, headers));
        if (body instanceof ResponseBody.Stream stream && bodyAllowed) {
            ctx.write(new DefaultHttp2HeadersFrame(headers, false));
            ClientBodySink sink = new ClientBodySink(x, ctx, bytes -> {
                writeSliced(bytes, chunk, false);
                ctx.flush();
                if (!ctx.channel().isWritable()) {
                    schedule(core.sendTimeout(), this::sendTimedOut);
                }
            }, () -> new DefaultHttp2DataFrame(true));
            streaming = sink;
            sink.done().addListener((ChannelFutureListener) f -> {
                streaming = null;
                responseWritten(x, f, sink.written());
            });
            ctx.flush();
            stream.source().start(sink);
            return;
        }
        ChannelFuture done;
        long length = body.length();
        if (!bodyAllowed || body instanceof ResponseBody.Empty || length == 0) {
            body.discard();
            length = 0;
            done = ctx.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true));
        } else if (length <= chunk && (body instanceof ResponseBody.Bytes || body instanceof ResponseBody.FileSlice)) {
            // One DATA frame that ends the stream: a small file is read here at once, as its
            // only chunk would have been.
            ByteBuf bytes = body instanceof ResponseBody.Bytes b ? b.buffer() : readWhole((ResponseBody.FileSlice) body);
            if (bytes == null) {
                abort(x);
                return;
            }
            ctx.write(new DefaultHttp2HeadersFrame(headers, false));
            done = ctx.writeAndFlush(new DefaultHttp2DataFrame(bytes, true));
        } else {
            ctx.write(new DefaultHttp2HeadersFrame(headers, false));
            writePart(body, chunk);
            done = ctx.writeAndFlush(new DefaultHttp2DataFrame(true));
        }
        session.responseQueued();
        long written = length;
        done.addListener((ChannelFutureListener) f -> responseWritten(x, f, written));
        if (!ctx.channel().isWritable()) {
            schedule(core.sendTimeout(), this::sendTimedOut);
        }
    }

    /** A file slice's bytes, read whole (it is at most one DATA frame); null when the file cannot be read. */
    private ByteBuf readWhole(ResponseBody.FileSlice file) {
        int count = (int) file.count();
        ByteBuf bytes = ctx.alloc().directBuffer(count);
        try {
            while (bytes.readableBytes() < count) {
                int n = bytes.writeBytes(file.file(), file.offset() + bytes.readableBytes(),
                        count - bytes.readableBytes());
                if (n < 0) {
                    throw new java.io.EOFException("file shorter than its response");
                }
            }
            return bytes;
        } catch (java.io.IOException e) {
            bytes.release();
            return null;
        } finally {
            file.discard(); // closes the file it owns
        }
    }

    /**
     * nginx's ngx_http_v2_header_filter into {@code out}: :status, Server, Date, Content-Type,
     * Content-Length, Last-Modified, Location (made absolute as for HTTP/1.x), then the rest,
     * names in lower case, without the HTTP/1 connection headers that HTTP/2 forbids (nor
     * Host, nor the fields that Connection names, as Netty's conversion left them out).
     * Returns $bytes_sent's share of the head: its HTTP/1.1 text size (nginx counts the
     * HPACK block). Names and values are taken as they are stored (no String copies), and
     * the well-known names go out as Netty's constants, whose hash HPACK has cached.
     */
    static long finalHeaders(HttpExchange x, HttpResponse head, HttpCoreConf core, Http2Headers out) {
        HttpHeaders given = head.headers();
        HttpResponseStatus status = head.status();
        int code = status.code();
        out.status(status.codeAsText());
        long length = 9 + status.toString().length() + 2 + 2;
        CharSequence[] placed = new CharSequence[PLACED.length];
        CharSequence connectionTokens = null;
        int others = 0;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = given.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            int kind = kind(e.getKey());
            if (kind >= 0 && placed[kind] == null) {
                placed[kind] = e.getValue();
            } else if (kind == CONNECTION && connectionTokens == null) {
                connectionTokens = e.getValue();
            } else if (kind == OTHER) {
                others++;
            }
        }
        CharSequence server = placed[0] != null ? placed[0] : ResponseHeaders.serverToken(core);
        CharSequence date = placed[1] != null ? placed[1] : dev.portico.files.HttpDates.now();
        length += add(out, PLACED[0], server) + add(out, PLACED[1], date) + add(out, PLACED[2], placed[2]);
        if (code >= 200 && code != 204 && code != 304) {
            length += add(out, PLACED[3], placed[3]);
        }
        length += add(out, PLACED[4], placed[4]);
        if (placed[5] != null) {
            String location = placed[5].toString();
            length += add(out, PLACED[5], x.locationAsIs() ? location
                    : ResponseHeaders.absoluteLocation(x, core, location));
        }
        if (others > 0) {
            for (Iterator<Map.Entry<CharSequence, CharSequence>> it = given.iteratorCharSequence(); it.hasNext(); ) {
                Map.Entry<CharSequence, CharSequence> e = it.next();
                CharSequence name = e.getKey();
                if (kind(name) == OTHER && !namedBy(connectionTokens, name)) {
                    length += add(out, lowerCase(name), e.getValue());
                }
            }
        }
        return length;
    }

    /** The fields nginx's header filter writes first, in its order. */
    private static final AsciiString[] PLACED = ResponseHeaders.FIRST_FIELDS.toArray(new AsciiString[0]);
    private static final int OTHER = -1;
    private static final int CONNECTION = -2;
    private static final int DROPPED = -3;

    /** An index into {@link #PLACED}, or what else the field is; any case, without copying the name. */
    private static int kind(CharSequence name) {
        return switch (name.length()) {
            case 4 -> is(name, HttpHeaderNames.DATE) ? 1 : is(name, HttpHeaderNames.HOST) ? DROPPED : OTHER;
            case 6 -> is(name, HttpHeaderNames.SERVER) ? 0 : OTHER;
            case 7 -> is(name, HttpHeaderNames.UPGRADE) ? DROPPED : OTHER;
            case 8 -> is(name, HttpHeaderNames.LOCATION) ? 5 : OTHER;
            case 10 -> is(name, HttpHeaderNames.CONNECTION) ? CONNECTION
                    : is(name, HttpHeaderNames.KEEP_ALIVE) ? DROPPED : OTHER;
            case 12 -> is(name, HttpHeaderNames.CONTENT_TYPE) ? 2 : OTHER;
            case 13 -> is(name, HttpHeaderNames.LAST_MODIFIED) ? 4 : OTHER;
            case 14 -> is(name, HttpHeaderNames.CONTENT_LENGTH) ? 3 : OTHER;
            case 16 -> is(name, HttpHeaderNames.PROXY_CONNECTION) ? DROPPED : OTHER;
            case 17 -> is(name, HttpHeaderNames.TRANSFER_ENCODING) ? DROPPED : OTHER;
            default -> OTHER;
        };
    }

    private static boolean is(CharSequence name, AsciiString known) {
        return name == known || AsciiString.contentEqualsIgnoreCase(name, known);
    }

    /** HTTP/2's lower-case name: the same object when it is lower case already. */
    private static CharSequence lowerCase(CharSequence name) {
        return name instanceof AsciiString a ? a.toLowerCase() : name.toString().toLowerCase(Locale.ROOT);
    }

    private static long add(Http2Headers out, CharSequence name, CharSequence value) {
        if (value == null) {
            return 0;
        }
        out.add(name, value);
        return name.length() + 2 + value.length() + 2;
    }

    /** True when the Connection header's value lists {@code name} (a field meant for the next hop only). */
    private static boolean namedBy(CharSequence connectionTokens, CharSequence name) {
        if (connectionTokens == null) {
            return false;
        }
        for (String token : connectionTokens.toString().split(",")) {
            if (AsciiString.contentEqualsIgnoreCase(token.trim(), name)) {
                return true;
            }
        }
        return false;
    }

    /** Writes a body as DATA frames of at most {@code chunk} bytes; files are read as the window allows. */
    private void writePart(ResponseBody body, int chunk) {
        if (body instanceof ResponseBody.Bytes bytes) {
            writeSliced(bytes.buffer(), chunk, false);
        } else if (body instanceof ResponseBody.FileSlice file) {
            if (file.count() == 0) {
                file.discard();
                return;
            }
            try {
                // A slice that does not own its file (one part of several) leaves it open.
                ChunkedNioFile chunks = file.closeFile()
                        ? new ChunkedNioFile(file.file(), file.offset(), file.count(), chunk)
                        : new ChunkedNioFile(file.file(), file.offset(), file.count(), chunk) {
                            @Override
                            public void close() {
                                // The last slice of the file closes it.
                            }
                        };
                if (ctx.pipeline().get(ChunkedWriteHandler.class) == null) {
                    // Writes already made went past it; the ones from here on queue behind the file.
                    ctx.pipeline().addBefore(ctx.name(), "chunked-writer", new ChunkedWriteHandler());
                }
                ctx.write(new DataChunks(chunks));
            } catch (java.io.IOException e) {
                file.discard();
                reset(Http2Error.INTERNAL_ERROR);
            }
        } else if (body instanceof ResponseBody.Parts parts) {
            for (ResponseBody part : parts.parts()) {
                writePart(part, chunk);
            }
        } else {
            body.discard();
        }
    }

    private void writeSliced(ByteBuf buffer, int chunk, boolean endStream) {
        while (buffer.readableBytes() > chunk) {
            ctx.write(new DefaultHttp2DataFrame(buffer.readRetainedSlice(chunk), false));
        }
        ctx.write(new DefaultHttp2DataFrame(buffer, endStream));
    }

    /** A file's bytes as DATA frames that never end the stream: the response's last frame does. */
    private static final class DataChunks implements ChunkedInput<Http2DataFrame> {
        private final ChunkedNioFile file;

        DataChunks(ChunkedNioFile file) {
            this.file = file;
        }

        @Override
        public boolean isEndOfInput() throws Exception {
            return file.isEndOfInput();
        }

        @Override
        public void close() throws Exception {
            file.close();
        }

        @Deprecated
        @Override
        public Http2DataFrame readChunk(ChannelHandlerContext ctx) throws Exception {
            return readChunk(ctx.alloc());
        }

        @Override
        public Http2DataFrame readChunk(io.netty.buffer.ByteBufAllocator allocator) throws Exception {
            ByteBuf bytes = file.readChunk(allocator);
            return bytes == null ? null : new DefaultHttp2DataFrame(bytes, false);
        }

        @Override
        public long length() {
            return file.length();
        }

        @Override
        public long progress() {
            return file.progress();
        }
    }

    private void responseWritten(HttpExchange x, ChannelFuture f, long bodyLength) {
        cancelTimer();
        x.markResponseEnd();
        x.runCleanups();
        boolean aborted = f.cause() instanceof ClientBodySink.Aborted;
        if ((f.isSuccess() || aborted) && !x.isHead()) {
            x.addBodyBytes(bodyLength);
        }
        RequestProcessor.log(x);
        if (!f.isSuccess()) {
            // nginx closes a stream whose response was cut short with RST_STREAM INTERNAL_ERROR.
            reset(Http2Error.INTERNAL_ERROR);
        } else if (!bodyComplete) {
            // Answered before the request body ended: nginx's RST_STREAM NO_ERROR tells the client to stop.
            reset(Http2Error.NO_ERROR);
        }
    }

    private void reset(Http2Error error) {
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(error)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void abort(HttpExchange x) {
        responded = true;
        x.markResponseEnd();
        x.runCleanups();
        RequestProcessor.log(x);
        reset(Http2Error.INTERNAL_ERROR);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (current != null && responded) {
            if (ctx.channel().isWritable()) {
                cancelTimer();
                if (streaming != null) {
                    streaming.writable();
                }
            } else {
                schedule(current.conf().get(HttpCoreModule.CORE).sendTimeout(), this::sendTimedOut);
            }
        }
        ctx.fireChannelWritabilityChanged();
    }

    // ---- timers ----

    private void schedule(long millis, Runnable action) {
        cancelTimer();
        timer = ctx.executor().schedule(action, millis, TimeUnit.MILLISECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void bodyTimedOut() {
        HttpExchange x = current;
        if (x == null || bodyComplete) {
            return;
        }
        RequestProcessor.logError(x, LogLevel.INFO, "client timed out (110: Connection timed out)"
                + " while reading client request body");
        if (!responded) {
            RequestProcessor.finish(x, 408);
        } else {
            reset(Http2Error.PROTOCOL_ERROR);
        }
    }

    private void sendTimedOut() {
        if (!ctx.channel().isWritable() && current != null) {
            RequestProcessor.logError(current, LogLevel.INFO,
                    "client timed out (110: Connection timed out) while sending response to client");
            // nginx resets a stream that timed out with PROTOCOL_ERROR (fc->timedout).
            reset(Http2Error.PROTOCOL_ERROR);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof java.io.IOException)) {
            session.log(LogLevel.ERROR, "unexpected error on HTTP/2 stream: " + cause);
        }
        reset(Http2Error.INTERNAL_ERROR);
    }
}
