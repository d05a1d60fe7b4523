package dev.portico.proxy;

import dev.portico.http.HttpExchange;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * What differs between upstream protocols (HTTP/1.x for proxy_pass, uwsgi for
 * uwsgi_pass): how the request goes on the wire and how the response head
 * comes back. Everything else (peers, connecting, timeouts, streaming with back
 * pressure, errors, variables) is the engine's, in {@link UpstreamRequest}.
 * The response must decode into Netty's HttpResponse / HttpContent messages
 * (uwsgi applications answer with an HTTP status line and headers too).
 */
public interface UpstreamProtocol {

    /** "http" (or "https" over TLS) for proxy_pass: the scheme shown in the error log's upstream: "…". */
    String scheme(boolean tls);

    /** Installs the protocol's encoder and response decoder on a new upstream connection. */
    void initChannel(ChannelPipeline pipeline);

    /**
     * Readies the handlers {@link #initChannel} put in a kept connection's pipeline for the
     * next request; false when they are not this protocol's or cannot serve again, and are
     * then replaced.
     */
    default boolean reinitChannel(ChannelPipeline pipeline) {
        return false;
    }

    /**
     * The request head for this exchange, built before each try connects (a retry
     * on another peer calls it again), so that a request that cannot be sent fails
     * before any connection, as nginx's create_request does. {@code bodyLength} is
     * the request body's length, -1 when it arrives chunked, 0 when there is none
     * to send. A reference-counted head is released by the engine when unused.
     *
     * @throws UnsendableRequestException when the request cannot go in this protocol
     */
    Object encodeRequestHead(HttpExchange x, long bodyLength);

    /**
     * Whether a connection may stay open for another request once its response has ended
     * (an upstream block's keepalive): HTTP/1.1 can; uwsgi cannot (one connection per request).
     */
    boolean keepsConnections();

    /**
     * False when a body of unknown length cannot go as it arrives (HTTP/1.0 has no
     * chunked coding; uwsgi needs CONTENT_LENGTH): the engine then spools it to a
     * temporary file first and sends it with its length, as nginx does.
     */
    boolean streamsChunkedBody();

    /** One piece of the request body, as the encoder installed by {@link #initChannel} takes it. */
    Object encodeBodyPart(ByteBuf part);

    /** The end of the request (of its body, if any). */
    Object encodeRequestEnd();

    /** The request URI as sent, for the log's upstream: "…" ("/path?args"). */
    String requestTarget(HttpExchange x);

    /**
     * The upstream answered 101: from now on the connection carries raw bytes
     * both ways: the protocol removes its encoder and decoder (the decoder's
     * unread bytes go on to the next handler as they are).
     */
    void upgraded(ChannelPipeline pipeline);

    /** Rewrites the response headers the client will get (proxy_redirect). */
    void rewriteResponseHeaders(HttpExchange x, HttpHeaders headers);
}
