package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The deployment guides' configurations in examples/seeds/ (see its README): each is copied
 * into a fresh prefix's conf/ beside conf/mime.types and conf/uwsgi_params, the folders it
 * names are created, and {@code bin/portico -t} must give exactly the outcome in {@link #EXPECTED}.
 */
class SeedConfigurationsTest {

    private static final Path SEEDS = Portico.home().resolve("examples/seeds");

    /**
     * Success, or the [emerg] message of the first thing portico refuses, with its line
     * and the file it is in (null: the seed itself; else a file of conf/ it includes).
     */
    record Outcome(String emerg, String inFile, int line, List<String> folders) {

        static Outcome ok(String... folders) {
            return new Outcome(null, null, 0, List.of(folders));
        }

        static Outcome emerg(String message, int line, String... folders) {
            return new Outcome(message, null, line, List.of(folders));
        }

        static Outcome emergIn(String message, String file, int line, String... folders) {
            return new Outcome(message, file, line, List.of(folders));
        }
    }

    private static String unsupported(String directive) {
        return "unknown directive \"" + directive + "\" (an nginx directive that portico does not support)";
    }

    /** The seeds' certs/fullchain.pem and certs/privkey.pem, relative to conf/ as nginx reads them: made by openssl. */
    private static final String CERTS = "conf/certs";

    /*
     * The current outcome of `portico -t` per file. This table changes as proxy_pass,
     * uwsgi_pass, upstream, TLS and caching are built: each entry then moves to the next
     * thing refused, and finally to Outcome.ok(...).
     */
    private static final Map<String, Outcome> EXPECTED = Map.of(
            "flask-gunicorn-basic.conf", Outcome.ok("home/yourapp/static"),
            "flask-gunicorn-tls.conf", Outcome.emerg(unsupported("gzip_static"), 29,
                    CERTS, "www/mirahlabs/frontend/static"),
            "flask-uwsgi.conf", Outcome.ok("run", CERTS, "www/myapp/static"),
            "flask-uwsgi-balanced.conf", Outcome.ok("run"),
            "flask-uwsgi-docker.conf", Outcome.ok("www/static"),
            "flask-uwsgi-cache.conf", Outcome.emerg(unsupported("proxy_cache_path"), 8,
                    "run", "cache"));

    static Stream<String> seeds() {
        try (Stream<Path> files = Files.list(SEEDS)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".conf")).sorted()
                    .collect(Collectors.toList()).stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void everySeedHasAnExpectedOutcome() {
        assertThat(new TreeSet<>(seeds().toList())).isEqualTo(new TreeSet<>(EXPECTED.keySet()));
    }

    @Test
    void uwsgiHttpVersionIsAcceptedWithAWarningThatUwsgiHasNoKeepalive() throws IOException {
        try (TestPrefix prefix = TestPrefix.create()) {
            Path conf = prefix.path("conf");
            String file = "flask-uwsgi-balanced.conf";
            Files.copy(SEEDS.resolve(file), conf.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(Portico.home().resolve("conf/uwsgi_params"), conf.resolve("uwsgi_params"));
            Files.createDirectories(prefix.path("run"));

            CommandResult r = Portico.run(prefix, "-t", "-p", prefix.dir().toString(), "-c", "conf/" + file);

            assertThat(r.exitCode()).as(r.toString()).isZero();
            // nginx refuses the directive as unknown; the line names where the seed writes it.
            assertThat(r.stderr()).contains("portico: [warn] \"uwsgi_http_version\" is not an nginx directive and is"
                    + " ignored: the uwsgi protocol has no keep-alive, every request to a uwsgi upstream uses a"
                    + " connection of its own in " + conf.resolve(file) + ":22\n");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("seeds")
    void configurationTestGivesTheExpectedOutcome(String file) throws IOException {
        Outcome expected = EXPECTED.get(file);
        assertThat(expected).as("no expected outcome for " + file).isNotNull();
        try (TestPrefix prefix = TestPrefix.create()) {
            Path conf = prefix.path("conf");
            Files.copy(SEEDS.resolve(file), conf.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(Portico.home().resolve("conf/mime.types"), conf.resolve("mime.types"));
            Files.copy(Portico.home().resolve("conf/uwsgi_params"), conf.resolve("uwsgi_params"));
            for (String folder : expected.folders()) {
                Files.createDirectories(prefix.path(folder));
                if (folder.equals(CERTS)) {
                    dev.portico.tls.TestCertificates certs =
                            dev.portico.tls.TestCertificates.create(prefix.path(folder)).chainLeaf("example.com");
                    Files.copy(certs.path("example.com-fullchain.pem"), certs.path("fullchain.pem"));
                    Files.copy(certs.path("example.com.key"), certs.path("privkey.pem"));
                }
            }

            CommandResult r = Portico.run(prefix, "-t", "-p", prefix.dir().toString(), "-c", "conf/" + file);

            Path confFile = conf.resolve(file);
            if (expected.emerg() == null) {
                assertThat(r.exitCode()).as(r.toString()).isZero();
                assertThat(r.stderr()).contains("the configuration file " + confFile + " syntax is ok")
                        .contains("configuration file " + confFile + " test is successful");
            } else {
                assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
                assertThat(r.stderr()).as(r.toString())
                        .contains("portico: [emerg] " + expected.emerg() + " in "
                                + (expected.inFile() == null ? confFile : conf.resolve(expected.inFile())) + ":"
                                + expected.line() + "\n")
                        .contains("portico: configuration file " + confFile + " test failed");
            }
        }
    }
}
