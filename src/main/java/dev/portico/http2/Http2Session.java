package dev.portico.http2;

import dev.portico.http.HttpConfig;
import dev.portico.http.HttpConnection;
import dev.portico.http.HttpCoreConf;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.HttpServerConf;
import dev.portico.http.ListenSocket;
import dev.portico.http.VirtualServer;
import dev.portico.log.ErrorLog;
import dev.portico.log.LogLevel;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/2 connection (nginx's ngx_http_v2_connection_t): Netty's frame
 * codec with the limits nginx has, one child channel per stream that runs the
 * request pipeline ({@link Http2StreamHandler}), and what belongs to the
 * connection: keepalive_timeout while no stream is open, keepalive_requests
 * and keepalive_time (a GOAWAY, the open streams finish), a graceful GOAWAY at
 * shutdown and reload, and the error log lines of connection errors.
 */
public final class Http2Session extends ChannelInboundHandlerAdapter implements Http2RequestDecoder.Connection {

    /** RST_STREAM frames a client may send in {@link #RST_WINDOW_SECONDS} before GOAWAY (rapid reset). */
    static final int MAX_RST_FRAMES = 200;
    static final int RST_WINDOW_SECONDS = 30;
    /** Control frames (SETTINGS and PING answers, RST_STREAM) queued unread by the client before GOAWAY. */
    static final int MAX_QUEUED_CONTROL_FRAMES = 10_000;
    /** DATA frames without data, and without END_STREAM, in a row before GOAWAY. */
    static final int MAX_EMPTY_DATA_FRAMES = 2;
    /** CONTINUATION frames under 8 KiB in one header block before GOAWAY. */
    static final int MAX_SMALL_CONTINUATION_FRAMES = 16;

    /** The header limits of the connection's server (large_client_header_buffers, nginx 1.19.7). */
    record Limits(int fieldSize, long headerSize, boolean underscoresInHeaders, boolean ignoreInvalidHeaders) {
    }

    private final HttpConnection connection;
    private final Http2Host host;
    private final Limits limits;
    /** The core settings of the connection's server (see {@link #start}): keepalive_*. */
    private final HttpCoreConf core;
    private final long startMillis = System.currentTimeMillis();
    private Http2FrameCodec codec;
    private DataFrameSizes frameSizes;
    private ChannelHandlerContext ctx;
    /** Responses queued since the connection last flushed (see {@link #responseQueued}). */
    private int unflushedResponses;
    private static final int FLUSH_EVERY_RESPONSES = 16;
    private HttpConfig seenConfig;
    private ListenSocket seenSocket;
    private int openStreams;
    private ScheduledFuture<?> idleTimer;
    private boolean closing;
    private boolean errorLogged;

    private Http2Session(HttpConnection connection, Http2Host host, VirtualServer server) {
        this.connection = connection;
        this.host = host;
        HttpServerConf serverConf = server.serverConf().get(HttpCoreModule.SERVER_CONF);
        this.limits = new Limits((int) serverConf.largeHeaderBufferSize(),
                serverConf.largeHeaderBufferSize() * serverConf.largeHeaderBuffers(),
                serverConf.underscoresInHeaders(), serverConf.ignoreInvalidHeaders());
        this.core = server.root().conf().get(HttpCoreModule.CORE);
    }

    /**
     * Puts HTTP/2 on {@code channel} in place of the handler named {@code replacing}. The
     * connection's settings (streams, windows, header limits, keepalive_*) come from its
     * server as nginx's come from hc->conf_ctx: the one that the TLS handshake's SNI name
     * chose (ngx_http_ssl_servername sets hc->conf_ctx before ngx_http_v2_init reads it),
     * else its address's default server.
     */
    public static Http2Session start(Channel channel, HttpConnection connection, Http2Host host, String replacing) {
        VirtualServer server = connection.connectionServer();
        Http2ServerConf conf = server.serverConf().get(Http2Module.SERVER);
        Http2Session session = new Http2Session(connection, host, server);
        Http2Settings settings = new Http2Settings()
                .maxConcurrentStreams(conf.maxConcurrentStreams())
                .initialWindowSize(conf.prereadSize())
                // nginx's own accounting (Http2RequestDecoder) comes first; Netty's, which counts
                // 32 bytes more per field, only stops what is far past it.
                .maxHeaderListSize(Math.min(Integer.MAX_VALUE, 2 * session.limits.headerSize()));
        DefaultHttp2Connection h2 = new DefaultHttp2Connection(true);
        int defaultChunk = server.root().conf().get(Http2Module.LOCATION).chunkSize();
        session.frameSizes = new DataFrameSizes(h2, defaultChunk);
        h2.remote().flowController(new DefaultHttp2RemoteFlowController(h2, session.frameSizes));
        session.codec = new CodecBuilder(h2)
                .initialSettings(settings)
                .validateHeaders(false) // nginx's checks, with its 400 answers: Http2RequestDecoder
                .validateRequiredPseudoHeaders(false)
                .gracefulShutdownTimeoutMillis(-1) // a GOAWAY lets every open stream finish
                .decoderEnforceMaxRstFramesPerWindow(MAX_RST_FRAMES, RST_WINDOW_SECONDS)
                .encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES)
                .decoderEnforceMaxConsecutiveEmptyDataFrames(MAX_EMPTY_DATA_FRAMES)
                .decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATION_FRAMES)
                .frameLogger(session.new ErrorFrames())
                .build();
        Http2MultiplexHandler streams = new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            public boolean isSharable() {
                return true; // as its class says, without Netty's look-up for each stream
            }

            @Override
            protected void initChannel(Http2StreamChannel stream) {
                // Frames are read as the request needs them: an unread body holds back the client's
                // window (http2_body_preread_size), not memory.
                stream.config().setAutoRead(false);
                stream.pipeline().addLast("h2-stream", new Http2StreamHandler(session));
            }
        });
        ChannelPipeline p = channel.pipeline();
        p.addAfter(replacing, "h2", session.codec);
        p.addAfter("h2", "h2-streams", streams);
        p.addAfter("h2-streams", "h2-session", session);
        p.remove(replacing);
        return session;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        // As nginx: the connection's receive window is the largest there is; each stream's is
        // http2_body_preread_size.
        ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(
                (int) (Http2Module.MAX_WINDOW - io.netty.handler.codec.http2.Http2CodecUtil.DEFAULT_WINDOW_SIZE)));
        idle();
        ctx.read();
    }

    HttpConnection connection() {
        return connection;
    }

    /** The connection's core settings (its server's): what applies to a stream before its location is known. */
    HttpCoreConf core() {
        return core;
    }

    /** The stream's responses go out in DATA frames of at most {@code size} bytes (its http2_chunk_size). */
    void chunkSize(int streamId, int size) {
        frameSizes.chunkSize(streamId, size);
    }

    void streamForgotten(int streamId) {
        frameSizes.forget(streamId);
    }

    /** Netty's builder on a connection whose flow controller cuts DATA frames to http2_chunk_size. */
    private static final class CodecBuilder extends Http2FrameCodecBuilder {
        CodecBuilder(DefaultHttp2Connection connection) {
            connection(connection);
        }
    }

    Http2Host host() {
        return host;
    }

    /**
     * The connection's listen socket in {@code config} (the configuration in force), or null
     * when a reload removed it: asked of the server once per configuration, not per stream.
     */
    ListenSocket socketIn(HttpConfig config) {
        if (config != seenConfig) {
            seenSocket = host.currentSocket();
            seenConfig = config;
        }
        return seenSocket;
    }

    @Override
    public Limits limits() {
        return limits;
    }

    /** A stream began: the connection is busy. */
    void streamOpened() {
        openStreams++;
        cancelIdle();
    }

    /**
     * A stream's request began at {@code nowMillis}: keepalive_requests and keepalive_time end
     * the connection after it.
     */
    void requestStarted(long nowMillis) {
        host.requestStarted();
        boolean tooOld = nowMillis - startMillis > core.keepaliveTime();
        if (core.keepaliveTimeout() == 0 || connection.requests() >= core.keepaliveRequests()
                || tooOld || !host.accepting()) {
            goAway();
        }
    }

    void streamClosed() {
        openStreams--;
        if (openStreams == 0) {
            host.idle();
            idle();
        }
    }

    /**
     * GOAWAY (NO_ERROR) naming the last stream begun; those streams are answered, then the
     * connection closes (Netty's graceful close, with no time limit of its own).
     */
    public void goAway() {
        if (closing || ctx == null) {
            return;
        }
        closing = true;
        ctx.channel().close();
    }

    private void idle() {
        cancelIdle();
        if (ctx != null && !closing) {
            idleTimer = ctx.executor().schedule(() -> {
                if (openStreams == 0) {
                    goAway();
                }
            }, core.keepaliveTimeout(), TimeUnit.MILLISECONDS);
        }
    }

    private void cancelIdle() {
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
    }

    /** nginx's ngx_http_v2_connection_error: logged at info, then GOAWAY with {@code error} and close. */
    @Override
    public void connectionError(Http2Error error, String reason) {
        log(LogLevel.INFO, reason);
        errorLogged = true;
        ChannelHandlerContext codecContext = ctx.pipeline().context(codec);
        try {
            codec.exceptionCaught(codecContext, Http2Exception.connectionError(error, "%s", reason));
        } catch (Exception e) {
            ctx.close();
        }
    }

    /** Logs with the connection's context, as nginx's "while processing HTTP/2 connection" lines. */
    @Override
    public void log(LogLevel level, String message) {
        ErrorLog.current().log(level, connection.id(), message + " while processing HTTP/2 connection, client: "
                + connection.remoteAddress() + ", server: " + listenText());
    }

    private String listenText() {
        if (connection.listen().address() instanceof InetSocketAddress inet) {
            String h = HttpConnection.text(inet.getAddress());
            return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + inet.getPort();
        }
        return connection.listen().spec().text();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // Connection-level frames (SETTINGS, PING, GOAWAY): Netty has answered them already.
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        unflushedResponses = 0; // the streams' flushes happen now
        ctx.read();
    }

    /**
     * A stream has queued a whole response. Netty holds the streams' flushes until the
     * connection's read ends, so the answers to a batch of requests would leave together and a
     * client that sends a request as each answer comes would wait for the whole batch, and the
     * server then for the client. Every {@link #FLUSH_EVERY_RESPONSES} answers go out at once.
     */
    void responseQueued() {
        if (++unflushedResponses >= FLUSH_EVERY_RESPONSES) {
            unflushedResponses = 0;
            ctx.channel().flush();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelIdle();
        host.closed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Http2Exception) {
            return; // Netty's codec answers it: GOAWAY with the error's code, then close
        }
        if (!(cause instanceof java.io.IOException)) {
            ErrorLog.current().log(LogLevel.ERROR, connection.id(), "unexpected error on HTTP/2 connection: "
                    + cause);
        }
        ctx.close();
    }

    /** Netty's frame logger, used only to see the errors Netty answers by itself. */
    private final class ErrorFrames extends Http2FrameLogger {
        ErrorFrames() {
            super(io.netty.handler.logging.LogLevel.TRACE, Http2Session.class);
        }

        @Override
        public void logGoAway(Direction direction, ChannelHandlerContext ctx, int lastStreamId, long errorCode,
                              ByteBuf debugData) {
            super.logGoAway(direction, ctx, lastStreamId, errorCode, debugData);
            if (direction == Direction.OUTBOUND && errorCode != Http2Error.NO_ERROR.code() && !errorLogged) {
                errorLogged = true;
                Http2Error error = Http2Error.valueOf(errorCode);
                String detail = debugData.toString(java.nio.charset.StandardCharsets.UTF_8);
                log(LogLevel.INFO, (error == Http2Error.ENHANCE_YOUR_CALM ? "http2 flood detected"
                        : "client sent invalid HTTP/2 frames") + " (GOAWAY " + error + ": " + detail + ")");
            }
        }

        @Override
        public void logRstStream(Direction direction, ChannelHandlerContext ctx, int streamId, long errorCode) {
            super.logRstStream(direction, ctx, streamId, errorCode);
            if (direction == Direction.OUTBOUND && errorCode == Http2Error.REFUSED_STREAM.code()) {
                log(LogLevel.INFO, "concurrent streams exceeded " + openStreams);
            }
        }
    }
}
