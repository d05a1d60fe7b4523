package dev.portico.http2;

import dev.portico.http.ClientBodySink;
import dev.portico.http.HeaderNames;
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
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
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
 */
final class Http2StreamHandler extends ChannelInboundHandlerAdapter implements ResponseWriter {

    private final Http2Session session;
    private final HttpConnection connection;
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
        ListenSocket socket = session.host().currentSocket();
        if (socket != null && socket != connection.listen()) {
            connection.updateListen(socket); // reloaded: this stream is served by the configuration in force
        }
        HttpExchange x = new HttpExchange(connection, request, http);
        session.requestStarted();
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
            schedule(names.defaultServer().root().conf().get(HttpCoreModule.CORE).clientBodyTimeout(),
                    this::bodyTimedOut);
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
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
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
            // An HTTP/2 request cannot ask to upgrade (Http2RequestCodec refuses Upgrade).
            body.discard();
            abort(x);
            return;
        }
        HttpHeaders headers = finalHeaders(x, head, core);
        x.markHeaderSent(headLength(head.status(), headers));
        boolean bodyAllowed = !x.isHead() && head.status().code() >= 200 && head.status().code() != 204
                && head.status().code() != 304;
        if (body instanceof ResponseBody.Stream stream && bodyAllowed) {
            ctx.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, head.status(), headers));
            ClientBodySink sink = new ClientBodySink(x, ctx, bytes -> {
                writeSliced(bytes, chunk);
                ctx.flush();
                if (!ctx.channel().isWritable()) {
                    schedule(core.sendTimeout(), this::sendTimedOut);
                }
            });
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
            done = ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, head.status(),
                    Unpooled.EMPTY_BUFFER, headers, new DefaultHttpHeaders(false)));
        } else if (body instanceof ResponseBody.Bytes bytes && bytes.buffer().readableBytes() <= chunk) {
            done = ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, head.status(),
                    bytes.buffer(), headers, new DefaultHttpHeaders(false)));
        } else {
            ctx.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, head.status(), headers));
            writePart(body, chunk);
            done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        long written = length;
        done.addListener((ChannelFutureListener) f -> responseWritten(x, f, written));
        if (!ctx.channel().isWritable()) {
            schedule(core.sendTimeout(), this::sendTimedOut);
        }
    }

    /**
     * nginx's ngx_http_v2_header_filter: Server, Date, Content-Type, Content-Length,
     * Last-Modified, Location (made absolute as for HTTP/1.x), then the rest, without the
     * HTTP/1 connection headers that HTTP/2 forbids.
     */
    private static HttpHeaders finalHeaders(HttpExchange x, HttpResponse head, HttpCoreConf core) {
        HttpHeaders given = head.headers();
        HttpHeaders h = new DefaultHttpHeaders(false);
        String server = given.get(HeaderNames.SERVER);
        String date = given.get(HeaderNames.DATE);
        h.set(HeaderNames.SERVER, server != null ? server : ResponseHeaders.serverToken(core));
        h.set(HeaderNames.DATE, date != null ? date : dev.portico.files.HttpDates.now());
        int code = head.status().code();
        copy(given, h, HeaderNames.CONTENT_TYPE);
        if (code >= 200 && code != 204 && code != 304) {
            copy(given, h, HeaderNames.CONTENT_LENGTH);
        }
        copy(given, h, HeaderNames.LAST_MODIFIED);
        String location = given.get(HeaderNames.LOCATION);
        if (location != null) {
            h.set(HeaderNames.LOCATION, x.locationAsIs() ? location
                    : ResponseHeaders.absoluteLocation(x, core, location));
        }
        for (Map.Entry<String, String> e : given) {
            if (!isPlacedAboveOrDropped(e.getKey())) {
                h.add(e.getKey(), e.getValue());
            }
        }
        return h;
    }

    private static boolean isPlacedAboveOrDropped(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "server", "date", "content-type", "content-length", "last-modified", "location",
                 "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade" -> true;
            default -> false;
        };
    }

    private static void copy(HttpHeaders from, HttpHeaders to, CharSequence name) {
        String v = from.get(name);
        if (v != null) {
            to.set(name, v);
        }
    }

    /** $bytes_sent's share of the head: its HTTP/1.1 text size (nginx counts the HPACK block). */
    private static long headLength(HttpResponseStatus status, HttpHeaders headers) {
        long n = 9 + status.toString().length() + 2 + 2;
        for (Map.Entry<String, String> e : headers) {
            n += e.getKey().length() + 2 + e.getValue().length() + 2;
        }
        return n;
    }

    /** Writes a body as DATA frames of at most {@code chunk} bytes; files are read as the window allows. */
    private void writePart(ResponseBody body, int chunk) {
        if (body instanceof ResponseBody.Bytes bytes) {
            writeSliced(bytes.buffer(), chunk);
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

    private void writeSliced(ByteBuf buffer, int chunk) {
        while (buffer.readableBytes() > chunk) {
            ctx.write(new DefaultHttpContent(buffer.readRetainedSlice(chunk)));
        }
        ctx.write(new DefaultHttpContent(buffer));
    }

    /** A file's bytes as HTTP content pieces that never end the stream: the response's last part does. */
    private static final class DataChunks implements ChunkedInput<HttpContent> {
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
        public HttpContent readChunk(ChannelHandlerContext ctx) throws Exception {
            return readChunk(ctx.alloc());
        }

        @Override
        public HttpContent readChunk(io.netty.buffer.ByteBufAllocator allocator) throws Exception {
            ByteBuf bytes = file.readChunk(allocator);
            return bytes == null ? null : new DefaultHttpContent(bytes);
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
