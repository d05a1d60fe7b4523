package dev.portico.health;

import dev.portico.log.LogLevel;
import dev.portico.proxy.Peer;
import dev.portico.proxy.UpstreamRequest;
import dev.portico.proxy.UpstreamResponseDecoder;
import dev.portico.proxy.UpstreamSettings;
import dev.portico.proxy.uwsgi.UwsgiResponseDecoder;
import dev.portico.server.Transport;
import dev.portico.tls.UpstreamTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One check of one peer: a connection of its own on the check's event loop (over TLS with the
 * location's proxy_ssl_* settings for an https:// pass), the request
 * ({@code GET uri} over HTTP/1.1 or as a uwsgi packet), the response read with the engine's
 * decoders (so that what a request would refuse fails the check in the same words), the
 * location's connect and read timeouts, and the match's verdict. Failures to connect, send or
 * read are logged as nginx logs them for a request (at error, or crit for a missing socket
 * file), followed by which check and peer it was.
 */
final class CheckProbe extends ChannelInboundHandlerAdapter {

    private static final String CONNECTING = "connecting to upstream";
    private static final String HANDSHAKING = "SSL handshaking to upstream";
    private static final String SENDING = "sending request to upstream";
    private static final String READING_HEAD = "reading response header from upstream";
    private static final String READING_BODY = "reading upstream";

    private final PeerCheck check;
    private final EventLoop loop;
    private final UpstreamSettings settings;
    private Channel channel;
    private ScheduledFuture<?> timer;
    private boolean done;
    /** The final response's status, -1 before its head. */
    private int status = -1;
    private HttpHeaders headers;
    /** A 1xx head was read: its (empty) end is skipped, the real head follows. */
    private boolean interim;
    private ByteArrayOutputStream body;
    /** The TLS handshake of an https:// (or suwsgi://) check runs; a read error meanwhile is kept for its line. */
    private boolean handshaking;
    private Throwable handshakeReadError;
    private long connectDeadline;

    CheckProbe(PeerCheck check) {
        this.check = check;
        this.loop = check.loop();
        this.settings = check.target.pass.settings();
    }

    void start() {
        Peer peer = check.peer.peer;
        int port = check.target.check.port();
        boolean unix = peer.isUnix();
        SocketAddress address = unix ? Transport.unixAddress(loop, peer.unixPath())
                : port > 0 ? new InetSocketAddress(peer.inet().getAddress(), port) : peer.inet();
        boolean uwsgi = check.target.uwsgi();
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(Transport.outgoingChannel(loop, unix))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        UpstreamTls.Target tls = check.target.pass.tls();
                        if (tls != null) {
                            InetSocketAddress inet = address instanceof InetSocketAddress i ? i : null;
                            ch.pipeline().addLast("tls", tls.newHandler(ch.alloc(),
                                    inet == null ? peer.unixPath() : inet.getAddress().getHostAddress(),
                                    inet == null ? 0 : inet.getPort()));
                        }
                        ch.pipeline().addLast("response", uwsgi ? new UwsgiResponseDecoder(settings.bufferSize())
                                : new UpstreamResponseDecoder(settings.bufferSize()));
                        ch.pipeline().addLast("check", CheckProbe.this);
                    }
                });
        if (!unix) {
            b.option(ChannelOption.TCP_NODELAY, true);
        }
        connectDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.connectTimeout());
        arm(settings.connectTimeout(), "upstream timed out (110: Connection timed out) while " + CONNECTING,
                CONNECTING);
        ChannelFuture f = b.connect(address);
        channel = f.channel();
        check.connecting(channel);
        f.addListener(x -> connected(f));
    }

    private void connected(ChannelFuture f) {
        if (done) {
            return;
        }
        if (!f.isSuccess()) {
            Peer peer = check.peer.peer;
            String where = peer.isUnix() ? "connect() to " + peer.name() + " failed (" : "connect() failed (";
            fail(UpstreamRequest.connectFailureLevel(f.cause()), where + UpstreamRequest.connectErrno(f.cause())
                    + ") while " + CONNECTING, CONNECTING);
            return;
        }
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        if (tls != null) {
            // As a request's connection: the handshake, then its checks, within the connect timeout.
            handshaking = true;
            arm(Math.max(0, TimeUnit.NANOSECONDS.toMillis(connectDeadline - System.nanoTime())),
                    "upstream timed out (110: Connection timed out) while " + HANDSHAKING, HANDSHAKING);
            tls.handshakeFuture().addListener(h -> loop.execute(() -> handshaken(tls, h)));
            return;
        }
        sendRequest();
    }

    private void handshaken(SslHandler tls, io.netty.util.concurrent.Future<?> h) {
        if (done) {
            return;
        }
        handshaking = false;
        String failure = h.isSuccess() ? check.target.pass.tls().failure(tls)
                : UpstreamTls.handshakeFailure(h.cause(), handshakeReadError);
        if (failure != null) {
            fail(LogLevel.ERROR, failure + " while " + HANDSHAKING, HANDSHAKING);
            return;
        }
        sendRequest();
    }

    private void sendRequest() {
        ByteBuf request = check.target.request(channel.alloc(), check.peer.peer, check.target.check.port());
        channel.writeAndFlush(request).addListener(w -> {
            if (!w.isSuccess() && !done) {
                fail(LogLevel.ERROR, "writev() failed (" + UpstreamRequest.errnoOfReset(w.cause()) + ") while "
                        + SENDING, SENDING);
            }
        });
        armRead();
    }

    private void armRead() {
        boolean head = status < 0;
        String stage = head ? READING_HEAD : READING_BODY;
        arm(settings.readTimeout(), "upstream timed out (110: Connection timed out) while " + stage, stage);
    }

    private void arm(long millis, String message, String stage) {
        if (timer != null) {
            timer.cancel(false);
        }
        timer = loop.schedule(() -> fail(LogLevel.ERROR, message, stage), millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (done) {
                return;
            }
            armRead();
            if (msg instanceof HttpResponse head) {
                if (head.decoderResult().isFailure()) {
                    Throwable cause = head.decoderResult().cause();
                    String why = cause instanceof PrematureChannelClosureException
                            ? "upstream prematurely closed connection"
                            : cause instanceof UpstreamResponseDecoder.InvalidResponse ? cause.getMessage()
                            : "upstream sent invalid header";
                    fail(LogLevel.ERROR, why + " while " + READING_HEAD, READING_HEAD);
                    return;
                }
                int code = head.status().code();
                if (code >= 100 && code < 200 && code != 101) {
                    interim = true;
                    return;
                }
                status = code;
                headers = head.headers();
                if (!check.target.match.readsBody()) {
                    verdict();
                    return;
                }
                body = new ByteArrayOutputStream();
            }
            if (msg instanceof HttpContent content) {
                if (interim) {
                    interim = !(content instanceof LastHttpContent);
                    return;
                }
                if (status < 0) {
                    return;
                }
                if (content.decoderResult().isFailure()) {
                    Throwable cause = content.decoderResult().cause();
                    String why = cause instanceof UpstreamResponseDecoder.InvalidResponse ? cause.getMessage()
                            : "upstream prematurely closed connection";
                    fail(LogLevel.ERROR, why + " while " + READING_BODY, READING_BODY);
                    return;
                }
                ByteBuf data = content.content();
                int n = Math.min(data.readableBytes(), Match.BODY_LIMIT - body.size());
                data.getBytes(data.readerIndex(), body, n);
                if (body.size() >= Match.BODY_LIMIT || content instanceof LastHttpContent) {
                    verdict();
                }
            }
        } catch (java.io.IOException e) {
            fail(LogLevel.ERROR, "upstream sent invalid response (" + e.getMessage() + ") while " + READING_BODY,
                    READING_BODY);
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!done && !handshaking) {
            fail(LogLevel.ERROR, "upstream prematurely closed connection while "
                    + (status < 0 ? READING_HEAD : READING_BODY), status < 0 ? READING_HEAD : READING_BODY);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (done) {
            return;
        }
        if (handshaking) {
            // The handshake's end reports it.
            if (cause instanceof java.io.IOException && handshakeReadError == null) {
                handshakeReadError = cause;
            }
            return;
        }
        String stage = status < 0 ? READING_HEAD : READING_BODY;
        String what = cause instanceof java.io.IOException
                ? "recv() failed (" + UpstreamRequest.errnoOfReset(cause) + ")"
                : "upstream sent invalid response (" + cause.getMessage() + ")";
        fail(LogLevel.ERROR, what + " while " + stage, stage);
    }

    private void verdict() {
        String text = body == null ? "" : body.toString(StandardCharsets.UTF_8);
        String failure = check.target.match.failure(status, headers, text);
        end(failure == null, failure == null ? check.target.match.lastStage() : failure);
    }

    private void fail(LogLevel level, String message, String stage) {
        if (done) {
            return;
        }
        if (!check.owner.stopped()) {
            check.log(level, message);
        }
        end(false, stage);
    }

    private void end(boolean passed, String stage) {
        done = true;
        if (timer != null) {
            timer.cancel(false);
        }
        channel.close();
        check.finished(passed, stage);
    }
}
