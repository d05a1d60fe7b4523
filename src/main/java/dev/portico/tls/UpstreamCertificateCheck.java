package dev.portico.tls;

import java.security.GeneralSecurityException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import javax.security.auth.x500.X500Principal;

/**
 * proxy_ssl_verify's checks of an upstream's certificate, as nginx makes them after the
 * handshake: OpenSSL's X509_verify_cert over proxy_ssl_trusted_certificate with
 * proxy_ssl_verify_depth and proxy_ssl_crl, reported as SSL_get_verify_result gives it (nginx's
 * callback accepts every error, so verification goes on and the last error is the one shown:
 * an unknown issuer of a lone certificate ends as 21, an expired one as 10), then
 * X509_check_host against proxy_ssl_name.
 */
final class UpstreamCertificateCheck {

    /** OpenSSL's X509_V_ERR code and X509_verify_cert_error_string text (OpenSSL 3.0's). */
    record Failure(int code, String reason) {
    }

    private final List<X509Certificate> trusted;
    /** proxy_ssl_crl's lists, or null without one (no revocation check). */
    private final List<X509CRL> crls;
    private final int depth;

    UpstreamCertificateCheck(List<X509Certificate> trusted, List<X509CRL> crls, int depth) {
        this.trusted = List.copyOf(trusted);
        this.crls = crls == null ? null : List.copyOf(crls);
        this.depth = depth;
    }

    /** The verification of {@code peer} (the upstream's chain, its own certificate first): null when it holds. */
    Failure verify(X509Certificate[] peer, Date now) {
        Verification v = new Verification(peer, now);
        v.buildChain();
        v.checkExtensions();
        if (crls != null) {
            v.checkRevocation();
        }
        v.checkSignaturesAndTimes();
        return v.last;
    }

    /** One run of X509_verify_cert; each error replaces the one before, as with a callback that accepts. */
    private final class Verification {
        final List<X509Certificate> untrusted;
        final Date now;
        final List<X509Certificate> chain = new ArrayList<>();
        /** How many of the chain's certificates came from the upstream (the rest from the trusted file). */
        int fromPeer = 1;
        boolean trustedTop;
        Failure last;

        Verification(X509Certificate[] peer, Date now) {
            this.untrusted = List.of(peer).subList(1, peer.length);
            this.now = now;
            chain.add(peer[0]);
        }

        void error(int code, String reason) {
            last = new Failure(code, reason);
        }

        /**
         * build_chain: issuers from the trusted file first, then from what the upstream sent,
         * until a self-signed certificate; at most depth certificates between the upstream's
         * own and the trusted one.
         */
        void buildChain() {
            while (true) {
                X509Certificate top = chain.get(chain.size() - 1);
                if (selfIssued(top)) {
                    trustedTop = trusted.contains(top);
                    break;
                }
                X509Certificate issuer = issuerOf(top, trusted);
                boolean fromFile = issuer != null;
                if (issuer == null) {
                    issuer = issuerOf(top, untrusted);
                }
                if (issuer == null || chain.contains(issuer)) {
                    break;
                }
                if (chain.size() > depth + 1) {
                    error(22, "certificate chain too long");
                    break;
                }
                chain.add(issuer);
                if (!fromFile) {
                    fromPeer++;
                }
            }
            if (trustedTop) {
                return;
            }
            X509Certificate top = chain.get(chain.size() - 1);
            if (selfIssued(top)) {
                error(chain.size() == 1 ? 18 : 19, chain.size() == 1 ? "self-signed certificate"
                        : "self-signed certificate in certificate chain");
            } else if (fromPeer < chain.size()) {
                error(2, "unable to get issuer certificate");
            } else {
                error(20, "unable to get local issuer certificate");
            }
        }

        /** check_chain_extensions: CAs above the upstream's certificate, and the TLS server purpose. */
        void checkExtensions() {
            for (int i = 0; i < chain.size(); i++) {
                X509Certificate c = chain.get(i);
                if (i > 0 && !isCa(c)) {
                    error(24, "invalid CA certificate");
                } else if (i > 1 && c.getBasicConstraints() < i - 1) {
                    // the CAs between it and the upstream's certificate outnumber its pathLenConstraint
                    error(25, "path length constraint exceeded");
                }
                if (!serverPurpose(c, i == 0)) {
                    error(26, "unsuitable certificate purpose");
                }
            }
        }

        /** X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL, as nginx sets them: every certificate needs a CRL. */
        void checkRevocation() {
            for (int i = 0; i < chain.size(); i++) {
                X509Certificate c = chain.get(i);
                X509Certificate issuer = i + 1 < chain.size() ? chain.get(i + 1) : selfIssued(c) ? c : null;
                X509CRL crl = crlOf(c.getIssuerX500Principal());
                if (crl == null || issuer == null) {
                    error(3, "unable to get certificate CRL");
                    continue;
                }
                try {
                    crl.verify(issuer.getPublicKey());
                } catch (GeneralSecurityException e) {
                    error(8, "CRL signature failure");
                }
                if (crl.getThisUpdate().after(now)) {
                    error(11, "CRL is not yet valid");
                }
                if (crl.getNextUpdate() != null && crl.getNextUpdate().before(now)) {
                    error(12, "CRL has expired");
                }
                if (crl.isRevoked(c)) {
                    error(23, "certificate revoked");
                }
            }
        }

        /**
         * internal_verify: from the top down, each signature by the certificate above it (a
         * self-signed top is not checked) and each validity period; a lone certificate whose
         * issuer is unknown is 21.
         */
        void checkSignaturesAndTimes() {
            int n = chain.size() - 1;
            X509Certificate issuer = chain.get(n);
            X509Certificate subject;
            if (selfIssued(issuer)) {
                subject = issuer;
            } else if (n == 0) {
                error(21, "unable to verify the first certificate");
                checkTime(issuer);
                return;
            } else {
                subject = chain.get(--n);
            }
            while (true) {
                if (subject != issuer && !signs(issuer, subject)) {
                    error(7, "certificate signature failure");
                }
                checkTime(subject);
                if (--n < 0) {
                    return;
                }
                issuer = subject;
                subject = chain.get(n);
            }
        }

        void checkTime(X509Certificate c) {
            try {
                c.checkValidity(now);
            } catch (CertificateNotYetValidException e) {
                error(9, "certificate is not yet valid");
            } catch (CertificateExpiredException e) {
                error(10, "certificate has expired");
            }
        }
    }

    /**
     * The certificate of {@code pool} that issued {@code c}, as OpenSSL's check_issued finds it:
     * its subject names c's issuer and its key identifier is the one c's authority key identifier
     * names (when both have one); of those, one whose key signs c if any (else a signature failure
     * shows later).
     */
    private static X509Certificate issuerOf(X509Certificate c, List<X509Certificate> pool) {
        X509Certificate candidate = null;
        byte[] authorityKey = authorityKeyId(c);
        for (X509Certificate p : pool) {
            if (!p.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
                continue;
            }
            byte[] subjectKey = subjectKeyId(p);
            if (authorityKey != null && subjectKey != null && !Arrays.equals(authorityKey, subjectKey)) {
                continue;
            }
            if (signs(p, c)) {
                return p;
            }
            candidate = candidate == null ? p : candidate;
        }
        return candidate;
    }

    /** The subjectKeyIdentifier's bytes, or null. */
    private static byte[] subjectKeyId(X509Certificate c) {
        byte[] ext = c.getExtensionValue("2.5.29.14"); // OCTET STRING { OCTET STRING keyIdentifier }
        byte[] inner = ext == null ? null : der(ext, 0, 0x04);
        return inner == null ? null : der(inner, 0, 0x04);
    }

    /** The authorityKeyIdentifier's keyIdentifier ([0]) bytes, or null. */
    private static byte[] authorityKeyId(X509Certificate c) {
        byte[] ext = c.getExtensionValue("2.5.29.35"); // OCTET STRING { SEQUENCE { [0] keyIdentifier ... } }
        byte[] inner = ext == null ? null : der(ext, 0, 0x04);
        byte[] seq = inner == null ? null : der(inner, 0, 0x30);
        return seq == null ? null : der(seq, 0, 0x80);
    }

    /** The content of the DER element at {@code at} when its tag is {@code tag}, else null. */
    private static byte[] der(byte[] b, int at, int tag) {
        if (at + 2 > b.length || (b[at] & 0xff) != tag) {
            return null;
        }
        int length = b[at + 1] & 0xff;
        int offset = at + 2;
        if (length > 0x80) {
            int n = length & 0x7f;
            length = 0;
            for (int i = 0; i < n && offset + i < b.length; i++) {
                length = (length << 8) | (b[offset + i] & 0xff);
            }
            offset += n;
        }
        return offset + length > b.length ? null : Arrays.copyOfRange(b, offset, offset + length);
    }

    private X509CRL crlOf(X500Principal issuer) {
        for (X509CRL crl : crls) {
            if (crl.getIssuerX500Principal().equals(issuer)) {
                return crl;
            }
        }
        return null;
    }

    private static boolean selfIssued(X509Certificate c) {
        return c.getSubjectX500Principal().equals(c.getIssuerX500Principal()) && signs(c, c);
    }

    private static boolean signs(X509Certificate issuer, X509Certificate subject) {
        try {
            subject.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** OpenSSL's check_ca: basicConstraints CA:TRUE, or a self-signed version 1 certificate. */
    private static boolean isCa(X509Certificate c) {
        boolean[] usage = c.getKeyUsage();
        if (usage != null && !usage[5]) {
            return false; // a key usage without keyCertSign
        }
        return c.getBasicConstraints() >= 0 || (c.getVersion() == 1 && selfIssued(c));
    }

    /** X509_PURPOSE_SSL_SERVER: an extended key usage, when present, names serverAuth (or Netscape's SGC). */
    private static boolean serverPurpose(X509Certificate c, boolean leaf) {
        try {
            List<String> eku = c.getExtendedKeyUsage();
            if (eku != null && !eku.contains("1.3.6.1.5.5.7.3.1") && !eku.contains("2.16.840.1.113730.4.1")
                    && !eku.contains("1.3.6.1.4.1.311.10.3.3")) {
                return false;
            }
        } catch (CertificateParsingException e) {
            return false;
        }
        boolean[] usage = c.getKeyUsage();
        // A server's key must sign or encipher the handshake: digitalSignature, keyEncipherment or keyAgreement.
        return !leaf || usage == null || usage[0] || usage[2] || usage[4];
    }

    // ---- X509_check_host, with nginx's flags (none) ----

    /**
     * Whether {@code cert} names {@code host}: its DNS subjectAltNames when it has any, else the
     * common names of its subject; wildcards in the first label only (also partial: "w*.a.b"),
     * matching one label, with two labels after them. An IP address is compared as a name, as
     * X509_check_host does: IP subjectAltNames do not count.
     */
    static boolean hostMatches(X509Certificate cert, String host) {
        String name = host.length() > 1 && host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (name.isEmpty()) {
            return false;
        }
        List<String> patterns = dnsNames(cert);
        if (patterns.isEmpty()) {
            patterns = commonNames(cert.getSubjectX500Principal());
        }
        for (String pattern : patterns) {
            if (matches(pattern, name)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> dnsNames(X509Certificate cert) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0)) && san.get(1) instanceof String dns) {
                        names.add(dns);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return names;
        }
        return names;
    }

    /** The CN values of a subject, from its RFC 2253 text (escapes undone). */
    static List<String> commonNames(X500Principal subject) {
        List<String> names = new ArrayList<>();
        String text = subject.getName(X500Principal.RFC2253);
        int i = 0;
        while (i < text.length()) {
            int eq = text.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String type = text.substring(i, eq).trim();
            StringBuilder value = new StringBuilder();
            int j = eq + 1;
            for (; j < text.length(); j++) {
                char ch = text.charAt(j);
                if (ch == '\\' && j + 1 < text.length()) {
                    value.append(text.charAt(++j));
                } else if (ch == ',' || ch == '+') {
                    break;
                } else {
                    value.append(ch);
                }
            }
            if (type.equalsIgnoreCase("CN") || type.equals("2.5.4.3")) {
                names.add(value.toString());
            }
            i = j + 1;
        }
        return names;
    }

    /** OpenSSL's equal_wildcard without flags. */
    private static boolean matches(String pattern, String name) {
        int star = name.startsWith(".") ? -1 : validStar(pattern);
        if (star < 0) {
            return pattern.equalsIgnoreCase(name);
        }
        String prefix = pattern.substring(0, star);
        String suffix = pattern.substring(star + 1);
        if (name.length() < prefix.length() + suffix.length()
                || !name.regionMatches(true, 0, prefix, 0, prefix.length())
                || !name.regionMatches(true, name.length() - suffix.length(), suffix, 0, suffix.length())) {
            return false;
        }
        String matched = name.substring(prefix.length(), name.length() - suffix.length());
        boolean wholeLabel = prefix.isEmpty() && suffix.startsWith(".");
        if (wholeLabel && matched.isEmpty()) {
            return false;
        }
        if (!wholeLabel && name.toLowerCase(Locale.ROOT).startsWith("xn--")) {
            return false; // an IDNA label cannot match a partial wildcard
        }
        if (matched.equals("*")) {
            return true;
        }
        for (int i = 0; i < matched.length(); i++) {
            char ch = matched.charAt(i);
            if (!(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch == '-')) {
                return false;
            }
        }
        return true;
    }

    /**
     * OpenSSL's valid_star: the position of the pattern's one "*", at the start or end of its
     * first label, in a pattern of valid labels with at least two dots; else -1.
     */
    private static int validStar(String p) {
        int star = -1;
        int dots = 0;
        boolean labelStart = true;
        boolean hyphen = false;
        boolean idna = false;
        for (int i = 0; i < p.length(); i++) {
            char ch = p.charAt(i);
            boolean atStart = labelStart;
            boolean atEnd = i == p.length() - 1 || p.charAt(i + 1) == '.';
            if (ch == '*') {
                if (star >= 0 || idna || dots > 0 || !atStart && !atEnd) {
                    return -1;
                }
                star = i;
                labelStart = false;
            } else if (ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9') {
                if (labelStart && p.regionMatches(true, i, "xn--", 0, 4)) {
                    idna = true;
                }
                hyphen = false;
                labelStart = false;
            } else if (ch == '.') {
                if (hyphen || labelStart) {
                    return -1;
                }
                labelStart = true;
                dots++;
            } else if (ch == '-') {
                if (labelStart) {
                    return -1;
                }
                hyphen = true;
            } else {
                return -1;
            }
        }
        if (labelStart || hyphen || dots < 2) {
            return -1;
        }
        return star;
    }
}
