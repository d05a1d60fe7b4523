package dev.portico.tls;

import dev.portico.http.HttpExchange;
import dev.portico.http.VariableTable;
import io.netty.handler.ssl.CipherSuiteConverter;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.function.Function;
import javax.security.auth.x500.X500Principal;

/** nginx's $ssl_* variables: not found on a connection without TLS. */
final class SslVariables {

    private SslVariables() {
    }

    static void register() {
        session("ssl_protocol", s -> s.session().getProtocol());
        session("ssl_cipher", s -> {
            String java = s.session().getCipherSuite();
            if (!java.contains("_WITH_")) {
                return java; // TLSv1.3's suites: OpenSSL's name is the standard one (TLS_AES_128_GCM_SHA256)
            }
            String openSsl = CipherSuiteConverter.toOpenSsl(java, false);
            return openSsl != null ? openSsl : java;
        });
        session("ssl_server_name", TlsSession::serverName);
        session("ssl_alpn_protocol", s -> empty(s.handler.applicationProtocol()));
        session("ssl_session_id", s -> empty(HexFormat.of().formatHex(s.session().getId())));
        session("ssl_session_reused", s -> s.reused() ? "r" : ".");
        session("ssl_client_verify", s -> {
            ClientCertificates.Result r = s.verification();
            return r == null ? "NONE" : r.ok() ? "SUCCESS" : "FAILED:" + r.reason();
        });
        client("ssl_client_s_dn", c -> c.getSubjectX500Principal().getName(X500Principal.RFC2253));
        client("ssl_client_i_dn", c -> c.getIssuerX500Principal().getName(X500Principal.RFC2253));
        client("ssl_client_serial", c -> c.getSerialNumber().toString(16).toUpperCase(Locale.ROOT));
        client("ssl_client_fingerprint", c -> {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(c.getEncoded()));
            } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
                return null;
            }
        });
        client("ssl_client_raw_cert", SslVariables::pem);
    }

    private static void session(String name, Function<TlsSession, String> value) {
        VariableTable.registerBuiltin(name, x -> {
            TlsSession s = secured(x);
            return s == null ? null : value.apply(s);
        });
    }

    private static void client(String name, Function<X509Certificate, String> value) {
        VariableTable.registerBuiltin(name, x -> {
            TlsSession s = secured(x);
            X509Certificate[] chain = s == null ? null : s.peerChain();
            return chain == null ? null : value.apply(chain[0]);
        });
    }

    /** The connection's TLS state once its handshake is done. */
    static TlsSession secured(HttpExchange x) {
        return x.connection().secure() ? TlsSession.of(x.connection().channel()) : null;
    }

    private static String empty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static String pem(X509Certificate c) {
        try {
            String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(c.getEncoded());
            return "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n";
        } catch (CertificateEncodingException e) {
            return null;
        }
    }
}
