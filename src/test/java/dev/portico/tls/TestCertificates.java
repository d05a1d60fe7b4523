package dev.portico.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made by the openssl command line for a test, into {@code dir}:
 * a root CA with an intermediate, leaves signed by the intermediate
 * ({@code NAME.pem} + {@code NAME.key}, {@code NAME-fullchain.pem} with the
 * intermediate), self-signed RSA 2048 and ECDSA P-256 pairs, and a client CA
 * with a client certificate. A missing openssl fails the test.
 */
public final class TestCertificates {

    private final Path dir;
    private final String days;

    private TestCertificates(Path dir, int days) {
        this.dir = dir;
        this.days = Integer.toString(days);
    }

    /** The root CA (root.pem) and its intermediate (intermediate.pem), in {@code dir}; all valid 3 days. */
    public static TestCertificates create(Path dir) {
        return create(dir, 3);
    }

    /** As {@link #create(Path)}, every certificate valid {@code days} days (90: as Let's Encrypt's). */
    public static TestCertificates create(Path dir, int days) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TestCertificates c = new TestCertificates(dir, days);
        c.write("ca.ext", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
        c.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key", "-out", "root.pem",
                "-days", c.days, "-subj", "/CN=Portico Test Root CA", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        c.openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "intermediate.key", "-out", "intermediate.csr",
                "-subj", "/CN=Portico Test Intermediate CA");
        c.openssl("x509", "-req", "-in", "intermediate.csr", "-CA", "root.pem", "-CAkey", "root.key",
                "-CAcreateserial", "-out", "intermediate.pem", "-days", c.days, "-extfile", "ca.ext");
        return c;
    }

    public Path path(String name) {
        return dir.resolve(name);
    }

    /** A server certificate for {@code name} (RSA 2048) signed by the intermediate, and its full chain. */
    public TestCertificates chainLeaf(String name) {
        return chainLeaf(name, false);
    }

    /** As {@link #chainLeaf(String)}, with an ECDSA P-256 key when {@code ecdsa}. */
    public TestCertificates chainLeaf(String name, boolean ecdsa) {
        key(name, ecdsa);
        sign(name, "intermediate", "subjectAltName=DNS:" + name + "\nextendedKeyUsage=serverAuth\n");
        concat(name + "-fullchain.pem", name + ".pem", "intermediate.pem");
        return this;
    }

    /** A self-signed certificate for {@code name}: ECDSA P-256 or RSA 2048. */
    public TestCertificates selfSigned(String name, boolean ecdsa) {
        List<String> args = new ArrayList<>(List.of("req", "-x509", "-newkey"));
        args.addAll(ecdsa ? List.of("ec", "-pkeyopt", "ec_paramgen_curve:P-256") : List.of("rsa:2048"));
        args.addAll(List.of("-nodes", "-keyout", name + ".key", "-out", name + ".pem", "-days", days,
                "-subj", "/CN=" + name, "-addext", "subjectAltName=DNS:" + name));
        openssl(args.toArray(new String[0]));
        return this;
    }

    /** A client CA (clientca.pem) and a client certificate {@code name}.pem / .key signed by it. */
    public TestCertificates client(String name) {
        if (!Files.exists(path("clientca.pem"))) {
            openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "clientca.key", "-out",
                    "clientca.pem", "-days", days, "-subj", "/CN=Portico Test Client CA",
                    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
        }
        key(name, false);
        sign(name, "clientca", "extendedKeyUsage=clientAuth\n");
        return this;
    }

    private void key(String name, boolean ecdsa) {
        List<String> args = new ArrayList<>(List.of("req", "-newkey"));
        args.addAll(ecdsa ? List.of("ec", "-pkeyopt", "ec_paramgen_curve:P-256") : List.of("rsa:2048"));
        args.addAll(List.of("-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name));
        openssl(args.toArray(new String[0]));
    }

    private void sign(String name, String ca, String extensions) {
        write(name + ".ext", extensions);
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial",
                "-out", name + ".pem", "-days", days, "-extfile", name + ".ext");
    }

    private void concat(String target, String... parts) {
        try {
            StringBuilder sb = new StringBuilder();
            for (String p : parts) {
                sb.append(Files.readString(path(p)));
            }
            Files.writeString(path(target), sb.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write(String name, String text) {
        try {
            Files.writeString(path(name), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code openssl args...} in the folder; a failure fails the test with openssl's output. */
    /** Trust managers that trust root.pem alone, for Java's TLS clients. */
    public javax.net.ssl.TrustManager[] trustManagers() {
        try (java.io.InputStream in = Files.newInputStream(path("root.pem"))) {
            java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("root",
                    java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            return tmf.getTrustManagers();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public String openssl(String... args) {
        Path openssl = Path.of("/usr/bin/openssl");
        if (!Files.isExecutable(openssl)) {
            throw new AssertionError(openssl + " is missing; run scripts/install-test-deps.sh");
        }
        List<String> command = new ArrayList<>(List.of(openssl.toString()));
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile(dir, "openssl", ".out");
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("openssl " + args[0] + " did not finish");
            }
            String text = Files.readString(out);
            Files.delete(out);
            if (p.exitValue() != 0) {
                throw new AssertionError("openssl " + String.join(" ", args) + " failed:\n" + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
