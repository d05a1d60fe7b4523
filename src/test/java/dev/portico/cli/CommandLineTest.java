package dev.portico.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CommandLineTest {

    private static CommandLineOptions parse(String... args) throws CommandLineException {
        return CommandLine.parse(args);
    }

    private static void assertRejected(String message, String... args) {
        assertThatThrownBy(() -> CommandLine.parse(args))
                .isInstanceOf(CommandLineException.class)
                .hasMessage(message);
    }

    @Test
    void noArgumentsMeansNothingSet() throws Exception {
        assertThat(parse()).isEqualTo(new CommandLineOptions(null, null, null, null,
                false, false, false, null, false, false, false));
    }

    @Test
    void helpAndVersionFlags() throws Exception {
        for (String flag : new String[]{"-?", "-h"}) {
            CommandLineOptions o = parse(flag);
            assertThat(o.help()).isTrue();
            assertThat(o.version()).isTrue();
            assertThat(o.configure()).isFalse();
        }
        CommandLineOptions v = parse("-v");
        assertThat(v.version()).isTrue();
        assertThat(v.help()).isFalse();
        assertThat(v.configure()).isFalse();
        CommandLineOptions big = parse("-V");
        assertThat(big.version()).isTrue();
        assertThat(big.configure()).isTrue();
    }

    @Test
    void testDumpAndQuiet() throws Exception {
        CommandLineOptions t = parse("-t");
        assertThat(t.test()).isTrue();
        assertThat(t.dump()).isFalse();
        CommandLineOptions dump = parse("-T");
        assertThat(dump.test()).isTrue();
        assertThat(dump.dump()).isTrue();
        assertThat(parse("-q").quiet()).isTrue();
        assertThat(parse("-q").test()).isFalse();
    }

    @Test
    void flagsGroupInAnyOrder() throws Exception {
        for (String group : new String[]{"-tq", "-qt"}) {
            CommandLineOptions o = parse(group);
            assertThat(o.test()).isTrue();
            assertThat(o.quiet()).isTrue();
            assertThat(o.dump()).isFalse();
        }
        CommandLineOptions o = parse("-Tq");
        assertThat(o.test()).isTrue();
        assertThat(o.dump()).isTrue();
        assertThat(o.quiet()).isTrue();
        assertThat(parse("-t", "-q")).isEqualTo(parse("-tq"));
    }

    @Test
    void valuesAttachedOrInTheNextArgument() throws Exception {
        CommandLineOptions separate = parse("-p", "/opt/p", "-c", "conf/a.conf", "-e", "logs/e.log",
                "-g", "daemon off;", "-s", "reload");
        assertThat(separate.prefix()).isEqualTo("/opt/p");
        assertThat(separate.confFile()).isEqualTo("conf/a.conf");
        assertThat(separate.errorLog()).isEqualTo("logs/e.log");
        assertThat(separate.globalDirectives()).isEqualTo("daemon off;");
        assertThat(separate.signal()).isEqualTo("reload");

        CommandLineOptions attached = parse("-p/opt/p", "-cconf/a.conf", "-elogs/e.log",
                "-gdaemon off;", "-sreload");
        assertThat(attached).isEqualTo(separate);
    }

    @Test
    void valueFlagTakesTheRestOfItsGroupOrTheNextArgument() throws Exception {
        CommandLineOptions next = parse("-tc", "x.conf");
        assertThat(next.test()).isTrue();
        assertThat(next.confFile()).isEqualTo("x.conf");

        // Everything after the value flag is its value, even letters that are flags.
        CommandLineOptions rest = parse("-tcq");
        assertThat(rest.test()).isTrue();
        assertThat(rest.confFile()).isEqualTo("q");
        assertThat(rest.quiet()).isFalse();

        // The next argument is the value even when it looks like a flag.
        CommandLineOptions dash = parse("-c", "-t");
        assertThat(dash.confFile()).isEqualTo("-t");
        assertThat(dash.test()).isFalse();

        assertThat(parse("-qs", "stop").signal()).isEqualTo("stop");
    }

    @Test
    void everySignalWord() throws Exception {
        for (String s : new String[]{"stop", "quit", "reopen", "reload"}) {
            assertThat(parse("-s", s).signal()).isEqualTo(s);
        }
    }

    @Test
    void errorLogStderrIsKeptAsTheWord() throws Exception {
        CommandLineOptions o = parse("-e", "stderr");
        assertThat(o.errorLog()).isEqualTo("stderr");
        assertThat(o.errorLogToStderr()).isTrue();
        assertThat(parse("-e", "logs/x").errorLogToStderr()).isFalse();
    }

    @Test
    void laterValuesWin() throws Exception {
        assertThat(parse("-c", "a", "-c", "b").confFile()).isEqualTo("b");
    }

    @Test
    void missingValuesUseNginxWording() {
        assertRejected("option \"-p\" requires directory name", "-p");
        assertRejected("option \"-c\" requires file name", "-c");
        assertRejected("option \"-e\" requires file name", "-e");
        assertRejected("option \"-g\" requires parameter", "-g");
        assertRejected("option \"-s\" requires parameter", "-s");
        assertRejected("option \"-c\" requires file name", "-t", "-tc");
    }

    @Test
    void unknownFlagsAndWordsUseNginxWording() {
        // nginx quotes just the unknown character.
        assertRejected("invalid option: \"x\"", "-x");
        assertRejected("invalid option: \"x\"", "-tx");
        assertRejected("invalid option: \"-\"", "--help");
        assertRejected("invalid option: \"foo\"", "foo");
        assertRejected("invalid option: \"foo\"", "-t", "foo");
        assertRejected("invalid option: \"\"", "");
        assertRejected("invalid option: \"-s foo\"", "-s", "foo");
        assertRejected("invalid option: \"-s foo\"", "-sfoo");
        assertRejected("invalid option: \"-s STOP\"", "-s", "STOP");
    }

    @Test
    void usageShowsPorticoNamesAndDefaults() {
        String usage = CommandLine.usage("/opt/portico");
        assertThat(usage).startsWith("Usage: portico [-?hvVtTq] [-s signal] [-p prefix]\n"
                + "             [-e filename] [-c filename] [-g directives]\n\nOptions:\n"
                + "  -?,-h         : this help\n");
        assertThat(usage).contains("  -p prefix     : set prefix path (default: /opt/portico/)\n");
        assertThat(usage).contains("  -e filename   : set error log file (default: logs/error.log)\n");
        assertThat(usage).contains("  -c filename   : set configuration file (default: conf/portico.conf)\n");
        assertThat(usage).contains("  -s signal     : send signal to a master process: stop, quit, reopen, reload\n");
        assertThat(usage).endsWith("  -g directives : set global directives out of configuration file\n\n");
        assertThat(CommandLine.usage(null)).contains("(default: NONE)");
    }
}
