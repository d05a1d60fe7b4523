package dev.portico.e2e;

/**
 * The TLS and security-header lines of the two seed guides' HTTPS server blocks, word for word,
 * for the tests that run them (TlsTest for behaviour, TestsslTest for testssl.sh's verdict). The
 * certificate lines and the locations are each test's own.
 */
final class SeedTlsSettings {

    /** flask-gunicorn-tls.conf's server on 443. */
    static final String GUNICORN = """
                    ssl_protocols TLSv1.2 TLSv1.3;
                    ssl_prefer_server_ciphers on;

                    # Security headers
                    add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
                    add_header X-Frame-Options DENY;
                    add_header X-Content-Type-Options nosniff;
                    add_header Referrer-Policy "strict-origin-when-cross-origin";
            """;

    /** flask-uwsgi.conf's server on 443. */
    static final String UWSGI = """
                    ssl_session_timeout 1d;
                    ssl_session_cache shared:SSL:50m;
                    ssl_protocols TLSv1.2 TLSv1.3;
                    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256;
                    ssl_prefer_server_ciphers off;

                    add_header X-Frame-Options "SAMEORIGIN" always;
                    add_header X-Content-Type-Options "nosniff" always;
                    add_header X-XSS-Protection "1; mode=block" always;
            """;

    private SeedTlsSettings() {
    }
}
