package dev.portico.server;

import dev.portico.http.ConnectionCounters;
import dev.portico.http.ConnectionTimer;
import dev.portico.http.HttpConfig;
import dev.portico.http.HttpConnection;
import dev.portico.http.HttpCoreConf;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.HeaderNames;
import dev.portico.http.HttpExchange;
import dev.portico.http.HttpServerConf;
import dev.portico.http.ListenSocket;
import dev.portico.http.RequestProcessor;
import dev.portico.http.ResponseBody;
import dev.portico.http.ResponseWriter;
import dev.portico.http.ServerNames;
import dev.portico.http.VirtualServer;
import dev.portico.log.ErrorLog;
import dev.portico.log.LogLevel;
import io.netty.channel.ChannelFuture;
import io.netty.util.AsciiString;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/1.x connection: reads requests one at a time (pipelined ones wait
 * their turn), runs each through the request processor, writes its response,
 * then keeps the connection alive or closes it as nginx would. Reading is
 * explicit (auto-read off), so a client that sends faster than we answer is
 * held back by TCP, not by memory. All timers of the connection live here.
 */
final class HttpConnectionHandler extends ChannelInboundHandlerAdapter implements ResponseWriter, ServerConnection {

    private enum State { WAITING, READING_BODY_AND_RESPONDING, CLOSING }

    private final HttpServer server;
    private final String listenKey;
    private HttpConfig http;
    private HttpConnection connection;
    private ChannelHandlerContext ctx;

    private HttpExchange current;
    private boolean bodyComplete = true;
    private boolean responded;
    private ArrayDeque<HttpObject> pipelined;
    /** The connection's one running timeout (header, keep-alive, body, send), re-armed per request. */
    private ConnectionTimer timer;
    private boolean bytesSinceIdle;
    private boolean readPending;
    /** The request body's consumer cannot take more (a slow upstream): reads wait for resume. */
    private boolean bodyPaused;
    /** The streamed response body being written, or null. */
    private dev.portico.http.ClientBodySink streaming;
    /** The far side of a connection that switched protocols (101); raw bytes go to it from then on. */
    private dev.portico.http.Tunnel tunnel;
    private State state = State.WAITING;
    /** What stub_status counts this connection as doing (ConnectionCounters' states). */
    private byte counted = ConnectionCounters.NONE;

    HttpConnectionHandler(HttpServer server, String listenKey) {
        this.server = server;
        this.listenKey = listenKey;
    }

    private RequestDecoder inspector;
    /** The header buffers of the connection's server (nginx's hc->conf_ctx), found once. */
    private HttpServerConf headerBuffers;

    /**
     * Puts the HTTP decoder and encoder in front of this handler. An idle
     * keep-alive connection goes without them (see {@link #shedCodec}), which
     * keeps its memory small; the first byte of the next request brings them back.
     * So does a TLS connection until its first bytes of HTTP: its decoder then
     * takes the header limits of the server SNI chose, as nginx's header buffers
     * come from hc->conf_ctx, which ngx_http_ssl_servername set.
     */
    void attachCodec() {
        if (headerBuffers == null) {
            ListenSocket socket = connection != null ? connection.listen() : server.socket(listenKey);
            headerBuffers = connectionServer(socket).serverConf().get(HttpCoreModule.SERVER_CONF);
        }
        inspector = new RequestDecoder(headerBuffers, this);
        ctx.pipeline().addBefore(ctx.name(), "decoder", inspector);
        ctx.pipeline().addBefore(ctx.name(), "encoder", new io.netty.handler.codec.http.HttpResponseEncoder());
    }

    /** Drops the codec of a connection that is idle between requests, with nothing buffered. */
    private void shedCodec() {
        if (inspector == null || current != null || state == State.CLOSING || !ctx.channel().isActive()
                || (pipelined != null && !pipelined.isEmpty())) {
            return;
        }
        RequestDecoder decoder = inspector;
        inspector = null;
        // A partial next request still in the decoder is handed on as bytes and re-decoded.
        ctx.pipeline().remove(decoder);
        ctx.pipeline().remove("encoder");
        if (ctx.pipeline().get("chunked-writer") != null) {
            ctx.pipeline().remove("chunked-writer");
        }
    }

    /** Called by the inspector in front of the decoder: the client sent something. */
    void bytesArrived(int n) {
        bytesSinceIdle = true;
        if (counted == ConnectionCounters.WAITING) {
            counted = server.counters().requestArriving(counted);
        }
        if (current != null) {
            current.addRequestLength(n);
        } else {
            pendingRequestBytes += n;
        }
    }

    private long pendingRequestBytes;

    /** Flushes what was written and not yet flushed (a streamed response's head); nothing when all is out. */
    private final Runnable flushTask = () -> ctx.flush();

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.timer = new ConnectionTimer(ctx.executor());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ListenSocket socket = server.socket(listenKey);
        this.http = server.currentHttp();
        this.connection = new HttpConnection(ctx.channel(), socket);
        server.connectionOpened(ctx.channel(), this);
        counted = server.counters().opened();
        // The first request's head, and a TLS handshake before it, have the default server's
        // client_header_timeout from the accept on, whatever SNI chooses: nginx's post_accept_timeout.
        ServerNames names = socket.serverNames(localIfNeeded(socket));
        HttpServerConf conf = names.defaultServer().serverConf().get(HttpCoreModule.SERVER_CONF);
        schedule(conf.clientHeaderTimeout(), this::headerTimedOut);
        read();
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent handshake && handshake.isSuccess()) {
            connection.markSecure();
        }
        if (event instanceof dev.portico.http2.Http2Start && current == null && state == State.WAITING) {
            startHttp2();
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    /**
     * The connection speaks HTTP/2 from its first bytes (ALPN's "h2", or the preface): the
     * HTTP/1 codec and this handler leave, the HTTP/2 session takes the same connection
     * object ($connection, addresses, TLS) and its place with the server.
     */
    private void startHttp2() {
        timer.cancel();
        if (inspector != null) {
            RequestDecoder decoder = inspector;
            inspector = null;
            ctx.pipeline().remove(decoder);
            ctx.pipeline().remove("encoder");
        }
        if (ctx.pipeline().get("h2-preface") != null) {
            ctx.pipeline().remove("h2-preface");
        }
        state = State.CLOSING;
        Http2Handover.start(server, listenKey, connection, counted, ctx.name());
        counted = ConnectionCounters.NONE; // counted by the HTTP/2 side from here
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        timer.cancel();
        if (pipelined != null) {
            for (HttpObject o : pipelined) {
                ReferenceCountUtil.release(o);
            }
            pipelined.clear();
        }
        if (tunnel != null) {
            tunnel.clientClosed();
        }
        if (current != null) {
            // A proxied request closes its upstream connection: nobody is left to answer.
            current.runCleanups();
        }
        if (tunnel != null && current != null) {
            // An upgraded connection is logged when it ends, as nginx does.
            current.markResponseEnd();
            logPhase(current);
            current = null;
        }
        if (streaming != null) {
            streaming.closed();
        }
        if (current != null && !responded) {
            // The client went away before its response was sent: nginx's 499.
            current.setStatus(499);
            current.markResponseEnd();
            logPhase(current);
            current = null;
        }
        server.connectionClosed(ctx.channel());
        server.counters().closed(counted);
        counted = ConnectionCounters.NONE;
        ctx.fireChannelInactive();
    }

    /** The connection's server ({@link HttpConnection#connectionServer}); before it is active, the address's default. */
    private VirtualServer connectionServer(ListenSocket socket) {
        return connection != null ? connection.connectionServer() : socket.serverNames(localIfNeeded(socket))
                .defaultServer();
    }

    /** The local address only when servers depend on it: asking for it costs memory per connection. */
    private java.net.SocketAddress localIfNeeded(ListenSocket socket) {
        return socket.dependsOnLocalAddress() ? ctx.channel().localAddress() : null;
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
        if (tunnel != null) {
            return; // the tunnel asks for the next read when its other side has room
        }
        if (state == State.CLOSING) {
            ctx.read();
            return;
        }
        readIfWanted();
    }

    /** Reads on when the connection wants more of the client than it has. */
    private void readIfWanted() {
        // Keep reading while a request body is being read and dropped, or while idle between requests.
        if (current == null || (!bodyComplete && !bodyPaused)) {
            read();
        } else if (answering() && !inspector.holdsBytes() && (pipelined == null || pipelined.isEmpty())) {
            // While a request is answered the socket stays of interest (re-arming it costs a system
            // call per request); what comes meanwhile is held, and reading stops, until it is done.
            read();
        }
    }

    /** A request is being answered with its whole body read: bytes that come now begin the next request. */
    boolean answering() {
        return current != null && bodyComplete && tunnel == null && state != State.CLOSING && inspector != null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (tunnel != null) {
            if (msg instanceof io.netty.buffer.ByteBuf bytes && state != State.CLOSING) {
                tunnel.fromClient(bytes);
            } else {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        if (state == State.CLOSING) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof io.netty.buffer.ByteBuf bytes) {
            // Bytes reach this handler only when the codec was shed: restore it and decode.
            if (inspector == null) {
                attachCodec();
            }
            try {
                inspector.channelRead(ctx.pipeline().context(inspector), bytes);
            } catch (Exception e) {
                exceptionCaught(ctx, e);
            }
            return;
        }
        if (!(msg instanceof HttpObject obj)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (current != null && bodyComplete) {
            if (obj instanceof LastHttpContent && !(obj instanceof HttpRequest)
                    && (pipelined == null || pipelined.isEmpty())) {
                // The decoder's end of a request without a body, the one being answered: nothing to keep.
                ReferenceCountUtil.release(obj);
                return;
            }
            // A pipelined request: it waits until the current response is written.
            if (pipelined == null) {
                pipelined = new ArrayDeque<>(4);
            }
            pipelined.add(obj);
            return;
        }
        dispatch(obj);
    }

    private void dispatch(HttpObject obj) {
        if (obj instanceof HttpRequest request) {
            startRequest(request);
            if (obj instanceof HttpContent content) {
                bodyPart(content);
            }
        } else if (obj instanceof HttpContent content) {
            if (current == null) {
                content.release();
                return;
            }
            bodyPart(content);
        } else {
            ReferenceCountUtil.release(obj);
        }
    }

    private boolean continueSent;

    /** Writes "HTTP/1.1 100 Continue" once per request, when its body is about to be read. */
    void sendContinue() {
        if (!continueSent) {
            continueSent = true;
            ctx.write(new io.netty.handler.codec.http.DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    io.netty.handler.codec.http.HttpResponseStatus.CONTINUE, io.netty.buffer.Unpooled.EMPTY_BUFFER));
        }
    }

    private void startRequest(HttpRequest request) {
        cancelTimer();
        counted = server.counters().requestStarted(counted);
        continueSent = false;
        bodyPaused = false;
        http = server.currentHttp();
        ListenSocket socket = server.socket(listenKey);
        boolean listenerGone = socket == null;
        if (socket != null && socket != connection.listen()) {
            connection.updateListen(socket); // reloaded: this request uses the new configuration
        }
        DecoderResult result = request.decoderResult();
        HttpExchange x = new HttpExchange(connection, request, http);
        x.addRequestLength(pendingRequestBytes);
        pendingRequestBytes = 0;
        current = x;
        responded = false;
        bodyComplete = !(HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0);
        // A reload removed this connection's listen socket: answer, then close, as nginx's old workers do.
        x.setKeepAlive(HttpUtil.isKeepAlive(request) && !listenerGone);
        ServerNames names = connection.listen().serverNames(localIfNeeded(connection.listen()));
        if (result.isFailure() && result.cause() instanceof io.netty.handler.codec.PrematureChannelClosureException) {
            // The client closed in the middle of a request head: there is no one left to answer.
            current = null;
            return;
        }
        if (result.isFailure()) {
            rejectMalformed(x, names, result.cause());
            return;
        }
        String tooLarge = inspector != null ? inspector.headTooLarge() : null;
        RequestChecks.Problem problem = tooLarge != null
                ? new RequestChecks.Problem(494, tooLarge + " while reading client request headers")
                : inspector != null && inspector.obsFoldSeen()
                ? new RequestChecks.Problem(400, "client sent invalid header line (obsolete line folding)"
                        + " while reading client request headers")
                : RequestChecks.check(request);
        if (problem != null) {
            bodyComplete = true;
            x.setKeepAlive(false);
            startAndFail(x, names, problem.status(), problem.reason());
            return;
        }
        if (!bodyComplete) {
            HttpCoreConf core = names.defaultServer().root().conf().get(HttpCoreModule.CORE);
            schedule(core.clientBodyTimeout(), this::bodyTimedOut);
        }
        RequestProcessor.start(x, names, this);
    }

    private void rejectMalformed(HttpExchange x, ServerNames names, Throwable cause) {
        bodyComplete = true;
        x.setKeepAlive(false);
        int status;
        String reason;
        if (cause instanceof TooLongHttpLineException) {
            status = 414;
            reason = "client sent too long URI while reading client request line";
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = 494;
            String tooLarge = inspector != null ? inspector.headTooLarge() : null;
            reason = (tooLarge != null ? tooLarge : "client sent too large request")
                    + " while reading client request headers";
        } else {
            status = 400;
            reason = "client sent invalid request while reading client request headers ("
                    + cause.getMessage() + ")";
        }
        startAndFail(x, names, status, reason);
    }

    /** Answers a request that cannot be processed, still choosing a server so error_page and logs apply. */
    private void startAndFail(HttpExchange x, ServerNames names, int status, String reason) {
        RequestProcessor.fail(x, names, this, status, reason);
    }

    private void bodyPart(HttpContent content) {
        HttpExchange x = current;
        boolean last = content instanceof LastHttpContent;
        if (content.decoderResult().isFailure()) {
            content.release();
            bodyComplete = true;
            x.setKeepAlive(false);
            if (!responded) {
                RequestProcessor.logError(x, LogLevel.INFO, "client sent invalid chunked body");
                RequestProcessor.finish(x, 400);
            } else {
                ctx.close();
            }
            return;
        }
        if (x.bodyConsumer() != null && !responded) {
            x.bodyConsumer().onContent(x, content, last);
        } else {
            content.release();
        }
        if (last) {
            bodyComplete = true;
            cancelTimer();
            if (responded) {
                requestDone();
            }
        } else if (!bodyComplete && !bodyPaused) {
            HttpCoreConf core = x.conf() != null ? x.conf().get(HttpCoreModule.CORE) : null;
            schedule(core == null ? 60_000 : core.clientBodyTimeout(), this::bodyTimedOut);
        }
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
        if (x == current && !bodyComplete
                && HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(x.requestHeaders().get(HttpHeaderNames.EXPECT))) {
            sendContinue();
            ctx.flush();
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
        boolean keepAlive = x.keepAlive() && core.keepaliveTimeout() > 0 && server.accepting()
                && x.connectionRequests() < core.keepaliveRequests();
        if (!bodyComplete && keepAlive && !continueSent
                && HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(x.requestHeaders().get(HttpHeaderNames.EXPECT))) {
            // nginx discards an unread body after answering; the client holds it back until it sees
            // "100 Continue", so send that first (ngx_http_discard_request_body → ngx_http_test_expect).
            sendContinue();
        }
        HttpResponse out = finalHead(x, head, core, keepAlive, body);
        if (body instanceof ResponseBody.Switched switched) {
            // As nginx's header filter for a 101: the connection is the new protocol's now.
            out.headers().set(HeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            x.setKeepAlive(false);
            x.markHeaderSent(headLength(out));
            cancelTimer();
            ctx.writeAndFlush(out);
            switchProtocols(x, switched.tunnel());
            return;
        }
        boolean chunked = HttpUtil.isTransferEncodingChunked(out);
        if (!chunked && !out.headers().contains(HttpHeaderNames.CONTENT_LENGTH) && mayHaveBody(x, out)) {
            keepAlive = false;
            out.headers().set(HeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        x.setKeepAlive(keepAlive);
        x.markHeaderSent(headLength(out));
        ctx.write(out);
        if (body instanceof ResponseBody.Stream stream) {
            boolean chunks = chunked && mayHaveBody(x, out);
            dev.portico.http.ClientBodySink sink = new dev.portico.http.ClientBodySink(x, ctx,
                    bytes -> writeProduced(x, chunks ? new DefaultHttpContent(bytes) : bytes));
            streaming = sink;
            sink.done().addListener((ChannelFutureListener) f -> {
                streaming = null;
                responseWritten(x, f, sink.written());
            });
            stream.source().start(sink);
            // The head goes out with the first piece of the body when that is already read (one
            // write, as nginx's postponed output); otherwise on its own once this event is handled.
            ctx.executor().execute(flushTask);
            return;
        }
        ChannelFuture done = writeBody(x, body, chunked, core);
        done.addListener((ChannelFutureListener) f -> responseWritten(x, f, body.length()));
        if (!ctx.channel().isWritable()) {
            schedule(core.sendTimeout(), this::sendTimedOut);
        }
    }

    /**
     * After a 101: the HTTP codec goes (bytes the decoder still holds come to
     * {@link #channelRead} as raw bytes) and the tunnel carries the connection.
     */
    private void switchProtocols(HttpExchange x, dev.portico.http.Tunnel t) {
        tunnel = t;
        t.start(new dev.portico.http.Tunnel.Client() {
            @Override
            public void write(io.netty.buffer.ByteBuf bytes) {
                x.addBodyBytes(bytes.readableBytes());
                writeProduced(x, bytes);
            }

            @Override
            public boolean isWritable() {
                return ctx.channel().isWritable();
            }

            @Override
            public void read() {
                // Directly: the tunnel asks from within channelRead, before readPending is cleared.
                ctx.read();
            }

            @Override
            public void close() {
                ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        });
        if (inspector != null) {
            RequestDecoder decoder = inspector;
            inspector = null;
            ctx.pipeline().remove(decoder);
        }
        ctx.pipeline().remove("encoder");
        if (ctx.pipeline().get("chunked-writer") != null) {
            ctx.pipeline().remove("chunked-writer");
        }
    }

    /** Writes what a streamed body or a tunnel produced; a full socket starts send_timeout. */
    private void writeProduced(HttpExchange x, Object message) {
        ctx.writeAndFlush(message);
        if (!ctx.channel().isWritable()) {
            schedule(x.conf().get(HttpCoreModule.CORE).sendTimeout(), this::sendTimedOut);
        }
    }

    private static boolean mayHaveBody(HttpExchange x, HttpResponse r) {
        int code = r.status().code();
        return !x.isHead() && code >= 200 && code != 204 && code != 304;
    }

    private ChannelFuture writeBody(HttpExchange x, ResponseBody body, boolean chunked, HttpCoreConf core) {
        if (body instanceof ResponseBody.Empty) {
            return ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        io.netty.channel.ChannelOption<Boolean> cork = core.tcpNopush() && core.sendfile() && !connection.secure()
                && !chunked && hasFile(body) ? corkOption(ctx.channel()) : null;
        if (cork != null) {
            // tcp_nopush: as nginx with sendfile, send the head and the file's first bytes in full
            // packets (TCP_CORK), and uncork once the response is written.
            ctx.channel().config().setOption(cork, true);
        }
        writePart(body, chunked, core);
        ChannelFuture done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        if (cork != null) {
            done.addListener(f -> ctx.channel().config().setOption(cork, false));
        }
        return done;
    }

    /** TCP_CORK of the native transports' TCP channels; null for others (NIO, unix sockets). */
    private static io.netty.channel.ChannelOption<Boolean> corkOption(io.netty.channel.Channel ch) {
        if (ch instanceof io.netty.channel.epoll.EpollSocketChannel) {
            return io.netty.channel.epoll.EpollChannelOption.TCP_CORK;
        }
        if (ch instanceof io.netty.channel.uring.IoUringSocketChannel) {
            return io.netty.channel.uring.IoUringChannelOption.TCP_CORK;
        }
        return null;
    }

    private static boolean hasFile(ResponseBody body) {
        if (body instanceof ResponseBody.FileSlice) {
            return true;
        }
        if (body instanceof ResponseBody.Parts parts) {
            for (ResponseBody p : parts.parts()) {
                if (hasFile(p)) {
                    return true;
                }
            }
        }
        return false;
    }

    private void writePart(ResponseBody body, boolean chunked, HttpCoreConf core) {
        if (body instanceof ResponseBody.Bytes bytes) {
            ctx.write(chunked ? new DefaultHttpContent(bytes.buffer()) : bytes.buffer());
        } else if (body instanceof ResponseBody.FileSlice file) {
            if (file.count() == 0) {
                file.discard();
                return;
            }
            // A slice that does not own its file (one part of several sharing it) must
            // leave the channel open when Netty releases the region or the chunk source.
            if (core.sendfile() && !connection.secure() && !chunked) {
                ctx.write(file.closeFile()
                        ? new DefaultFileRegion(file.file(), file.offset(), file.count())
                        : new DefaultFileRegion(file.file(), file.offset(), file.count()) {
                            @Override
                            protected void deallocate() {
                                // The last slice of the file closes it.
                            }
                        });
            } else {
                ensureChunkedWriter();
                try {
                    ctx.write(file.closeFile()
                            ? new ChunkedNioFile(file.file(), file.offset(), file.count(), 32 * 1024)
                            : new ChunkedNioFile(file.file(), file.offset(), file.count(), 32 * 1024) {
                                @Override
                                public void close() {
                                    // The last slice of the file closes it.
                                }
                            });
                } catch (java.io.IOException e) {
                    file.discard();
                    ctx.close();
                }
            }
        } else if (body instanceof ResponseBody.Parts parts) {
            for (ResponseBody part : parts.parts()) {
                writePart(part, chunked, core);
            }
        }
    }

    private void ensureChunkedWriter() {
        if (ctx.pipeline().get(ChunkedWriteHandler.class) == null) {
            ctx.pipeline().addBefore(ctx.name(), "chunked-writer", new ChunkedWriteHandler());
        }
    }

    /**
     * The head as it goes on the wire, in nginx's order: Server, Date,
     * Content-Type, Content-Length, Last-Modified, Location, Connection,
     * Keep-Alive, then the rest as the handler and filters left them.
     */
    private HttpResponse finalHead(HttpExchange x, HttpResponse head, HttpCoreConf core, boolean keepAlive,
                                   ResponseBody body) {
        HttpHeaders h = new DefaultHttpHeaders(false);
        HttpHeaders given = head.headers();
        // An upstream's Server or Date that proxy_pass_header lets through takes the place of
        // ours, as nginx's header filter adds its own only when the response has none.
        String server = given.get(HeaderNames.SERVER);
        String date = given.get(HeaderNames.DATE);
        h.set(HeaderNames.SERVER, server != null ? server : dev.portico.http.ResponseHeaders.serverToken(core));
        h.set(HeaderNames.DATE, date != null ? date : dev.portico.files.HttpDates.now());
        int code = head.status().code();
        boolean bodyAllowed = code >= 200 && code != 204 && code != 304;
        copy(given, h, HeaderNames.CONTENT_TYPE);
        if (bodyAllowed) {
            copy(given, h, HeaderNames.CONTENT_LENGTH);
        }
        copy(given, h, HeaderNames.LAST_MODIFIED);
        String location = given.get(HeaderNames.LOCATION);
        if (location != null) {
            h.set(HeaderNames.LOCATION, x.locationAsIs() ? location
                    : dev.portico.http.ResponseHeaders.absoluteLocation(x, core, location));
        }
        boolean chunked = bodyAllowed && !h.contains(HeaderNames.CONTENT_LENGTH)
                && (given.contains(HttpHeaderNames.TRANSFER_ENCODING)
                    || (x.version().equals(HttpVersion.HTTP_1_1) && core.chunkedTransferEncoding()));
        if (chunked) {
            h.set(HeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (keepAlive) {
            h.set(HeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            if (core.keepaliveHeaderTimeout() != null) {
                h.set(HeaderNames.KEEP_ALIVE, "timeout=" + core.keepaliveHeaderTimeout());
            }
        } else {
            h.set(HeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        for (var it = given.iteratorCharSequence(); it.hasNext(); ) {
            // Every other line is kept, repeated names included (add_header Set-Cookie twice...).
            var e = it.next();
            if (!PLACED_ABOVE.contains(e.getKey())) {
                h.add(e.getKey(), e.getValue());
            }
        }
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, head.status(), h);
    }

    /** The headers that finalHead writes before the rest: nginx's first fields and the framing ones. */
    private static final java.util.Set<String> PLACED_ABOVE = HeaderNames.anyCase(java.util.stream.Stream.concat(
            dev.portico.http.ResponseHeaders.FIRST_FIELDS.stream().map(AsciiString::toString),
            java.util.stream.Stream.of("transfer-encoding", "connection", "keep-alive")).toList());

    private static void copy(HttpHeaders from, HttpHeaders to, CharSequence name) {
        String v = from.get(name);
        if (v != null) {
            to.set(name, v);
        }
    }

    private static long headLength(HttpResponse r) {
        long n = 9 + r.status().toString().length() + 2 + 2;
        for (var it = r.headers().iteratorCharSequence(); it.hasNext(); ) {
            var e = it.next();
            n += e.getKey().length() + 2 + e.getValue().length() + 2;
        }
        return n;
    }

    private void responseWritten(HttpExchange x, ChannelFuture f, long bodyLength) {
        cancelTimer();
        x.markResponseEnd();
        x.runCleanups();
        if (f.isSuccess() || f.cause() instanceof dev.portico.http.ClientBodySink.Aborted) {
            if (!x.isHead()) {
                x.addBodyBytes(bodyLength);
            }
        }
        if (f.cause() instanceof dev.portico.http.ClientBodySink.Aborted) {
            x.setKeepAlive(false);
        } else if (!f.isSuccess()) {
            RequestProcessor.logError(x, LogLevel.INFO, "writev() failed (" + describe(f.cause())
                    + ") while sending to client");
            x.setKeepAlive(false);
        }
        logPhase(x);
        if (!x.keepAlive() || !f.isSuccess()) {
            closeAfterResponse(x);
            return;
        }
        if (bodyComplete) {
            requestDone();
        } else {
            // The rest of the body is read and dropped before the next request.
            HttpCoreConf core = x.conf().get(HttpCoreModule.CORE);
            schedule(core.clientBodyTimeout(), this::bodyTimedOut);
            read();
        }
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    private void logPhase(HttpExchange x) {
        RequestProcessor.log(x);
    }


    /** The request and its body are finished: on to the next one, or idle until keepalive_timeout. */
    private void requestDone() {
        HttpExchange x = current;
        current = null;
        counted = server.counters().requestFinished(counted);
        responded = false;
        bytesSinceIdle = false;
        if (inspector != null) {
            inspector.expectHead();
        }
        if (!server.accepting()) {
            ctx.close();
            return;
        }
        HttpCoreConf core = x.conf().get(HttpCoreModule.CORE);
        if (pipelined != null && !pipelined.isEmpty()) {
            while (!pipelined.isEmpty() && current == null) {
                dispatch(pipelined.poll());
            }
            while (!pipelined.isEmpty() && current != null && !bodyComplete) {
                dispatch(pipelined.poll());
            }
            if (current != null) {
                if (!bodyComplete) {
                    read();
                }
                return;
            }
        }
        long keepalive = core.keepaliveTimeout();
        if (keepalive > CODEC_IDLE_MILLIS) {
            schedule(CODEC_IDLE_MILLIS, () -> idleAWhile(keepalive - CODEC_IDLE_MILLIS));
        } else {
            schedule(keepalive, this::keepaliveTimedOut);
        }
        if (inspector != null && inspector.holdsBytes()) {
            try {
                inspector.decodeHeld(ctx.pipeline().context(inspector));
            } catch (Exception e) {
                exceptionCaught(ctx, e);
                return;
            }
            if (state == State.CLOSING) {
                return;
            }
            if (current != null) {
                readIfWanted(); // the held bytes began a request whose body may still be coming
                return;
            }
        }
        read();
    }

    /**
     * How long a keep-alive connection keeps its codec once idle: a busy connection's next request
     * comes sooner and so does not pay for a new decoder and encoder each time.
     */
    private static final long CODEC_IDLE_MILLIS = 1000;

    /** A keep-alive connection idle for a while: its codec goes, keepalive_timeout runs on. */
    private void idleAWhile(long keepaliveLeft) {
        if (current != null) {
            return;
        }
        if (!bytesSinceIdle) {
            shedCodec();
        }
        schedule(keepaliveLeft, this::keepaliveTimedOut);
    }

    private void closeAfterResponse(HttpExchange x) {
        state = State.CLOSING;
        cancelTimer();
        HttpCoreConf core = x.conf().get(HttpCoreModule.CORE);
        boolean linger = "always".equals(core.lingeringClose()) || (!bodyComplete && "on".equals(core.lingeringClose()));
        if (linger && ctx.channel() instanceof DuplexChannel duplex) {
            // nginx's lingering close: stop sending, drain what the client still sends, so that
            // it reads our response instead of a reset.
            duplex.shutdownOutput().addListener(f -> {
                schedule(core.lingeringTimeout(), ctx::close);
                ctx.executor().schedule(() -> { ctx.close(); }, core.lingeringTime(), TimeUnit.MILLISECONDS);
                ctx.read();
            });
        } else {
            ctx.close();
        }
    }

    /** Graceful shutdown: an idle keep-alive connection is closed now, a busy one after its response. */
    @Override
    public void closeIfIdle() {
        if (current == null) {
            ctx.close();
        }
    }

    /** The next request on this connection takes the new configuration by itself. */
    @Override
    public void reloaded() {
    }

    @Override
    public void abort(HttpExchange x) {
        responded = true;
        x.markResponseEnd();
        x.runCleanups();
        logPhase(x);
        state = State.CLOSING;
        ctx.close();
    }

    // ---- timers ----

    private void schedule(long millis, Runnable action) {
        timer.arm(millis, action);
    }

    private void cancelTimer() {
        timer.disarm();
    }

    private void headerTimedOut() {
        if (current == null) {
            if (bytesSinceIdle) {
                ErrorLog.current().log(LogLevel.INFO, connection.id(), "client timed out (110: Connection timed out)"
                        + " while reading client request headers, client: " + connection.remoteAddress());
            }
            ctx.close();
        }
    }

    private void keepaliveTimedOut() {
        if (current != null) {
            return;
        }
        if (bytesSinceIdle) {
            // A request has begun to arrive: from now on it has client_header_timeout to complete, the
            // connection's server's, as nginx's keep-alive request reads with its cscf (hc->conf_ctx's).
            HttpServerConf conf = connectionServer(connection.listen()).serverConf()
                    .get(HttpCoreModule.SERVER_CONF);
            schedule(conf.clientHeaderTimeout(), this::headerTimedOut);
            return;
        }
        ctx.close();
    }

    private void bodyTimedOut() {
        HttpExchange x = current;
        if (x == null) {
            return;
        }
        RequestProcessor.logError(x, LogLevel.INFO, "client timed out (110: Connection timed out)"
                + " while reading client request body");
        bodyComplete = true;
        x.setKeepAlive(false);
        if (!responded) {
            RequestProcessor.finish(x, 408);
        } else {
            ctx.close();
        }
    }

    private void sendTimedOut() {
        if (!ctx.channel().isWritable()) {
            if (current != null) {
                RequestProcessor.logError(current, LogLevel.INFO,
                        "client timed out (110: Connection timed out) while sending response to client");
            }
            ctx.close();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && current != null && responded) {
            cancelTimer();
            if (streaming != null) {
                streaming.writable();
            }
            if (tunnel != null) {
                tunnel.clientWritable();
            }
        } else if (!ctx.channel().isWritable() && current != null && responded) {
            schedule(current.conf().get(HttpCoreModule.CORE).sendTimeout(), this::sendTimedOut);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof java.io.IOException)) {
            ErrorLog.current().log(LogLevel.ERROR, connection == null ? 0 : connection.id(),
                    "unexpected error on connection: " + cause);
        }
        ctx.close();
    }
}
