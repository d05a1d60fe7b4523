package dev.portico.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.internal.tcnative.SSL;
import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.StandardConstants;

/** What a TLS connection's handshake chose, kept on its channel for variables and per-request checks. */
final class TlsSession {

    static final AttributeKey<TlsSession> KEY = AttributeKey.valueOf(TlsSession.class, "tls");

    /** The context whose certificate answered: the SNI server's, else the default server's. */
    final ServerTlsContext context;
    final SslHandler handler;
    /** The SNI name as the client sent it ({@link #handshakeDone}), or null. */
    private String serverName;
    /** The handshake resumed a session ({@link #handshakeDone}). */
    private boolean reused;
    private ClientCertificates.Result verified;

    TlsSession(ServerTlsContext context, SslHandler handler) {
        this.context = context;
        this.handler = handler;
    }

    /**
     * Keeps the SNI name exactly as the client sent it (case, a trailing dot), for $ssl_server_name
     * after the engine is gone: nginx's ngx_ssl_get_server_name returns SSL_get_servername's
     * answer as it is. The name that chose the server is the normalized one
     * (HttpConnection.sslServerName).
     */
    void handshakeDone() {
        SSLEngine engine = handler.engine();
        serverName = sentServerName(engine);
        // Asked now: BoringSSL's connection is freed when it closes, and the access log line of a
        // request the client left (499) reads $ssl_session_reused after that.
        reused = engine instanceof ReferenceCountedOpenSslEngine openSsl && SSL.isSessionReused(openSsl.sslPointer());
    }

    /** Whether the handshake resumed an earlier session ($ssl_session_reused "r"). */
    boolean reused() {
        return reused;
    }

    private static String sentServerName(SSLEngine engine) {
        if (engine instanceof ReferenceCountedOpenSslEngine openSsl) {
            return SSL.getSniHostname(openSsl.sslPointer());
        }
        if (engine.getSession() instanceof ExtendedSSLSession session) {
            for (SNIServerName name : session.getRequestedServerNames()) {
                if (name.getType() == StandardConstants.SNI_HOST_NAME) {
                    return new String(name.getEncoded(), StandardCharsets.US_ASCII);
                }
            }
        }
        return null;
    }

    /** The SNI name the client sent, as it sent it; null when it sent none. */
    String serverName() {
        return serverName == null || serverName.isEmpty() ? null : serverName;
    }

    static TlsSession of(Channel channel) {
        return channel.attr(KEY).get();
    }

    SSLSession session() {
        return handler.engine().getSession();
    }

    /** The client's chain, leaf first, or null when it sent none. */
    X509Certificate[] peerChain() {
        try {
            Certificate[] certs = session().getPeerCertificates();
            if (certs == null || certs.length == 0) {
                return null;
            }
            X509Certificate[] chain = new X509Certificate[certs.length];
            for (int i = 0; i < certs.length; i++) {
                chain[i] = (X509Certificate) certs[i];
            }
            return chain;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /** The client certificate's verification, once per connection; null when it sent none. */
    ClientCertificates.Result verification() {
        if (verified == null) {
            X509Certificate[] chain = peerChain();
            if (chain == null) {
                return null;
            }
            verified = context.clients().verify(chain);
        }
        return verified;
    }
}
