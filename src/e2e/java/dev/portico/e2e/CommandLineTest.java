package dev.portico.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** nginx's command line: -v -V -h -t -q -T -g -s and option errors. */
class CommandLineTest {

    private static final String CONFIG = """
            daemon off;
            error_log logs/error.log info;
            events {
            }
            http {
                include extra.conf;
                server {
                    listen 127.0.0.1:%%PORT%%;
                }
            }
            """;

    private static final String EXTRA = """
            keepalive_timeout 30s;
            """;

    @Test
    void versionGoesToStderr() {
        try (TestPrefix prefix = TestPrefix.create()) {
            CommandResult r = Portico.run(prefix, "-v");
            assertThat(r.exitCode()).isZero();
            assertThat(r.stdout()).isEmpty();
            assertThat(r.stderr()).matches("portico version: portico/\\d+\\.\\d+\\.\\d+\\S*\n");
        }
    }

    @Test
    void configureArgumentsListTheMissingModules() {
        try (TestPrefix prefix = TestPrefix.create()) {
            CommandResult r = Portico.run(prefix, "-V");
            assertThat(r.exitCode()).isZero();
            assertThat(r.stdout()).isEmpty();
            assertThat(r.stderr()).startsWith("portico version: portico/");
            assertThat(r.stderr()).containsPattern("(?m)^configure arguments: .*--without-http_gzip_module");
        }
    }

    @Test
    void helpPrintsUsage() {
        try (TestPrefix prefix = TestPrefix.create()) {
            CommandResult r = Portico.run(prefix, "-h");
            assertThat(r.exitCode()).isZero();
            assertThat(r.stderr()).startsWith("portico version: portico/")
                    .contains("Usage: portico [-?hvVtTq] [-s signal] [-p prefix]")
                    .contains("  -s signal     : send signal to a master process: stop, quit, reopen, reload")
                    .contains("  -c filename   : set configuration file (default: conf/portico.conf)");
        }
    }

    @Test
    void testPrintsSuccessLines() {
        try (TestPrefix prefix = TestPrefix.withConfig(CONFIG).write("conf/extra.conf", EXTRA)) {
            String conf = prefix.path(TestPrefix.CONF).toString();
            CommandResult r = Portico.run(prefix, "-p", prefix.dir().toString(), "-c", TestPrefix.CONF, "-t");
            assertThat(r.exitCode()).isZero();
            assertThat(r.stdout()).isEmpty();
            assertThat(r.stderr()).isEqualTo(
                    "portico: the configuration file " + conf + " syntax is ok\n"
                    + "portico: configuration file " + conf + " test is successful\n");
            assertThat(prefix.pidFile()).doesNotExist();
        }
    }

    @Test
    void testQuietPrintsNothing() {
        try (TestPrefix prefix = TestPrefix.withConfig(CONFIG).write("conf/extra.conf", EXTRA)) {
            CommandResult r = Portico.run(prefix, "-p", prefix.dir().toString(), "-t", "-q");
            assertThat(r.exitCode()).isZero();
            assertThat(r.stdout()).isEmpty();
            assertThat(r.stderr()).isEmpty();
        }
    }

    @Test
    void dumpShowsTheConfigurationAndItsIncludes() {
        try (TestPrefix prefix = TestPrefix.withConfig(CONFIG).write("conf/extra.conf", EXTRA)) {
            CommandResult r = Portico.run(prefix, "-p", prefix.dir().toString(), "-T");
            assertThat(r.exitCode()).isZero();
            assertThat(r.stderr()).contains("test is successful");
            assertThat(r.stdout())
                    .contains("# configuration file " + prefix.path("conf/portico.conf") + ":\n"
                            + prefix.substitute(CONFIG))
                    .contains("# configuration file " + prefix.path("conf/extra.conf") + ":\n" + EXTRA);
        }
    }

    @Test
    void globalDirectivesFromTheCommandLine() {
        try (TestPrefix prefix = TestPrefix.withConfig(CONFIG).write("conf/extra.conf", EXTRA)) {
            CommandResult ok = Portico.run(prefix, "-p", prefix.dir().toString(), "-g", "worker_processes 2;", "-t");
            assertThat(ok.exitCode()).as(ok.toString()).isZero();
            assertThat(ok.stderr()).contains("test is successful");

            CommandResult dup = Portico.run(prefix, "-p", prefix.dir().toString(), "-g", "daemon on;", "-t");
            assertThat(dup.exitCode()).isEqualTo(1);
            assertThat(dup.stderr()).contains("portico: [emerg] \"daemon\" directive is duplicate in "
                    + prefix.path(TestPrefix.CONF) + ":1");

            CommandResult unknown = Portico.run(prefix, "-p", prefix.dir().toString(), "-g", "foo;", "-t");
            assertThat(unknown.exitCode()).isEqualTo(1);
            assertThat(unknown.stderr()).contains("portico: [emerg] unknown directive \"foo\" in command line");
        }
    }

    @Test
    void invalidOption() {
        try (TestPrefix prefix = TestPrefix.create()) {
            CommandResult r = Portico.run(prefix, "-x");
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stderr()).isEqualTo("portico: invalid option: \"x\"\n");

            CommandResult s = Portico.run(prefix, "-s", "restart");
            assertThat(s.exitCode()).isEqualTo(1);
            assertThat(s.stderr()).isEqualTo("portico: invalid option: \"-s restart\"\n");
        }
    }

    @Test
    void signalWithoutARunningServerNamesThePidFile() {
        try (TestPrefix prefix = TestPrefix.withConfig(CONFIG).write("conf/extra.conf", EXTRA)) {
            CommandResult r = Portico.run(prefix, "-p", prefix.dir().toString(), "-s", "reload");
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stderr()).contains("portico: [error] open() \"" + prefix.pidFile()
                    + "\" failed (2: No such file or directory)");
        }
    }

    @Test
    void signalsToARunningServer() {
        try (TestPrefix prefix = TestPrefix.withConfig(CONFIG).write("conf/extra.conf", EXTRA);
             PorticoProcess server = PorticoProcess.start(prefix)) {
            String p = prefix.dir().toString();

            assertThat(Portico.run(prefix, "-p", p, "-s", "reload").exitCode()).isZero();
            server.awaitErrorLog("signal 1 (SIGHUP) received, reconfiguring");

            assertThat(Portico.run(prefix, "-p", p, "-s", "reopen").exitCode()).isZero();
            server.awaitErrorLog("signal 10 (SIGUSR1) received, reopening logs");
            assertThat(Http.get(server.port(), "/missing").statusCode()).isEqualTo(404);

            assertThat(Portico.run(prefix, "-p", p, "-s", "quit").exitCode()).isZero();
            assertThat(server.waitForExit(Duration.ofSeconds(15))).isZero();
            assertThat(server.errorLog()).contains("signal 3 (SIGQUIT) received, shutting down");
            assertThat(prefix.pidFile()).doesNotExist();
        }
        try (TestPrefix prefix = TestPrefix.withConfig(CONFIG).write("conf/extra.conf", EXTRA);
             PorticoProcess server = PorticoProcess.start(prefix)) {
            assertThat(Portico.run(prefix, "-p", prefix.dir().toString(), "-s", "stop").exitCode()).isZero();
            assertThat(server.waitForExit(Duration.ofSeconds(10))).isZero();
            assertThat(server.errorLog()).contains("signal 15 (SIGTERM) received, exiting");
            assertThat(prefix.pidFile()).doesNotExist();
        }
    }
}
