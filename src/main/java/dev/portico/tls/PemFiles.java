package dev.portico.tls;

import dev.portico.log.ErrorLog;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * PEM files as nginx reads them: certificate chains (the server's certificate
 * first, then its intermediates), revocation lists, and private keys in PKCS#8
 * (plain or encrypted, tried with each password of the *ssl_password_file),
 * PKCS#1 (RSA) or SEC1 (EC) form. A failure is a {@link PemException} whose message is the
 * part nginx prints after the file name.
 */
final class PemFiles {

    /** Why a file could not be used, in the words nginx puts after "cannot load certificate "PATH": ". */
    static final class PemException extends Exception {
        PemException(String message) {
            super(message, null, false, false);
        }
    }

    private record Block(String label, List<String> headers, byte[] der) {
    }

    private PemFiles() {
    }

    /** Every certificate of a PEM file, in file order; at least one. */
    static List<X509Certificate> certificates(Path file) throws PemException {
        List<X509Certificate> certs = new ArrayList<>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new PemException("X.509 is not available (" + e.getMessage() + ")");
        }
        for (Block b : blocks(file)) {
            if (b.label().equals("CERTIFICATE") || b.label().equals("TRUSTED CERTIFICATE")
                    || b.label().equals("X509 CERTIFICATE")) {
                try {
                    certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der())));
                } catch (CertificateException e) {
                    throw new PemException("PEM_read_bio_X509() failed (" + e.getMessage() + ")");
                }
            }
        }
        if (certs.isEmpty()) {
            throw new PemException("PEM_read_bio_X509_AUX() failed (no certificate in the file)");
        }
        return certs;
    }

    /** Every certificate revocation list ("X509 CRL") of a PEM file, in file order; at least one. */
    static List<X509CRL> crls(Path file) throws PemException {
        List<X509CRL> crls = new ArrayList<>();
        for (Block b : blocks(file)) {
            if (b.label().equals("X509 CRL")) {
                try {
                    crls.add((X509CRL) CertificateFactory.getInstance("X.509")
                            .generateCRL(new ByteArrayInputStream(b.der())));
                } catch (GeneralSecurityException e) {
                    throw new PemException("PEM_read_bio_X509_CRL() failed (" + e.getMessage() + ")");
                }
            }
        }
        if (crls.isEmpty()) {
            throw new PemException("PEM_read_bio_X509_CRL() failed (no CRL in the file)");
        }
        return crls;
    }

    /** The first private key of a PEM file; an encrypted one is tried with each password of {@code passwordDirective}. */
    static PrivateKey privateKey(Path file, List<String> passwords, String passwordDirective) throws PemException {
        for (Block b : blocks(file)) {
            switch (b.label()) {
                case "PRIVATE KEY":
                    return pkcs8(b.der());
                case "RSA PRIVATE KEY":
                    refuseLegacyEncryption(b);
                    return pkcs8(wrap(RSA_ALGORITHM, b.der()));
                case "EC PRIVATE KEY":
                    refuseLegacyEncryption(b);
                    return pkcs8(wrap(ecAlgorithm(b.der()), b.der()));
                case "ENCRYPTED PRIVATE KEY":
                    return decrypt(b.der(), passwords, passwordDirective);
                default:
                    break;
            }
        }
        throw new PemException("PEM_read_bio_PrivateKey() failed (no private key in the file)");
    }

    /** The file is readable and holds PEM "DH PARAMETERS" (ssl_dhparam: checked, then unused by BoringSSL). */
    static void dhParameters(Path file) throws PemException {
        for (Block b : blocks(file)) {
            if (b.label().equals("DH PARAMETERS") || b.label().equals("X9.42 DH PARAMETERS")) {
                return;
            }
        }
        throw new PemException("PEM_read_bio_DHparams() failed (no DH parameters in the file)");
    }

    static byte[] readAll(Path file) throws PemException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new PemException("BIO_new_file() failed (" + ErrorLog.describe(e) + ")");
        }
    }

    private static List<Block> blocks(Path file) throws PemException {
        String text = new String(readAll(file), StandardCharsets.ISO_8859_1);
        List<Block> blocks = new ArrayList<>();
        int at = 0;
        while (true) {
            int begin = text.indexOf("-----BEGIN ", at);
            if (begin < 0) {
                return blocks;
            }
            int labelEnd = text.indexOf("-----", begin + 11);
            if (labelEnd < 0) {
                return blocks;
            }
            String label = text.substring(begin + 11, labelEnd);
            String endMarker = "-----END " + label + "-----";
            int end = text.indexOf(endMarker, labelEnd);
            if (end < 0) {
                throw new PemException("PEM_read_bio() failed (no \"" + endMarker + "\" line)");
            }
            List<String> headers = new ArrayList<>();
            StringBuilder base64 = new StringBuilder();
            for (String line : text.substring(labelEnd + 5, end).split("\r?\n")) {
                String l = line.trim();
                if (l.contains(":")) {
                    headers.add(l);
                } else {
                    base64.append(l);
                }
            }
            try {
                blocks.add(new Block(label, headers, Base64.getDecoder().decode(base64.toString())));
            } catch (IllegalArgumentException e) {
                throw new PemException("PEM_read_bio() failed (bad base64 in the " + label + " block)");
            }
            at = end + endMarker.length();
        }
    }

    private static void refuseLegacyEncryption(Block b) throws PemException {
        for (String h : b.headers()) {
            if (h.startsWith("Proc-Type:") && h.contains("ENCRYPTED")) {
                throw new PemException("PEM_read_bio_PrivateKey() failed (a key encrypted in the legacy PEM"
                        + " form is not supported: convert it with \"openssl pkcs8 -topk8\")");
            }
        }
    }

    private static PrivateKey pkcs8(byte[] der) throws PemException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : new String[] {"RSA", "EC", "RSASSA-PSS", "Ed25519", "Ed448"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // the next algorithm
            }
        }
        throw new PemException("PEM_read_bio_PrivateKey() failed (unsupported or malformed private key)");
    }

    private static PrivateKey decrypt(byte[] der, List<String> passwords, String passwordDirective)
            throws PemException {
        EncryptedPrivateKeyInfo info;
        try {
            info = new EncryptedPrivateKeyInfo(der);
        } catch (IOException e) {
            throw new PemException("PEM_read_bio_PrivateKey() failed (malformed encrypted private key)");
        }
        // nginx tries every password of the file; without one, the key cannot be read.
        for (String password : passwords.isEmpty() ? List.of("") : passwords) {
            try {
                String algorithm = info.getAlgParameters() != null ? info.getAlgParameters().toString()
                        : info.getAlgName();
                SecretKeyFactory factory = SecretKeyFactory.getInstance(algorithm);
                Cipher cipher = Cipher.getInstance(algorithm);
                cipher.init(Cipher.DECRYPT_MODE, factory.generateSecret(new PBEKeySpec(password.toCharArray())),
                        info.getAlgParameters());
                return pkcs8(info.getKeySpec(cipher).getEncoded());
            } catch (GeneralSecurityException | PemException e) {
                // the next password
            }
        }
        throw new PemException("PEM_read_bio_PrivateKey() failed (bad decrypt: no password of"
                + " \"" + passwordDirective + "\" opens the key)");
    }

    // ---- DER, only as much as wrapping a PKCS#1 or SEC1 key into PKCS#8 needs ----

    /** AlgorithmIdentifier rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
            (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    /** The OID id-ecPublicKey (1.2.840.10045.2.1), tag and length included. */
    private static final byte[] EC_PUBLIC_KEY = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    /** PrivateKeyInfo { version 0, algorithm, OCTET STRING key }. */
    private static byte[] wrap(byte[] algorithm, byte[] key) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00});
        body.writeBytes(algorithm);
        body.writeBytes(tlv(0x04, key));
        return tlv(0x30, body.toByteArray());
    }

    /** id-ecPublicKey with the curve OID that a SEC1 ECPrivateKey names in its [0] parameters. */
    private static byte[] ecAlgorithm(byte[] sec1) throws PemException {
        int[] seq = header(sec1, 0);
        int at = seq[0];
        int end = seq[0] + seq[1];
        while (at < end) {
            int tag = sec1[at] & 0xff;
            int[] h = header(sec1, at);
            if (tag == 0xa0) {
                int[] oid = header(sec1, h[0]);
                byte[] curve = java.util.Arrays.copyOfRange(sec1, h[0], oid[0] + oid[1]);
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                body.writeBytes(EC_PUBLIC_KEY);
                body.writeBytes(curve);
                return tlv(0x30, body.toByteArray());
            }
            at = h[0] + h[1];
        }
        throw new PemException("PEM_read_bio_PrivateKey() failed (an EC key without its curve)");
    }

    /** {content offset, content length} of the element at {@code at}. */
    private static int[] header(byte[] der, int at) throws PemException {
        if (at + 2 > der.length) {
            throw new PemException("PEM_read_bio_PrivateKey() failed (truncated key)");
        }
        int length = der[at + 1] & 0xff;
        int offset = at + 2;
        if (length > 0x80) {
            int n = length & 0x7f;
            length = 0;
            for (int i = 0; i < n; i++) {
                length = (length << 8) | (der[offset + i] & 0xff);
            }
            offset += n;
        }
        if (offset + length > der.length) {
            throw new PemException("PEM_read_bio_PrivateKey() failed (truncated key)");
        }
        return new int[] {offset, length};
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }
}
