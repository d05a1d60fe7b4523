package dev.portico.proxy;

import dev.portico.balancer.UpstreamGroup;
import dev.portico.http.BodySink;
import dev.portico.http.BodySource;
import dev.portico.http.HttpExchange;
import dev.portico.http.RequestBodyConsumer;
import dev.portico.http.RequestProcessor;
import dev.portico.http.ResponseBody;
import dev.portico.log.LogLevel;
import dev.portico.server.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One request's trip to an upstream (nginx's ngx_http_upstream_t): connects on
 * the client connection's own event loop, sends the request head and streams
 * the request body, reads the response head, and streams the response body to
 * the client. Back pressure holds both ways: the client's body is read only as
 * fast as the upstream takes it (the client connection pauses its reads), and
 * the upstream is read (auto-read off) only while the client can take more.
 * Failures before the response head become 502 or 504 with nginx's error-log
 * line; after it, the client's response is cut short, as nginx does.
 */
public final class UpstreamRequest implements RequestBodyConsumer, BodySource {

    private enum Stage { CONNECTING, SENDING, READING_HEAD, READING_BODY, UPGRADED, DONE }

    private final HttpExchange x;
    private final UpstreamProtocol protocol;
    private final UpstreamGroup group;
    private final UpstreamGroup.Tries tries;
    /** The peer of the current try, held (counted in its connections) until released; or null. */
    private UpstreamGroup.PeerState current;
    private Peer peer;
    /** The peers tried, for $upstream_addr, and the statuses of failed tries, for $upstream_status. */
    private final java.util.List<String> triedNames = new java.util.ArrayList<>(1);
    private final java.util.List<String> triedStatuses = new java.util.ArrayList<>(1);
    private final UpstreamSettings settings;
    private final Channel client;
    private long bodyLength;
    /** A chunked request body being written to a temporary file before connecting, or null. */
    private RequestBodySpool spool;

    private Channel upstream;
    private Stage stage = Stage.CONNECTING;
    private ScheduledFuture<?> timer;
    /** Client body pieces that arrived before the upstream connection was up (at most one read's worth). */
    private final ArrayDeque<ByteBuf> pendingBody = new ArrayDeque<>();
    private boolean requestBodyEnded;
    private boolean informational;
    private BodySink sink;
    /** The response body read ahead of the client (proxy_buffering), or null when it streams as read. */
    private ResponseBuffer buffer;

    private final long startNanos = System.nanoTime();
    private long connectNanos = -1;
    private long headerNanos = -1;
    private long endNanos = -1;
    private int status;
    private long responseLength;
    private HttpHeaders upstreamHeaders;

    private UpstreamRequest(HttpExchange x, UpstreamProtocol protocol, UpstreamGroup group,
                            UpstreamSettings settings) {
        this.x = x;
        this.protocol = protocol;
        this.group = group;
        this.tries = group.newTries();
        this.settings = settings;
        this.client = x.connection().channel();
        this.bodyLength = settings.passRequestBody() ? requestBodyLength(x) : 0;
    }

    /** The request body's length as the client announced it: -1 chunked, 0 none. */
    private static long requestBodyLength(HttpExchange x) {
        if (HttpUtil.isTransferEncodingChunked(x.request())) {
            return -1;
        }
        return HttpUtil.getContentLength(x.request(), 0L);
    }

    /** Starts proxying {@code x} to a peer of {@code group}; the request's response comes later. */
    public static void start(HttpExchange x, UpstreamProtocol protocol, UpstreamGroup group,
                             UpstreamSettings settings) {
        UpstreamRequest u = new UpstreamRequest(x, protocol, group, settings);
        x.setUpstream(u);
        x.addCleanup(u::close);
        if (u.bodyLength < 0 && !protocol.streamsChunkedBody()) {
            // The length must be known before the head goes out: read the whole body first.
            try {
                u.spool = RequestBodySpool.create(x);
            } catch (java.io.IOException e) {
                RequestProcessor.logError(x, LogLevel.CRIT, "cannot create temporary file for the request body ("
                        + e.getMessage() + ")");
                RequestProcessor.finish(x, 500);
                return;
            }
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
        current = group.get(tries);
        if (current == null) {
            peer = null;
            triedNames.add(group.name());
            fail(502, "no live upstreams while connecting to upstream");
            return;
        }
        peer = current.peer;
        triedNames.add(peer.name());
        boolean unix = peer.isUnix();
        Bootstrap b = new Bootstrap()
                .group(client.eventLoop())
                .channel(Transport.outgoingChannel(client, unix))
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        protocol.initChannel(ch.pipeline());
                        ch.pipeline().addLast("upstream", new Inbound());
                    }
                });
        if (!unix) {
            b.option(ChannelOption.TCP_NODELAY, true);
            if (settings.socketKeepalive()) {
                b.option(ChannelOption.SO_KEEPALIVE, true);
            }
        }
        SocketAddress address = unix ? Transport.unixAddress(client, peer.unixPath()) : peer.inet();
        arm(settings.connectTimeout(), () -> fail(504,
                "upstream timed out (110: Connection timed out) while connecting to upstream", true));
        ChannelFuture f = b.connect(address);
        upstream = f.channel();
        f.addListener(done -> connected(f));
    }

    private void connected(ChannelFuture f) {
        if (stage == Stage.DONE || f.channel() != upstream) {
            f.channel().close();
            return;
        }
        if (!f.isSuccess()) {
            String where = peer.isUnix() ? "connect() to " + peer.name() + " failed (" : "connect() failed (";
            fail(502, where + errno(f.cause()) + ") while connecting to upstream", false);
            return;
        }
        disarm();
        connectNanos = System.nanoTime();
        stage = Stage.SENDING;
        upstream.write(protocol.encodeRequestHead(x, bodyLength));
        if (bodyLength == 0) {
            requestSent();
            return;
        }
        if (spool != null) {
            upstream.write(spool.handOver());
            spool = null;
            requestSent();
            return;
        }
        while (!pendingBody.isEmpty()) {
            upstream.write(protocol.encodeBodyPart(pendingBody.poll()));
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

    /** The errno text nginx prints for a failed connect. */
    private static String errno(Throwable cause) {
        String m = String.valueOf(cause.getMessage());
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
                connect();
            }
            return;
        }
        if (stage == Stage.CONNECTING) {
            pendingBody.add(data);
            requestBodyEnded = last;
            return;
        }
        if (data.isReadable()) {
            upstream.write(protocol.encodeBodyPart(data));
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
        arm(settings.sendTimeout(), () -> fail(504,
                "upstream timed out (110: Connection timed out) while sending request to upstream"));
    }

    /** The whole request is written: from now on proxy_read_timeout runs until the response head. */
    private void requestSent() {
        upstream.writeAndFlush(protocol.encodeRequestEnd());
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
            arm(settings.readTimeout(), () -> fail(504,
                    "upstream timed out (110: Connection timed out) while reading response header from upstream"));
        } else if (stage == Stage.READING_BODY) {
            arm(settings.readTimeout(), () -> failBody(
                    "upstream timed out (110: Connection timed out) while reading upstream"));
        }
        upstream.read();
    }

    private final class Inbound extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (stage == Stage.DONE) {
                    return;
                }
                if (msg instanceof HttpResponse head) {
                    if (head.decoderResult().isFailure()) {
                        // The protocol's decoder refuses what nginx refuses, in nginx's words.
                        Throwable cause = head.decoderResult().cause();
                        fail(502, cause instanceof UpstreamResponseDecoder.InvalidResponse
                                ? cause.getMessage() + " while reading response header from upstream"
                                : cause instanceof PrematureChannelClosureException
                                ? "upstream prematurely closed connection while reading response header from upstream"
                                : "upstream sent invalid header while reading response header from upstream");
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
                    responseContent(content);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
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

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable() && stage == Stage.SENDING) {
                disarm();
                x.writer().resumeRequestBody(x);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (stage == Stage.SENDING || stage == Stage.READING_HEAD) {
                fail(502, "upstream prematurely closed connection while reading response header from upstream");
            } else if (stage == Stage.READING_BODY) {
                failBody("upstream prematurely closed connection while reading upstream");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            String what = cause instanceof java.io.IOException ? "recv() failed (" + errnoOfReset(cause) + ")"
                    : "upstream sent invalid response (" + cause.getMessage() + ")";
            if (stage == Stage.READING_BODY) {
                failBody(what + " while reading upstream");
            } else if (stage != Stage.DONE) {
                fail(502, what + " while reading response header from upstream");
            }
        }
    }

    private static String errnoOfReset(Throwable cause) {
        String m = String.valueOf(cause.getMessage());
        return m.contains("reset") ? "104: Connection reset by peer" : m;
    }

    private void responseHead(HttpResponse head) {
        disarm();
        headerNanos = System.nanoTime();
        status = head.status().code();
        upstreamHeaders = head.headers();
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
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(name) && !settings.hiddenHeaders().contains(name)) {
                out.add(e.getKey(), e.getValue());
            }
        }
        x.setLocationAsIs(true);
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

    /** Where the response buffer's temporary file goes; its creation is logged as nginx does. */
    private final class TempFiles implements ResponseBuffer.TempFiles {
        @Override
        public java.nio.file.Path folder() {
            return settings.tempPath() != null ? settings.tempPath()
                    : java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
        }

        @Override
        public void created(java.nio.file.Path path) {
            RequestProcessor.logError(x, LogLevel.WARN, "an upstream response is buffered to a temporary file "
                    + path + " while reading upstream", upstreamUrl());
        }
    }

    /** Response headers that describe the upstream connection, not the response (nginx drops them too). */
    private static final java.util.Set<String> HOP_BY_HOP = java.util.Set.of("connection", "keep-alive",
            "transfer-encoding", "upgrade", "proxy-connection");

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
     * A failure to connect: nginx's ngx_http_upstream_next. The peer counts a
     * failure; the request goes to the next peer when proxy_next_upstream has
     * "error" (or "timeout" for a timeout), a peer is left to try, and
     * proxy_next_upstream_tries/_timeout allow. Nothing was sent yet, so any
     * method may be retried. Failures after the connection is up are not
     * retried: the request (and its body, streamed) may be partly sent.
     */
    private void fail(int code, String message, boolean timeout) {
        if (stage != Stage.CONNECTING || current == null) {
            fail(code, message);
            return;
        }
        RequestProcessor.logError(x, LogLevel.ERROR, message, upstreamUrl());
        release(true);
        boolean allowed = timeout ? settings.nextOnTimeout() : settings.nextOnError();
        boolean triesLeft = tries.left() > 0
                && (settings.nextTries() == 0 || triedNames.size() < settings.nextTries());
        boolean inTime = settings.nextTimeout() == 0
                || (System.nanoTime() - startNanos) / 1_000_000 < settings.nextTimeout();
        if (!allowed || !triesLeft || !inTime) {
            status = code;
            finishUpstream();
            releaseClientBody();
            RequestProcessor.finish(x, code);
            return;
        }
        triedStatuses.add(Integer.toString(code));
        disarm();
        Channel old = upstream;
        upstream = null;
        if (old != null) {
            old.close();
        }
        connect();
    }

    /** Gives the current peer back to its group; a failure counts toward max_fails. */
    private void release(boolean failed) {
        if (current != null) {
            UpstreamGroup.PeerState p = current;
            current = null;
            if (group.free(p, failed)) {
                RequestProcessor.logError(x, LogLevel.WARN, "upstream server temporarily disabled "
                        + "while connecting to upstream", upstreamUrl(p.peer));
            }
        }
    }

    /** A failure before the client got a response head: 502 or 504, logged as nginx does. */
    private void fail(int code, String message) {
        if (stage == Stage.DONE) {
            return;
        }
        status = code;
        RequestProcessor.logError(x, LogLevel.ERROR, message, upstreamUrl());
        release(true);
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

    /** The upstream's part is over: no keepalive pool yet, so its connection closes. */
    private void finishUpstream() {
        stage = Stage.DONE;
        endNanos = System.nanoTime();
        close();
    }

    /** Closes the upstream connection and gives back what is held; the client is gone or served. */
    private void close() {
        release(false);
        if (stage != Stage.DONE) {
            stage = Stage.DONE;
            endNanos = System.nanoTime();
        }
        disarm();
        while (!pendingBody.isEmpty()) {
            pendingBody.poll().release();
        }
        if (spool != null) {
            spool.discard();
            spool = null;
        }
        if (upstream != null && upstream.isOpen()) {
            upstream.close();
        }
    }

    private void arm(long millis, Runnable action) {
        disarm();
        timer = client.eventLoop().schedule(action, millis, TimeUnit.MILLISECONDS);
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** The upstream as nginx's error log shows it: "http://127.0.0.1:8000/path", "http://unix:/s.sock:/path". */
    private String upstreamUrl() {
        if (peer == null) {
            return protocol.scheme() + "://" + group.name() + protocol.requestTarget(x);
        }
        return upstreamUrl(peer);
    }

    private String upstreamUrl(Peer p) {
        return protocol.scheme() + "://" + p.name() + (p.isUnix() ? ":" : "") + protocol.requestTarget(x);
    }

    // ---- what the $upstream_* variables show ----

    public String address() {
        return String.join(", ", triedNames);
    }

    /** $upstream_status: the upstream's status, or 502/504 when it failed before one. */
    public String statusText() {
        if (status == 0) {
            return triedStatuses.isEmpty() ? null : String.join(", ", triedStatuses);
        }
        return triedStatuses.isEmpty() ? Integer.toString(status)
                : String.join(", ", triedStatuses) + ", " + status;
    }

    public String connectTime() {
        return seconds(connectNanos);
    }

    public String headerTime() {
        return seconds(headerNanos);
    }

    public String responseTime() {
        return seconds(endNanos >= 0 ? endNanos : System.nanoTime());
    }

    public String responseLength() {
        return Long.toString(responseLength);
    }

    /** A response header as the upstream sent it ($upstream_http_NAME), or null. */
    public String upstreamHeader(String name) {
        return upstreamHeaders == null ? null : upstreamHeaders.get(name);
    }

    private String seconds(long at) {
        if (at < 0) {
            return "-";
        }
        long millis = (at - startNanos) / 1_000_000;
        return String.format(Locale.ROOT, "%d.%03d", millis / 1000, millis % 1000);
    }
}
