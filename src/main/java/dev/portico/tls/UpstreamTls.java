package dev.portico.tls;

import dev.portico.http.HttpExchange;
import dev.portico.http.Template;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.nio.channels.ClosedChannelException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * One location's TLS to its upstreams (proxy_pass https://, uwsgi_pass suwsgi://), as
 * ngx_http_upstream_ssl_init_connection and ngx_http_upstream_ssl_handshake do it: the
 * handshake runs on the new connection before the request, the server name goes in SNI only
 * with *_ssl_server_name on (and never an IP address), and with *_ssl_verify on the upstream's
 * certificate is checked once the handshake is done. With *_ssl_session_reuse on, the
 * context's client session cache is keyed by the peer's address, so a new connection to the
 * same peer resumes the last session.
 */
public final class UpstreamTls {

    private final SslContext context;
    /** *_ssl_name, or null for the upstream's host. */
    private final Template name;
    private final boolean serverName;
    private final boolean verify;
    private final boolean sessionReuse;
    private final UpstreamCertificateCheck check;

    UpstreamTls(SslContext context, Template name, boolean serverName, boolean verify, boolean sessionReuse,
                UpstreamCertificateCheck check) {
        this.context = context;
        this.name = name;
        this.serverName = serverName;
        this.verify = verify;
        this.sessionReuse = sessionReuse;
        this.check = check;
    }

    /**
     * The TLS of one request's upstream connections. The name is *_ssl_name rendered now, or
     * {@code host} (the *_pass URL's host, an upstream block's name), without a port, as
     * nginx's ngx_http_upstream_ssl_name takes it.
     */
    public Target target(HttpExchange x, String host) {
        String n = name != null ? name.render(x) : host;
        return new Target(withoutPort(n == null ? "" : n));
    }

    /**
     * The TLS of connections made outside requests (active health checks): *_ssl_name when it
     * has no variables, else {@code host}.
     */
    public Target target(String host) {
        return new Target(withoutPort(name != null && name.isConstant() ? name.render(null) : host));
    }

    private static String withoutPort(String name) {
        int from = 0;
        if (name.startsWith("[")) {
            int close = name.indexOf(']');
            from = close < 0 ? 0 : close;
        }
        int colon = name.indexOf(':', from);
        return colon < 0 ? name : name.substring(0, colon);
    }

    /** One request's TLS name with its location's settings. */
    public final class Target {
        private final String name;
        private final Key key;

        private Target(String name) {
            this.name = name;
            this.key = new Key(context, name, check);
        }

        public String name() {
            return name;
        }

        /**
         * What a kept connection must have been made with to serve this request: the same
         * context, name and verification (the same location's). nginx reuses any TLS connection
         * to the peer.
         */
        public Object key() {
            return key;
        }

        /**
         * The handler that runs TLS on a new connection to {@code peerHost}:{@code peerPort} (the
         * peer's address, the session cache's key), handshaking as soon as it is connected.
         * Its own handshake timeout is off: the connect timeout covers connect and handshake.
         */
        public SslHandler newHandler(ByteBufAllocator alloc, String peerHost, int peerPort) {
            SSLEngine engine = sessionReuse ? context.newEngine(alloc, peerHost, peerPort) : context.newEngine(alloc);
            String sni = serverName ? sniName(name) : null;
            if (sni != null) {
                SSLParameters parameters = engine.getSSLParameters();
                parameters.setServerNames(List.of(new SNIHostName(sni)));
                engine.setSSLParameters(parameters);
            }
            SslHandler handler = new SslHandler(engine);
            handler.setHandshakeTimeoutMillis(0);
            return handler;
        }

        /**
         * After a handshake: null when the connection may carry the request, else the error-log
         * line (without the action), as ngx_http_upstream_ssl_handshake logs it.
         */
        public String failure(SslHandler handler) {
            if (!verify) {
                return null;
            }
            X509Certificate[] chain = peerChain(handler);
            if (chain.length > 0) {
                UpstreamCertificateCheck.Failure failed = check.verify(chain, new Date());
                if (failed != null) {
                    return "upstream SSL certificate verify error: (" + failed.code() + ":" + failed.reason() + ")";
                }
            }
            if (chain.length == 0 || !UpstreamCertificateCheck.hostMatches(chain[0], name)) {
                return "upstream SSL certificate does not match \"" + name + "\"";
            }
            return null;
        }
    }

    /** A kept connection's TLS: its context, its name, and the checks it passed (none without *_ssl_verify). */
    private record Key(SslContext context, String name, UpstreamCertificateCheck check) {
    }

    /** A name SNI may carry: not empty, not an IP address (RFC 6066), one the TLS library takes. */
    private static String sniName(String name) {
        if (name.isEmpty() || name.startsWith("[") || isIpv4(name)) {
            return null;
        }
        try {
            new SNIHostName(name);
            return name;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** nginx's ngx_inet_addr: four decimal parts of at most 255. */
    private static boolean isIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    private static X509Certificate[] peerChain(SslHandler handler) {
        try {
            Certificate[] certs = handler.engine().getSession().getPeerCertificates();
            X509Certificate[] chain = new X509Certificate[certs.length];
            for (int i = 0; i < certs.length; i++) {
                chain[i] = (X509Certificate) certs[i];
            }
            return chain;
        } catch (SSLPeerUnverifiedException | ClassCastException e) {
            return new X509Certificate[0];
        }
    }

    // ---- the handshake's failures in nginx's words ----

    /** BoringSSL's error for an answer that is no TLS record (Netty tells it before the engine does). */
    private static final String NOT_TLS = "error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER";

    /**
     * The error-log line (without the action) for a handshake that failed with {@code cause};
     * {@code ioError} is a read error seen on the connection meanwhile, or null. As
     * ngx_ssl_handshake: a peer that closed is "peer closed connection in SSL handshake", with
     * the errno of a reset; the TLS library's error otherwise.
     */
    public static String handshakeFailure(Throwable cause, Throwable ioError) {
        if (ioError != null) {
            String m = String.valueOf(ioError.getMessage());
            return "peer closed connection in SSL handshake" + (m.contains("reset") ? " (104: Connection reset by peer)"
                    : " (" + m + ")");
        }
        if (cause instanceof ClosedChannelException || String.valueOf(cause.getMessage()).contains("closed")) {
            return "peer closed connection in SSL handshake";
        }
        Throwable tls = cause;
        while (tls.getCause() != null && !(tls instanceof SSLException)) {
            tls = tls.getCause();
        }
        String m = tls instanceof NotSslRecordException ? NOT_TLS
                : tls.getMessage() == null ? tls.getClass().getSimpleName() : tls.getMessage();
        return "SSL_do_handshake() failed (SSL: " + m + ")";
    }
}
