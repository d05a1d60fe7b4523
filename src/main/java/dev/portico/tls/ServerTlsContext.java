package dev.portico.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.internal.tcnative.SSL;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * One server's TLS context (nginx's SSL_CTX with its settings): makes the
 * SslHandler of each connection the server's certificate answers, and keeps
 * what requests check later (client certificates).
 */
final class ServerTlsContext {

    private final SslContext context;
    private final boolean openSsl;
    private final SslServerConf conf;
    private final ClientCertificates clients;
    private final byte[] staple;
    private final CertificateCredentials credentials;

    ServerTlsContext(SslContext context, boolean openSsl, SslServerConf conf, ClientCertificates clients,
                     byte[] staple, CertificateCredentials credentials) {
        this.context = context;
        this.openSsl = openSsl;
        this.conf = conf;
        this.clients = clients;
        this.staple = staple;
        this.credentials = credentials;
    }

    SslContext sslContext() {
        return context;
    }

    SslServerConf conf() {
        return conf;
    }

    ClientCertificates clients() {
        return clients;
    }

    /**
     * A connection's handler. The handshake has no timer of its own: the
     * connection's client_header_timeout covers it, as in nginx.
     */
    SslHandler newHandler(ByteBufAllocator alloc) {
        SslHandler handler = context.newHandler(alloc);
        handler.setHandshakeTimeoutMillis(0);
        // ssl_buffer_size: the plaintext put in one TLS record.
        handler.setWrapDataSize((int) Math.min(conf.bufferSize, 16384));
        SSLEngine engine = handler.engine();
        if (openSsl && engine instanceof ReferenceCountedOpenSslEngine e) {
            if (!conf.sessionTickets) {
                SSL.setOptions(e.sslPointer(), SSL.SSL_OP_NO_TICKET);
            }
            // Netty's contexts prefer the server's order; nginx sets SSL_OP_CIPHER_SERVER_PREFERENCE only
            // with ssl_prefer_server_ciphers on, so by default the client's order chooses (TLSv1.2).
            if (conf.preferServerCiphers) {
                SSL.setOptions(e.sslPointer(), SSL.SSL_OP_CIPHER_SERVER_PREFERENCE);
            } else {
                SSL.clearOptions(e.sslPointer(), SSL.SSL_OP_CIPHER_SERVER_PREFERENCE);
            }
            if (staple != null) {
                e.setOcspResponse(staple);
            }
            if (credentials != null) {
                credentials.addTo(e.sslPointer());
            }
        } else if (conf.preferServerCiphers) {
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setUseCipherSuitesOrder(true);
            engine.setSSLParameters(parameters);
        }
        return handler;
    }
}
