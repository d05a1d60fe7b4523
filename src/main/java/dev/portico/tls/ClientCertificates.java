package dev.portico.tls;

import dev.portico.config.ConfigException;
import java.net.Socket;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertStore;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * ssl_verify_client's certificates: the CAs of ssl_client_certificate (sent
 * to clients as the acceptable issuers) and ssl_trusted_certificate, and the
 * check of a client's chain as OpenSSL's verification reports it, with
 * ssl_verify_depth. As in nginx, the handshake accepts any certificate; the
 * result is looked at per request ($ssl_client_verify, 400 when it failed).
 */
final class ClientCertificates {

    /** A verification's outcome: OpenSSL's X509_V_ERR code and text; code 0 is success. */
    record Result(int code, String reason) {
        static final Result OK = new Result(0, "ok");

        boolean ok() {
            return code == 0;
        }

        /** The errors ssl_verify_client optional_no_ca lets through (nginx's ngx_ssl_verify_error_optional). */
        boolean onlyIssuerUnknown() {
            return code == 18 || code == 19 || code == 2 || code == 20 || code == 21;
        }
    }

    private final List<X509Certificate> advertised;
    private final Set<TrustAnchor> anchors;
    private final List<X509Certificate> intermediates;
    private final int depth;

    private ClientCertificates(List<X509Certificate> advertised, Set<TrustAnchor> anchors,
                               List<X509Certificate> intermediates, int depth) {
        this.advertised = advertised;
        this.anchors = anchors;
        this.intermediates = intermediates;
        this.depth = depth;
    }

    /** The CAs of ssl_client_certificate, whose names the handshake sends to clients. */
    List<X509Certificate> advertised() {
        return advertised;
    }

    static ClientCertificates load(SslServerConf conf) throws ConfigException {
        List<X509Certificate> advertised = read(conf.clientCertificate);
        List<X509Certificate> all = new ArrayList<>(advertised);
        all.addAll(read(conf.trustedCertificate));
        Set<TrustAnchor> anchors = new HashSet<>();
        List<X509Certificate> intermediates = new ArrayList<>();
        for (X509Certificate c : all) {
            if (c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
                anchors.add(new TrustAnchor(c, null));
            } else {
                intermediates.add(c);
            }
        }
        if (anchors.isEmpty()) {
            // A file of intermediates only: trust them as given, rather than trusting nothing.
            for (X509Certificate c : intermediates) {
                anchors.add(new TrustAnchor(c, null));
            }
        }
        return new ClientCertificates(List.copyOf(advertised), anchors, intermediates, conf.verifyDepth);
    }

    private static List<X509Certificate> read(SslServerConf.FileRef file) throws ConfigException {
        if (file == null) {
            return List.of();
        }
        try {
            return PemFiles.certificates(file.path());
        } catch (PemFiles.PemException e) {
            throw new ConfigException("cannot load certificate \"" + file.text() + "\": " + e.getMessage(),
                    file.where());
        }
    }

    /** OpenSSL's verification of a client's chain (leaf first), as far as nginx reports it. */
    Result verify(X509Certificate[] chain) {
        X509Certificate leaf = chain[0];
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException e) {
            return new Result(10, "certificate has expired");
        } catch (CertificateNotYetValidException e) {
            return new Result(9, "certificate is not yet valid");
        }
        if (anchors.isEmpty()) {
            return selfSignedOrUnknown(leaf);
        }
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(leaf);
            PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, target);
            params.setRevocationEnabled(false);
            List<X509Certificate> pool = new ArrayList<>(intermediates);
            pool.addAll(List.of(chain));
            params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(pool)));
            PKIXCertPathBuilderResult result =
                    (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX").build(params);
            // OpenSSL's verify depth counts neither the client's certificate nor the trust anchor:
            // depth N allows N intermediate CAs between them (nginx 1.22.1: the default 1 accepts a
            // client certificate issued by one intermediate under the ssl_client_certificate root).
            int between = result.getCertPath().getCertificates().size() - 1;
            if (between > depth) {
                return new Result(22, "certificate chain too long");
            }
            return Result.OK;
        } catch (CertPathBuilderException e) {
            return selfSignedOrUnknown(leaf);
        } catch (Exception e) {
            return new Result(7, "certificate signature failure");
        }
    }

    private static Result selfSignedOrUnknown(X509Certificate leaf) {
        if (leaf.getSubjectX500Principal().equals(leaf.getIssuerX500Principal())) {
            return new Result(18, "self-signed certificate");
        }
        return new Result(20, "unable to get local issuer certificate");
    }

    /** Accepts every chain (the verdict comes per request) and names the CAs of ssl_client_certificate. */
    X509ExtendedTrustManager handshakeTrustManager() {
        X509Certificate[] issuers = advertised.toArray(new X509Certificate[0]);
        return new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return issuers.clone();
            }
        };
    }
}
