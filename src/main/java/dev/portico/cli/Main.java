package dev.portico.cli;

import dev.portico.config.ConfigException;
import dev.portico.config.Modules;
import dev.portico.config.syntax.ConfigDumper;
import dev.portico.core.Snapshot;
import dev.portico.log.ErrorLog;
import dev.portico.log.LogLevel;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The `portico` command: nginx's command line, start-up order and exit codes. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        dev.portico.log.NettyLogBridge.install();
        if (System.getenv("PORTICO_CDS_TRAINING") != null) {
            try {
                System.exit(ClassDataTraining.run());
            } catch (Exception e) {
                System.err.println("portico: class-data training failed: " + e);
                System.exit(1);
            }
        }
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLineOptions opts;
        try {
            opts = CommandLine.parse(args);
        } catch (CommandLineException e) {
            err.println("portico: " + e.getMessage());
            return 1;
        }
        if (opts.help()) {
            err.print(VersionInfo.versionLine() + "\n");
            err.print(CommandLine.usage());
            return 0;
        }
        if (opts.version() || opts.configure()) {
            err.print(opts.configure() ? VersionInfo.configureReport(configureArguments(prefixOf(opts))) :
                    VersionInfo.versionLine() + "\n");
            if (!opts.test()) {
                return 0;
            }
        }
        Path prefix = prefixOf(opts);
        ErrorLog.Sink fallbackLog = opts.errorLog() == null
                ? new ErrorLog.Sink(prefix.resolve("logs/error.log"), LogLevel.ERROR)
                : opts.errorLogToStderr() ? new ErrorLog.Sink(null, LogLevel.ERROR)
                : new ErrorLog.Sink(prefix.resolve(opts.errorLog()).normalize(), LogLevel.ERROR);
        Snapshot.Source source;
        try {
            source = sourceOf(opts, prefix);
        } catch (IOException e) {
            err.println("portico: [emerg] " + e.getMessage());
            return 1;
        }
        String shownConf = source.confFile() != null ? source.confFile().toString()
                : "embedded default configuration";
        Snapshot snapshot;
        try {
            snapshot = Snapshot.load(prefix, source, opts.globalDirectives(), fallbackLog);
        } catch (ConfigException e) {
            err.println("portico: [emerg] " + e.getMessage());
            appendToLog(fallbackLog, "[emerg] " + e.getMessage());
            if (opts.test()) {
                err.println("portico: configuration file " + shownConf + " test failed");
            }
            return 1;
        }
        for (var w : snapshot.warnings()) {
            if (!opts.quiet() || !opts.test()) {
                err.println("portico: [warn] " + w);
            }
        }
        if (opts.signal() != null) {
            return sendSignal(snapshot, opts.signal(), err);
        }
        if (opts.test()) {
            if (!opts.quiet()) {
                err.println("portico: the configuration file " + shownConf + " syntax is ok");
                err.println("portico: configuration file " + shownConf + " test is successful");
            }
            if (opts.dump()) {
                out.print(ConfigDumper.dump(snapshot.parsed()));
                out.flush();
            }
            return 0;
        }
        if (snapshot.core().daemon() && !Daemon.isChild()) {
            try {
                return Daemon.launchAndWait(Duration.ofSeconds(30));
            } catch (IOException e) {
                err.println("portico: [emerg] " + e.getMessage());
                return 1;
            }
        }
        ServerProcess process = new ServerProcess(prefix, source, opts.globalDirectives(), fallbackLog);
        return process.run(snapshot, err);
    }

    private static Path prefixOf(CommandLineOptions opts) {
        if (opts.prefix() != null) {
            return Path.of(opts.prefix()).toAbsolutePath().normalize();
        }
        String home = System.getProperty("portico.home");
        if (home != null && !home.isEmpty()) {
            return Path.of(home).toAbsolutePath().normalize();
        }
        return Path.of("").toAbsolutePath();
    }

    /** The -c file, else conf/portico.conf under the prefix, else the embedded default. */
    static Snapshot.Source sourceOf(CommandLineOptions opts, Path prefix) throws IOException {
        if (opts.confFile() != null) {
            return Snapshot.Source.file(prefix.resolve(opts.confFile()).normalize());
        }
        Path conf = prefix.resolve("conf/portico.conf");
        if (Files.exists(conf)) {
            return Snapshot.Source.file(conf);
        }
        return embeddedDefault(prefix);
    }

    /**
     * The embedded default configuration. Its mime.types and pages come from the
     * prefix when it has them (an installed tree), else from copies in the jar.
     */
    private static Snapshot.Source embeddedDefault(Path prefix) throws IOException {
        String text = resource("/dev/portico/default.conf");
        Path confDir = prefix.resolve("conf");
        Path htmlDir = prefix.resolve("html");
        if (!Files.exists(confDir.resolve("mime.types")) || !Files.exists(htmlDir.resolve("index.html"))) {
            Path dir = Files.createTempDirectory("portico-default-");
            dir.toFile().deleteOnExit();
            confDir = Files.createDirectories(dir.resolve("conf"));
            htmlDir = Files.createDirectories(dir.resolve("html"));
            copyResource("/dev/portico/files/mime.types", confDir.resolve("mime.types"));
            copyResource("/dev/portico/html/index.html", htmlDir.resolve("index.html"));
            copyResource("/dev/portico/html/50x.html", htmlDir.resolve("50x.html"));
            for (Path p : List.of(confDir.resolve("mime.types"), htmlDir.resolve("index.html"),
                    htmlDir.resolve("50x.html"), confDir, htmlDir)) {
                p.toFile().deleteOnExit();
            }
        }
        text = text.replace("root   html;", "root   " + htmlDir + ";");
        return Snapshot.Source.embedded(text, confDir);
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = Main.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("embedded resource " + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void copyResource(String name, Path target) throws IOException {
        try (InputStream in = Main.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("embedded resource " + name + " is missing from the jar");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Writes a start-up failure into the error log file as well, as nginx does. */
    private static void appendToLog(ErrorLog.Sink sink, String message) {
        if (sink.isStderr()) {
            return;
        }
        ErrorLog log = new ErrorLog(List.of(sink));
        String text = message.replaceFirst("^\\[emerg\\] ", "");
        try {
            log.open();
            log.log(LogLevel.EMERG, text);
            log.close();
        } catch (IOException ignored) {
            // The message is already on stderr; a missing log folder must not hide it.
        }
    }

    private static int sendSignal(Snapshot snapshot, String command, PrintStream err) {
        ProcessSignal signal = ProcessSignal.fromCommand(command);
        Path pid = snapshot.core().pid();
        if (pid == null || snapshot.core().pidOff()) {
            pid = ServerProcess.defaultPid(snapshot);
        }
        try {
            long target = PidFile.read(pid);
            NativeProcess.kill(target, signal.signalName());
            return 0;
        } catch (IOException e) {
            err.println("portico: [error] " + e.getMessage());
            return 1;
        }
    }

    /**
     * The "configure arguments:" words of -V: the prefix, then each of nginx's
     * default modules that Portico lacks as --without-..., then what Portico adds.
     */
    static List<String> configureArguments(Path prefix) {
        List<String> args = new ArrayList<>();
        args.add("--prefix=" + prefix);
        args.add("--conf-path=conf/portico.conf");
        args.add("--error-log-path=logs/error.log");
        args.add("--pid-path=logs/portico.pid");
        java.util.Set<String> present = new java.util.HashSet<>();
        for (var m : Modules.ALL) {
            present.add(m.name());
        }
        for (String module : NGINX_DEFAULT_HTTP_MODULES) {
            if (!present.contains("http_" + module)) {
                args.add("--without-http_" + module + "_module");
            }
        }
        for (var m : Modules.ALL) {
            args.addAll(m.configureArguments());
        }
        return args;
    }

    /** The http modules nginx builds unless told --without-http_NAME_module. */
    private static final List<String> NGINX_DEFAULT_HTTP_MODULES = List.of(
            "charset", "gzip", "ssi", "userid", "access", "auth_basic", "mirror", "autoindex", "geo", "map",
            "split_clients", "referer", "rewrite", "proxy", "fastcgi", "uwsgi", "scgi", "grpc", "memcached",
            "limit_conn", "limit_req", "empty_gif", "browser", "upstream_hash", "upstream_ip_hash",
            "upstream_least_conn", "upstream_random", "upstream_keepalive", "upstream_zone");
}
