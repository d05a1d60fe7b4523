package dev.portico.proxy;

import dev.portico.balancer.UpstreamGroup;
import dev.portico.http.BodySink;
import dev.portico.http.BodySource;
import dev.portico.http.ConnectionTimer;
import dev.portico.http.CoreVariables;
import dev.portico.http.HttpExchange;
import dev.portico.http.RequestBodyConsumer;
import dev.portico.http.RequestProcessor;
import dev.portico.http.ResponseBody;
import dev.portico.log.LogLevel;
import dev.portico.server.Transport;
import dev.portico.tls.UpstreamTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * One request's trip to an upstream (nginx's ngx_http_upstream_t): takes an
 * idle keepalive connection of the client connection's own event loop or
 * connects on that loop, sends the request head and the request body (read
 * whole beforehand with proxy_request_buffering on, streamed as it arrives
 * with off), reads the response head, and streams the response body to the
 * client. Back pressure holds both ways: a streamed request body is read only
 * as fast as the upstream takes it (the client connection pauses its reads),
 * and the upstream is read (auto-read off) only while the client can take more.
 * A try that fails before the response head goes to the next peer as
 * proxy_next_upstream allows (ngx_http_upstream_next); when none is left it
 * becomes 502 or 504 with nginx's error-log line. After the head, the client's
 * response is cut short, as nginx does. A complete response leaves its
 * connection in the group's {@link KeepalivePool} when nginx would keep it.
 */
public final class UpstreamRequest implements RequestBodyConsumer, BodySource {

    private enum Stage { CONNECTING, HANDSHAKING, SENDING, READING_HEAD, READING_BODY, UPGRADED, DONE }

    /** The TLS handler's name in an upstream connection's pipeline; it stays while the connection is kept. */
    private static final String TLS = "tls";

    private final HttpExchange x;
    private final UpstreamProtocol protocol;
    private final UpstreamGroup group;
    private final UpstreamGroup.Tries tries;
    /** The group's idle connections, or null when it keeps none. */
    private final KeepalivePool keepalive;
    /** The peer of the current try, held (counted in its connections) until released; or null. */
    private UpstreamGroup.PeerState current;
    private Peer peer;
    /** The peers tried, for $upstream_addr, and what earlier tries left for the other $upstream_* variables. */
    private final java.util.List<String> triedNames = new java.util.ArrayList<>(1);
    private final java.util.List<TryRecord> earlierTries = new java.util.ArrayList<>(1);
    private final UpstreamSettings settings;
    /** TLS on the upstream connections (proxy_pass https://), or null. */
    private final UpstreamTls.Target tls;
    /** A read error seen while the TLS handshake ran: the handshake's failure is logged with its errno. */
    private Throwable handshakeReadError;
    private final Channel client;
    private long bodyLength;
    /** The whole request body, read before connecting (a buffered body), or null when it streams or is absent. */
    private RequestBodySpool spool;
    /** nginx's r->request_body_no_buffering: the body streams, so once sent it cannot be sent again. */
    private final boolean bodyStreams;
    /** When the first try began, for proxy_next_upstream_timeout. */
    private long firstTryNanos;
    /** The current try runs on a connection taken from the keepalive pool (nginx's u->peer.cached). */
    private boolean reused;
    /** Something of the request was written on the current try (nginx's u->request_sent). */
    private boolean requestStarted;
    /** The whole request was written to the current connection (nginx's u->request_body_sent). */
    private boolean requestWritten;
    /** The response head allows keeping the connection: HTTP/1.1, no "Connection: close", no upgrade. */
    private boolean reusableHead;
    /** The response's end is known from its head: a Content-Length or chunked coding. */
    private boolean knownLength;
    /** The response ended where its framing said it would, on a reusable head (nginx's u->keepalive). */
    private boolean responseEnded;

    private Channel upstream;
    /** The current try's request head, built before connecting; null once written. */
    private Object head;
    private Stage stage = Stage.CONNECTING;
    /** proxy_connect/send/read_timeout of the current stage. */
    private final ConnectionTimer timer;
    /** Client body pieces that arrived before the upstream connection was up (at most one read's worth). */
    private final ArrayDeque<ByteBuf> pendingBody = new ArrayDeque<>();
    private boolean requestBodyEnded;
    private boolean informational;
    private BodySink sink;
    /** The response body read ahead of the client (proxy_buffering), or null when it streams as read. */
    private ResponseBuffer buffer;

    /** When the current try began: the $upstream_*_time variables count from here, per try. */
    private long startNanos = System.nanoTime();
    private long connectNanos = -1;
    private long headerNanos = -1;
    private long endNanos = -1;
    private int status;
    private long responseLength;
    private HttpHeaders upstreamHeaders;

    private UpstreamRequest(HttpExchange x, UpstreamProtocol protocol, UpstreamGroup group,
                            UpstreamSettings settings, UpstreamTls.Target tls) {
        this.x = x;
        this.tls = tls;
        this.protocol = protocol;
        this.group = group;
        this.tries = group.newTries(x);
        this.tries.limit(settings.nextTries());
        this.keepalive = protocol.keepsConnections() ? group.keepalive() : null;
        this.settings = settings;
        this.client = x.connection().channel();
        this.timer = new ConnectionTimer(client.eventLoop());
        this.bodyLength = settings.passRequestBody() ? requestBodyLength(x) : 0;
        // A chunked body for an upstream that needs its length is read whole whatever the setting, as nginx.
        this.bodyStreams = bodyLength != 0 && !settings.requestBuffering()
                && (bodyLength > 0 || protocol.streamsChunkedBody());
    }

    /** The request body's length as the client announced it: -1 chunked, 0 none. */
    private static long requestBodyLength(HttpExchange x) {
        if (HttpUtil.isTransferEncodingChunked(x.request())) {
            return -1;
        }
        return HttpUtil.getContentLength(x.request(), 0L);
    }

    /**
     * Starts proxying {@code x} to a peer of {@code group}, over TLS when {@code tls} is not
     * null; the request's response comes later.
     */
    public static void start(HttpExchange x, UpstreamProtocol protocol, UpstreamGroup group,
                             UpstreamSettings settings, UpstreamTls.Target tls) {
        UpstreamRequest u = new UpstreamRequest(x, protocol, group, settings, tls);
        x.setUpstream(u);
        x.addCleanup(u::close);
        if (u.bodyLength != 0 && x.readRequestBody() instanceof RequestBodySpool read) {
            // Read in full for an upstream before an internal redirect: it goes again.
            u.spool = read;
            u.bodyLength = read.size();
            u.connect();
            return;
        }
        if (u.bodyLength != 0 && !u.bodyStreams) {
            // The whole body first (memory, then a temporary file): it can be sent again on a retry.
            u.spool = RequestBodySpool.create(x);
            x.setBodyConsumer(u);
            x.writer().continueRequestBody(x);
            return;
        }
        if (u.bodyLength != 0) {
            x.setBodyConsumer(u);
            // Nothing can take the body until the upstream connection is up.
            x.writer().pauseRequestBody(x);
        }
        u.connect();
    }

    private void connect() {
        startNanos = System.nanoTime();
        if (triedNames.isEmpty()) {
            firstTryNanos = startNanos;
        }
        if (!encodeHead()) {
            return;
        }
        current = group.get(tries);
        if (current == null) {
            peer = null;
            triedNames.add(group.name());
            fail(502, "no live upstreams while connecting to upstream");
            return;
        }
        peer = current.peer;
        triedNames.add(peer.name());
        Channel cached = keepalive == null ? null
                : keepalive.take(client.eventLoop(), peer, tls == null ? null : tls.key());
        if (cached != null) {
            reused = true;
            upstream = cached;
            reuseHandlers(cached.pipeline());
            KeepalivePool.countRequest(cached);
            sendRequest();
            return;
        }
        boolean unix = peer.isUnix();
        Peer target = peer;
        Bootstrap b = new Bootstrap()
                .group(client.eventLoop())
                .channel(Transport.outgoingChannel(client, unix))
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(TLS, newTlsHandler(ch, target));
                            KeepalivePool.markTls(ch, tls.key());
                        }
                        addHandlers(ch.pipeline());
                    }
                });
        if (!unix) {
            b.option(ChannelOption.TCP_NODELAY, true);
            if (settings.socketKeepalive()) {
                b.option(ChannelOption.SO_KEEPALIVE, true);
            }
        }
        SocketAddress address = unix ? Transport.unixAddress(client, peer.unixPath()) : peer.inet();
        arm(settings.connectTimeout(), () -> failTry(NextUpstream.TIMEOUT,
                "upstream timed out (110: Connection timed out) while " + action()));
        ChannelFuture f = b.connect(address);
        upstream = f.channel();
        f.addListener(done -> connected(f));
    }

    /**
     * The handlers behind TLS, on a new or a kept connection: the protocol's codec; over TLS a
     * request body in a temporary file goes in chunks (TLS cannot send a file region); then the
     * engine's own.
     */
    private void addHandlers(ChannelPipeline pipeline) {
        protocol.initChannel(pipeline);
        if (tls != null) {
            pipeline.addLast("file-chunks", new ChunkedWriteHandler());
        }
        InboundSwitch inbound = new InboundSwitch(new Inbound());
        pipeline.addLast("upstream", inbound);
        pipeline.channel().attr(InboundSwitch.KEY).set(inbound);
    }

    /**
     * The handlers of a kept connection: the protocol's own are readied for this request and
     * only the engine's is replaced; other protocols' (another location's) are replaced.
     */
    private void reuseHandlers(ChannelPipeline pipeline) {
        if (protocol.reinitChannel(pipeline)) {
            pipeline.channel().attr(InboundSwitch.KEY).get().current = new Inbound();
            return;
        }
        KeepalivePool.removeHandlers(pipeline);
        addHandlers(pipeline);
    }

    /** The TLS handler of a new connection, keyed for session reuse by the peer's address. */
    private SslHandler newTlsHandler(Channel ch, Peer target) {
        if (target.isUnix()) {
            return tls.newHandler(ch.alloc(), target.unixPath(), 0);
        }
        return tls.newHandler(ch.alloc(), target.inet().getAddress().getHostAddress(), target.inet().getPort());
    }

    /**
     * Builds this try's request head before a connection is taken or made; a request the
     * protocol cannot send is answered 500 at once, nginx's create_request failure.
     */
    private boolean encodeHead() {
        ReferenceCountUtil.release(head);
        head = null;
        try {
            head = protocol.encodeRequestHead(x, bodyLength);
            return true;
        } catch (UnsendableRequestException e) {
            RequestProcessor.logError(x, e.level(), e.getMessage());
            close();
            releaseClientBody();
            RequestProcessor.finish(x, 500);
            return false;
        }
    }

    private void connected(ChannelFuture f) {
        if (stage == Stage.DONE || f.channel() != upstream) {
            f.channel().close();
            return;
        }
        if (!f.isSuccess() && !client.isActive()) {
            // The client went away while connecting: nothing to log, as nginx logs nothing for a
            // client that leaves.
            close();
            return;
        }
        if (!f.isSuccess()) {
            String where = peer.isUnix() ? "connect() to " + peer.name() + " failed (" : "connect() failed (";
            String errno = connectErrno(f.cause());
            failTry(NextUpstream.ERROR, connectFailureLevel(f.cause()), where + errno
                    + ") while connecting to upstream");
            return;
        }
        KeepalivePool.countRequest(upstream);
        if (tls != null) {
            // As nginx: the handshake runs within what is left of proxy_connect_timeout.
            stage = Stage.HANDSHAKING;
            Channel ch = upstream;
            ch.pipeline().get(SslHandler.class).handshakeFuture().addListener(done ->
                    ch.eventLoop().execute(() -> handshaken(ch, done)));
            return;
        }
        disarm();
        sendRequest();
    }

    /**
     * The TLS handshake ended (ngx_http_upstream_ssl_handshake): a failed one, or a certificate
     * that *_ssl_verify refuses, fails the try as an error; otherwise the request goes out.
     * Run after the handler that reported it, so that a read error it saw is known.
     */
    private void handshaken(Channel ch, io.netty.util.concurrent.Future<?> done) {
        if (ch != upstream || stage != Stage.HANDSHAKING) {
            return;
        }
        String failure = done.isSuccess() ? tls.failure(ch.pipeline().get(SslHandler.class))
                : UpstreamTls.handshakeFailure(done.cause(), handshakeReadError);
        if (failure != null) {
            failTry(NextUpstream.ERROR, failure + " while SSL handshaking to upstream");
            return;
        }
        disarm();
        sendRequest();
    }

    /** The connection is up (new or kept): the request head goes out, then the body. */
    private void sendRequest() {
        connectNanos = System.nanoTime();
        stage = Stage.SENDING;
        requestStarted = true;
        Object h = head;
        head = null;
        upstream.write(h).addListener(writeFailure);
        if (bodyLength == 0) {
            requestSent();
            return;
        }
        if (spool != null) {
            upstream.write(spool.content(protocol, tls == null)).addListener(writeFailure);
            requestSent();
            return;
        }
        while (!pendingBody.isEmpty()) {
            upstream.write(protocol.encodeBodyPart(pendingBody.poll())).addListener(writeFailure);
        }
        if (requestBodyEnded) {
            requestSent();
            return;
        }
        upstream.flush();
        upstream.read(); // an upstream may answer before it has the whole body
        x.writer().continueRequestBody(x);
        if (upstream.isWritable()) {
            x.writer().resumeRequestBody(x);
        } else {
            armSendTimer();
        }
    }

    /**
     * A request write failed: the upstream reset or closed the connection (a
     * stale keepalive one, often). Handled after the writing code has returned,
     * as a write may fail at once.
     */
    private final ChannelFutureListener writeFailure = f -> {
        if (!f.isSuccess()) {
            Throwable cause = f.cause();
            f.channel().eventLoop().execute(() -> {
                if (f.channel() == upstream && (stage == Stage.SENDING || stage == Stage.READING_HEAD)) {
                    failTry(NextUpstream.ERROR, "writev() failed (" + errnoOfReset(cause)
                            + ") while sending request to upstream");
                }
            });
        }
    };

    /**
     * ngx_event_connect_peer's level for a failed connect: refusals and unreachable networks
     * are errors, the rest (a missing socket file, no permission) critical.
     */
    public static LogLevel connectFailureLevel(Throwable cause) {
        String errno = connectErrno(cause);
        return errno.startsWith("111:") || errno.startsWith("113:") || errno.startsWith("104:")
                || cause instanceof java.nio.channels.ClosedChannelException ? LogLevel.ERROR : LogLevel.CRIT;
    }

    /** The errno text nginx prints for a failed connect ("111: Connection refused"). */
    public static String connectErrno(Throwable cause) {
        String m = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        if (m.contains("Connection refused")) {
            return "111: Connection refused";
        }
        if (cause instanceof java.io.FileNotFoundException || m.contains("No such file")) {
            return "2: No such file or directory";
        }
        if (m.contains("Permission denied")) {
            return "13: Permission denied";
        }
        if (m.contains("No route")) {
            return "113: No route to host";
        }
        return m;
    }

    // ---- request body, from the client ----

    @Override
    public void onContent(HttpExchange exchange, HttpContent content, boolean last) {
        ByteBuf data = content.content().retain();
        content.release();
        if (stage == Stage.DONE) {
            data.release();
            return;
        }
        if (spool != null) {
            try {
                spool.write(data);
            } catch (java.io.IOException e) {
                RequestProcessor.logError(x, LogLevel.CRIT, "write() to a temporary file failed (" + e.getMessage()
                        + ")");
                close();
                releaseClientBody();
                RequestProcessor.finish(x, 500);
                return;
            } finally {
                data.release();
            }
            if (last) {
                bodyLength = spool.size();
                if (HttpUtil.isTransferEncodingChunked(x.request())) {
                    x.setRequestBodyLength(bodyLength); // $content_length from now on, as nginx
                }
                // The request owns it from now on, for a later upstream after a redirect.
                RequestBodySpool read = spool;
                x.setReadRequestBody(read);
                x.addCleanup(read::discard);
                connect();
            }
            return;
        }
        if (stage == Stage.CONNECTING || stage == Stage.HANDSHAKING) {
            pendingBody.add(data);
            requestBodyEnded = last;
            return;
        }
        if (data.isReadable()) {
            upstream.write(protocol.encodeBodyPart(data)).addListener(writeFailure);
        } else {
            data.release();
        }
        if (last) {
            requestSent();
            return;
        }
        upstream.flush();
        if (!upstream.isWritable()) {
            // A slow upstream: stop reading the client until the upstream drains.
            x.writer().pauseRequestBody(x);
            armSendTimer();
        }
    }

    private void armSendTimer() {
        arm(settings.sendTimeout(), () -> failTry(NextUpstream.TIMEOUT,
                "upstream timed out (110: Connection timed out) while sending request to upstream"));
    }

    /** The whole request is written: from now on proxy_read_timeout runs until the response head. */
    private void requestSent() {
        Channel ch = upstream;
        upstream.writeAndFlush(protocol.encodeRequestEnd()).addListener(f -> {
            if (f.isSuccess()) {
                if (ch == upstream) {
                    requestWritten = true;
                }
            } else {
                writeFailure.operationComplete((ChannelFuture) f);
            }
        });
        if (stage == Stage.SENDING) {
            stage = Stage.READING_HEAD;
        }
        if (stage == Stage.READING_HEAD) {
            read();
        }
    }

    // ---- response, from the upstream ----

    private void read() {
        if (stage == Stage.DONE || !upstream.isActive()) {
            return;
        }
        if (stage == Stage.READING_HEAD) {
            arm(settings.readTimeout(), () -> failTry(NextUpstream.TIMEOUT,
                    "upstream timed out (110: Connection timed out) while reading response header from upstream"));
        } else if (stage == Stage.READING_BODY) {
            arm(settings.readTimeout(), () -> failBody(
                    "upstream timed out (110: Connection timed out) while reading upstream"));
        }
        upstream.read();
    }

    /**
     * The engine's handler in a connection's pipeline, kept with the connection: each request
     * that takes it sets its own {@link Inbound} here instead of replacing a handler.
     */
    private static final class InboundSwitch extends ChannelInboundHandlerAdapter {
        /** The connection's switch, found without walking the pipeline by name on each request. */
        static final io.netty.util.AttributeKey<InboundSwitch> KEY =
                io.netty.util.AttributeKey.valueOf(UpstreamRequest.class, "inbound");

        Inbound current;

        InboundSwitch(Inbound current) {
            this.current = current;
        }

        /** Lets go of the last request when its connection goes back to the pool. */
        static void clear(Channel ch) {
            InboundSwitch s = ch.attr(KEY).get();
            if (s != null) {
                s.current = null;
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (current != null) {
                current.channelRead(ctx, msg);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (current != null) {
                current.channelReadComplete(ctx);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (current != null) {
                current.channelWritabilityChanged(ctx);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (current != null) {
                current.channelInactive(ctx);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (current != null) {
                current.exceptionCaught(ctx, cause);
            }
        }
    }

    /** What the upstream connection reports while this request has it. */
    private final class Inbound {
        void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (stage == Stage.DONE || ctx.channel() != upstream) {
                    return;
                }
                if (msg instanceof HttpResponse head) {
                    if (head.decoderResult().isFailure()) {
                        // The protocol's decoder refuses what nginx refuses, in nginx's words.
                        Throwable cause = head.decoderResult().cause();
                        if (cause instanceof PrematureChannelClosureException) {
                            failTry(NextUpstream.ERROR, "upstream prematurely closed connection while reading"
                                    + " response header from upstream");
                        } else {
                            boolean worded = cause instanceof UpstreamResponseDecoder.InvalidResponse;
                            failTry(NextUpstream.INVALID_HEADER, (worded ? cause.getMessage()
                                    : "upstream sent invalid header") + " while reading response header from upstream");
                        }
                        return;
                    }
                    if (head instanceof UpstreamResponseDecoder.Head parsed) {
                        for (String warning : parsed.warnings()) {
                            RequestProcessor.logError(x, LogLevel.WARN, warning
                                    + " while reading response header from upstream", upstreamUrl());
                        }
                    }
                    int code = head.status().code();
                    if (code >= 100 && code < 200 && code != 101) {
                        informational = true; // "100 Continue" and the like: the real head follows
                        return;
                    }
                    responseHead(head);
                }
                if (msg instanceof HttpContent content) {
                    if (informational) {
                        informational = !(content instanceof LastHttpContent);
                        return;
                    }
                    if (content.decoderResult().cause() instanceof UpstreamResponseDecoder.InvalidResponse bad) {
                        failBody(bad.getMessage() + " while reading upstream"); // e.g. a broken chunked body
                        return;
                    }
                    if (content instanceof LastHttpContent && content.decoderResult().isSuccess()) {
                        responseEnded = reusableHead && knownLength;
                    }
                    responseContent(content);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        void channelReadComplete(ChannelHandlerContext ctx) {
            if (ctx.channel() != upstream) {
                return;
            }
            if (stage == Stage.READING_BODY && buffer != null) {
                if (buffer.hasRoom()) {
                    read();
                } else {
                    // Memory and temporary file are full: the upstream waits until the client drains some.
                    disarm();
                    buffer.whenRoom(UpstreamRequest.this::read);
                }
            } else if (stage == Stage.READING_BODY && sink != null) {
                if (sink.isWritable()) {
                    read();
                } else {
                    // A slow client: the upstream waits in its socket until the client drains.
                    disarm();
                    sink.whenWritable(UpstreamRequest.this::read);
                }
            } else if (stage == Stage.READING_HEAD || stage == Stage.SENDING) {
                if (stage == Stage.READING_HEAD) {
                    read();
                } else {
                    upstream.read();
                }
            }
        }

        void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel() == upstream && ctx.channel().isWritable() && stage == Stage.SENDING) {
                disarm();
                x.writer().resumeRequestBody(x);
            }
        }

        void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() != upstream) {
                return;
            }
            if (stage == Stage.SENDING || stage == Stage.READING_HEAD) {
                failTry(NextUpstream.ERROR,
                        "upstream prematurely closed connection while reading response header from upstream");
            } else if (stage == Stage.READING_BODY) {
                failBody("upstream prematurely closed connection while reading upstream");
            }
        }

        void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (ctx.channel() != upstream) {
                return;
            }
            boolean io = cause instanceof java.io.IOException;
            if (stage == Stage.HANDSHAKING) {
                // The handshake's end reports it; a TLS error also arrives here, wrapped.
                if (io && handshakeReadError == null) {
                    handshakeReadError = cause;
                }
                return;
            }
            String what = io ? "recv() failed (" + errnoOfReset(cause) + ")"
                    : "upstream sent invalid response (" + cause.getMessage() + ")";
            if (stage == Stage.READING_BODY) {
                failBody(what + " while reading upstream");
            } else if (stage != Stage.DONE) {
                failTry(io ? NextUpstream.ERROR : NextUpstream.INVALID_HEADER,
                        what + " while reading response header from upstream");
            }
        }
    }

    /** The errno text nginx prints for a failed send or receive ("104: Connection reset by peer"). */
    public static String errnoOfReset(Throwable cause) {
        String m = String.valueOf(cause.getMessage());
        if (m.contains("reset")) {
            return "104: Connection reset by peer";
        }
        return m.contains("Broken pipe") ? "32: Broken pipe" : m;
    }

    private void responseHead(HttpResponse head) {
        disarm();
        headerNanos = System.nanoTime();
        status = head.status().code();
        upstreamHeaders = head.headers();
        noteFraming(head);
        if (nextOnStatus()) {
            return;
        }
        if (settings.interceptErrors() && status >= 300 && RequestProcessor.hasErrorPage(x, status)) {
            // proxy_intercept_errors: the location's error_page answers instead of the upstream.
            finishUpstream();
            releaseClientBody();
            RequestProcessor.finish(x, status);
            return;
        }
        String accelRedirect = AccelHeaders.redirectTarget(head.headers(), settings);
        if (accelRedirect != null) {
            // X-Accel-Redirect: the upstream's body is not wanted, the request goes on internally.
            finishUpstream();
            releaseClientBody();
            AccelHeaders.redirect(x, head.headers(), accelRedirect);
            return;
        }
        HttpHeaders out = x.responseHeaders();
        out.clear();
        for (Map.Entry<String, String> e : head.headers()) {
            String name = e.getKey();
            if (!HOP_BY_HOP.contains(name) && !settings.hiddenHeaders().contains(name)) {
                out.add(e.getKey(), e.getValue());
            }
        }
        x.setLocationAsIs(true);
        x.setUpstreamStatus(head.status());
        protocol.rewriteResponseHeaders(x, out);
        // No charset module yet: no charset is known, so X-Accel-Charset can only be reported.
        AccelHeaders.overrideCharset(x, head.headers(), out, status, settings, charset -> false);
        if (status == 101 && x.requestHeaders().contains(HttpHeaderNames.UPGRADE)) {
            upgrade(head);
            return;
        }
        boolean noBody = x.isHead() || status == 204 || status == 304;
        if (noBody) {
            finishUpstream();
            releaseClientBody();
            RequestProcessor.send(x, status, ResponseBody.EMPTY);
            return;
        }
        if (stage == Stage.SENDING) {
            // The upstream answered before it had the whole request body: the connection
            // reads and drops the rest once the response is written, so reading resumes.
            releaseClientBody();
        }
        stage = Stage.READING_BODY;
        if (buffers(head)) {
            buffer = new ResponseBuffer(settings.buffersSize(), settings.maxTempFileSize(), new TempFiles(),
                    client.alloc());
            x.addCleanup(buffer::discard);
        }
        long length = -1;
        String cl = head.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        if (cl != null) {
            try {
                length = Long.parseLong(cl.trim());
            } catch (NumberFormatException e) {
                length = -1;
            }
        }
        RequestProcessor.send(x, status, new ResponseBody.Stream(length, this));
    }

    /**
     * 101 to a request that asked for an upgrade (a WebSocket): the connection
     * becomes a tunnel for the client's bytes, as nginx does with
     * proxy_http_version 1.1 and the Upgrade/Connection headers passed on.
     */
    private void upgrade(HttpResponse head) {
        stage = Stage.UPGRADED;
        String upgrade = head.headers().get(HttpHeaderNames.UPGRADE);
        if (upgrade != null) {
            x.responseHeaders().set(HttpHeaderNames.UPGRADE, upgrade);
        }
        UpgradedConnection tunnel = new UpgradedConnection(upstream, settings.readTimeout(),
                message -> RequestProcessor.logError(x, LogLevel.ERROR, message, upstreamUrl()));
        upstream.pipeline().replace("upstream", "tunnel", tunnel);
        RequestProcessor.send(x, 101, new ResponseBody.Switched(tunnel));
        // Last, once the tunnel has its client: bytes the decoder holds past the 101's head go to it.
        protocol.upgraded(upstream.pipeline());
    }

    /** proxy_buffering, unless the upstream's X-Accel-Buffering says otherwise for this response. */
    private boolean buffers(HttpResponse head) {
        Boolean accel = AccelHeaders.buffering(head.headers(), settings);
        return accel != null ? accel : settings.buffering();
    }

    /** The temporary-file folder when *_temp_path is not set, looked up once. */
    private static final java.nio.file.Path SYSTEM_TEMP = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));

    /** Where the response buffer's temporary file goes; its creation is logged as nginx does. */
    private final class TempFiles implements ResponseBuffer.TempFiles {
        @Override
        public java.nio.file.Path folder() {
            return settings.tempPath() != null ? settings.tempPath()
                    : SYSTEM_TEMP;
        }

        @Override
        public void created(java.nio.file.Path path) {
            RequestProcessor.logError(x, LogLevel.WARN, "an upstream response is buffered to a temporary file "
                    + path + " while reading upstream", upstreamUrl());
        }
    }

    /** Response headers that describe the upstream connection, not the response (nginx drops them too). */
    private static final java.util.Set<String> HOP_BY_HOP = dev.portico.http.HeaderNames.anyCase(java.util.List.of(
            "connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"));

    private void responseContent(HttpContent content) {
        if (stage != Stage.READING_BODY) {
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (last && content.decoderResult().isFailure()) {
            failBody("upstream prematurely closed connection while reading upstream");
            return;
        }
        disarm();
        ByteBuf data = content.content();
        responseLength += data.readableBytes();
        if (data.isReadable()) {
            if (buffer != null) {
                try {
                    buffer.add(data.retain());
                } catch (java.io.IOException e) {
                    failBody("write() to a temporary file failed (" + e.getMessage() + ")");
                    return;
                }
            } else if (sink != null) {
                sink.write(data.retain());
            }
        }
        if (last) {
            finishUpstream();
            if (buffer != null) {
                buffer.end();
            } else if (sink != null) {
                sink.end();
            }
        }
    }

    // ---- BodySource: the client connection pulls the response body ----

    @Override
    public void start(BodySink sink) {
        this.sink = sink;
        if (buffer != null) {
            buffer.attach(sink);
        }
        read();
    }

    @Override
    public void discard() {
        close();
        if (buffer != null) {
            buffer.discard();
        }
    }

    // ---- endings ----

    /**
     * nginx's ngx_http_upstream_next: the current try failed before the client
     * got anything. The peer counts a failure toward max_fails (http_403 and
     * http_404 do not), and a failed keepalive connection gives the request one
     * try more, as it says little about the peer. The request goes to the next
     * peer when {@link #mayRetry} allows; otherwise the client gets the
     * failure's status (502, 504, or 500/403/404/429 for those statuses).
     * {@code message} is the error-log line, or null for a dropped response.
     */
    private void failTry(NextUpstream failure, String message) {
        failTry(failure, LogLevel.ERROR, message);
    }

    private void failTry(NextUpstream failure, LogLevel level, String message) {
        if (stage == Stage.DONE) {
            return;
        }
        if (message != null) {
            RequestProcessor.logError(x, level, message, upstreamUrl());
        }
        boolean counts = failure != NextUpstream.HTTP_403 && failure != NextUpstream.HTTP_404;
        release(counts ? (message != null ? message : failure.word()) : null);
        if (reused && failure == NextUpstream.ERROR) {
            tries.addOne();
        }
        status = failure.status();
        disarm();
        Channel old = upstream;
        upstream = null;
        if (old != null) {
            if (!counts && keepaliveReady(old)) {
                InboundSwitch.clear(old);
                keepalive.offer(peer, old); // an empty 403/404 leaves a reusable connection, as in nginx
            } else {
                old.close();
            }
        }
        if (!mayRetry(failure)) {
            endNanos = System.nanoTime();
            close();
            releaseClientBody();
            RequestProcessor.finish(x, status);
            return;
        }
        endTry();
        stage = Stage.CONNECTING;
        connect();
    }

    /** Methods nginx never sends twice unless proxy_next_upstream has non_idempotent. */
    private static final java.util.Set<String> NON_IDEMPOTENT = java.util.Set.of("POST", "LOCK", "PATCH");

    /**
     * Whether a try that failed this way goes to the next peer: proxy_next_upstream
     * names the failure (and non_idempotent, for a POST, LOCK or PATCH already
     * sent), a try is left (proxy_next_upstream_tries), proxy_next_upstream_timeout
     * has not passed, and the request body can be sent again: a streamed body
     * (proxy_request_buffering off) cannot once sending began.
     */
    private boolean mayRetry(NextUpstream failure) {
        java.util.Set<NextUpstream> allowed = settings.nextUpstream();
        boolean nonIdempotent = requestStarted && NON_IDEMPOTENT.contains(x.method());
        return tries.left() > 0
                && allowed.contains(failure)
                && (!nonIdempotent || allowed.contains(NextUpstream.NON_IDEMPOTENT))
                && !(requestStarted && bodyStreams)
                && (settings.nextTimeout() == 0
                        || (System.nanoTime() - firstTryNanos) / 1_000_000 < settings.nextTimeout());
    }

    /**
     * proxy_next_upstream http_500 … http_429 (ngx_http_upstream_test_next): a
     * response with such a status is dropped, unread, before anything reaches the
     * client, and the request goes to the next peer.
     */
    private boolean nextOnStatus() {
        NextUpstream failure = NextUpstream.ofStatus(status);
        if (failure == null || !mayRetry(failure)) {
            return false;
        }
        failTry(failure, null);
        return true;
    }

    /** What the response head says about keeping its connection (nginx's proxy module sets u->keepalive so). */
    private void noteFraming(HttpResponse head) {
        HttpHeaders h = head.headers();
        reusableHead = HttpVersion.HTTP_1_1.equals(head.protocolVersion()) && status != 101
                && !h.containsValue(HttpHeaderNames.CONNECTION, "close", true);
        boolean chunked = HttpUtil.isTransferEncodingChunked(head);
        String length = h.get(HttpHeaderNames.CONTENT_LENGTH);
        knownLength = chunked || length != null;
        boolean endsAtHead = x.isHead() || status == 204 || status == 304
                || (!chunked && length != null && length.trim().equals("0"));
        responseEnded = reusableHead && endsAtHead;
    }

    /** The current try is over and another follows: what it leaves for the $upstream_* variables is kept. */
    private void endTry() {
        earlierTries.add(new TryRecord(status, startNanos, connectNanos, headerNanos, System.nanoTime(),
                responseLength));
        status = 0;
        connectNanos = -1;
        headerNanos = -1;
        endNanos = -1;
        responseLength = 0;
        upstreamHeaders = null;
        informational = false;
        reused = false;
        handshakeReadError = null;
        requestStarted = false;
        requestWritten = false;
        reusableHead = false;
        knownLength = false;
        responseEnded = false;
    }

    /**
     * Gives the current peer back to its group; a failure counts toward max_fails.
     *
     * @param failure null for a try that did not fail, else what went wrong
     */
    private void release(String failure) {
        if (current != null) {
            UpstreamGroup.PeerState p = current;
            current = null;
            if (group.free(p, failure)) {
                RequestProcessor.logError(x, LogLevel.WARN, "upstream server temporarily disabled while "
                        + action(), upstreamUrl(p.peer));
            }
        }
    }

    /** What the try was doing, as nginx's log action says it. */
    private String action() {
        return switch (stage) {
            case CONNECTING -> "connecting to upstream";
            case HANDSHAKING -> "SSL handshaking to upstream";
            case SENDING -> "sending request to upstream";
            case READING_HEAD -> "reading response header from upstream";
            default -> "reading upstream";
        };
    }

    /** A failure with no try after it (no live upstreams): 502, logged as nginx does. */
    private void fail(int code, String message) {
        if (stage == Stage.DONE) {
            return;
        }
        status = code;
        RequestProcessor.logError(x, LogLevel.ERROR, message, upstreamUrl());
        release(message);
        finishUpstream();
        if (x.headerSent()) {
            if (sink != null) {
                sink.abort();
            }
            return;
        }
        releaseClientBody();
        RequestProcessor.finish(x, code);
    }

    /** A failure while the body streams: the head is out, so the client's response is cut short. */
    private void failBody(String message) {
        if (stage == Stage.DONE) {
            return;
        }
        RequestProcessor.logError(x, LogLevel.ERROR, message, upstreamUrl());
        finishUpstream();
        if (buffer != null) {
            buffer.discard();
        }
        if (sink != null) {
            sink.abort();
        }
    }

    /** The client's unread body is now read and dropped by the connection. */
    private void releaseClientBody() {
        x.discardRequestBody();
        x.writer().resumeRequestBody(x);
    }

    /**
     * The upstream's part is over. Its connection goes back to the group's
     * keepalive pool when nginx would keep it (the response ended where its
     * framing said, HTTP/1.1 without "Connection: close", the whole request was
     * written); otherwise it closes.
     */
    private void finishUpstream() {
        stage = Stage.DONE;
        endNanos = System.nanoTime();
        Channel ch = upstream;
        if (ch != null && keepaliveReady(ch)) {
            upstream = null;
            InboundSwitch.clear(ch);
            keepalive.offer(peer, ch);
        }
        close();
    }

    private boolean keepaliveReady(Channel ch) {
        return keepalive != null && responseEnded && requestWritten && ch.isActive();
    }

    /** Closes the upstream connection and gives back what is held; the client is gone or served. */
    private void close() {
        release(null);
        if (stage != Stage.DONE) {
            stage = Stage.DONE;
            endNanos = System.nanoTime();
        }
        timer.cancel();
        ReferenceCountUtil.release(head);
        head = null;
        while (!pendingBody.isEmpty()) {
            pendingBody.poll().release();
        }
        if (spool != null) {
            if (spool != x.readRequestBody()) {
                spool.discard();
            }
            spool = null;
        }
        if (upstream != null && upstream.isOpen()) {
            upstream.close();
        }
    }

    private void arm(long millis, Runnable action) {
        timer.arm(millis, action);
    }

    private void disarm() {
        timer.disarm();
    }

    /** The upstream as nginx's error log shows it: "http://127.0.0.1:8000/path", "http://unix:/s.sock:/path". */
    private String upstreamUrl() {
        if (peer == null) {
            return protocol.scheme(tls != null) + "://" + group.name() + protocol.requestTarget(x);
        }
        return upstreamUrl(peer);
    }

    private String upstreamUrl(Peer p) {
        return protocol.scheme(tls != null) + "://" + p.name() + (p.isUnix() ? ":" : "") + protocol.requestTarget(x);
    }

    // ---- what the $upstream_* variables show ----

    /** What a try that another followed leaves for the variables (nginx's ngx_http_upstream_state_t). */
    private record TryRecord(int status, long startNanos, long connectNanos, long headerNanos, long endNanos,
                             long length) {
    }

    /** Every try's value, joined as nginx does ("0.001, 0.002"); the current try's last. */
    private String perTry(java.util.function.Function<TryRecord, String> earlier, String now) {
        if (earlierTries.isEmpty()) {
            return now;
        }
        StringBuilder sb = new StringBuilder();
        for (TryRecord t : earlierTries) {
            sb.append(earlier.apply(t)).append(", ");
        }
        return sb.append(now == null ? "-" : now).toString();
    }

    public String address() {
        return String.join(", ", triedNames);
    }

    /** $upstream_status: each try's status, 502/504 for one that failed before a response. */
    public String statusText() {
        return perTry(t -> statusOf(t.status()), status == 0 ? null : Integer.toString(status));
    }

    private static String statusOf(int code) {
        return code == 0 ? "-" : Integer.toString(code);
    }

    public String connectTime() {
        return perTry(t -> seconds(t.startNanos(), t.connectNanos()), seconds(startNanos, connectNanos));
    }

    public String headerTime() {
        return perTry(t -> seconds(t.startNanos(), t.headerNanos()), seconds(startNanos, headerNanos));
    }

    public String responseTime() {
        return perTry(t -> seconds(t.startNanos(), t.endNanos()),
                seconds(startNanos, endNanos >= 0 ? endNanos : System.nanoTime()));
    }

    public String responseLength() {
        return perTry(t -> Long.toString(t.length()), Long.toString(responseLength));
    }

    /** A response header as the upstream sent it ($upstream_http_NAME), or null. */
    public String upstreamHeader(String name) {
        return upstreamHeaders == null ? null : upstreamHeaders.get(name);
    }

    private static String seconds(long start, long at) {
        if (at < 0) {
            return "-";
        }
        return CoreVariables.seconds((at - start) / 1_000_000);
    }
}
