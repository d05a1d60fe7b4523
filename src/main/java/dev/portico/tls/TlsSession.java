package dev.portico.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/** What a TLS connection's handshake chose, kept on its channel for variables and per-request checks. */
final class TlsSession {

    static final AttributeKey<TlsSession> KEY = AttributeKey.valueOf(TlsSession.class, "tls");

    /** The SNI name the client sent (lower case), or null. */
    final String serverName;
    /** The context whose certificate answered: the SNI server's, else the default server's. */
    final ServerTlsContext context;
    final SslHandler handler;
    private ClientCertificates.Result verified;

    TlsSession(String serverName, ServerTlsContext context, SslHandler handler) {
        this.serverName = serverName;
        this.context = context;
        this.handler = handler;
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
