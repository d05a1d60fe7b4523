package dev.portico.cli;

/**
 * nginx's command line, parsed as {@code ngx_get_options} in nginx's src/core/nginx.c does.
 *
 * <p>Flags may be grouped ({@code -tq}). A flag that takes a value ({@code -p -e -c -g -s})
 * takes the rest of its argument when anything follows it ({@code -c/etc/x.conf},
 * {@code -tcfile}), otherwise the next argument whatever it looks like ({@code -c -t} sets the
 * configuration file to "-t"); either way it ends the group.
 */
public final class CommandLine {

    private CommandLine() {
    }

    public static CommandLineOptions parse(String[] args) throws CommandLineException {
        String prefix = null;
        String confFile = null;
        String errorLog = null;
        String globalDirectives = null;
        String signal = null;
        boolean test = false;
        boolean dump = false;
        boolean quiet = false;
        boolean version = false;
        boolean configure = false;
        boolean help = false;

        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("-")) {
                throw new CommandLineException("invalid option: \"" + arg + "\"");
            }
            int p = 1;
            group:
            while (p < arg.length()) {
                char flag = arg.charAt(p++);
                switch (flag) {
                    case '?', 'h' -> {
                        version = true;
                        help = true;
                    }
                    case 'v' -> version = true;
                    case 'V' -> {
                        version = true;
                        configure = true;
                    }
                    case 't' -> test = true;
                    case 'T' -> {
                        test = true;
                        dump = true;
                    }
                    case 'q' -> quiet = true;
                    case 'p', 'e', 'c', 'g', 's' -> {
                        String value;
                        if (p < arg.length()) {
                            value = arg.substring(p);
                        } else if (i + 1 < args.length) {
                            value = args[++i];
                        } else {
                            throw new CommandLineException(missingValue(flag));
                        }
                        switch (flag) {
                            case 'p' -> prefix = value;
                            case 'e' -> errorLog = value;
                            case 'c' -> confFile = value;
                            case 'g' -> globalDirectives = value;
                            default -> {
                                if (!isSignalCommand(value)) {
                                    throw new CommandLineException("invalid option: \"-s " + value + "\"");
                                }
                                signal = value;
                            }
                        }
                        break group;
                    }
                    // nginx names only the offending character here, without the dash.
                    default -> throw new CommandLineException("invalid option: \"" + flag + "\"");
                }
            }
        }
        return new CommandLineOptions(prefix, confFile, errorLog, globalDirectives,
                test, dump, quiet, signal, version, configure, help);
    }

    private static String missingValue(char flag) {
        return switch (flag) {
            case 'p' -> "option \"-p\" requires directory name";
            case 'e', 'c' -> "option \"-" + flag + "\" requires file name";
            default -> "option \"-" + flag + "\" requires parameter";
        };
    }

    private static boolean isSignalCommand(String value) {
        return value.equals("stop") || value.equals("quit")
                || value.equals("reopen") || value.equals("reload");
    }

    /**
     * The {@code -h} text, as nginx prints it after the version line, with the prefix default
     * taken from the {@code portico.home} system property (set by bin/portico).
     */
    public static String usage() {
        String home = System.getProperty("portico.home");
        return usage(home == null || home.isEmpty() ? null : home);
    }

    /** The {@code -h} text with the given default prefix; null shows nginx's "NONE". */
    public static String usage(String defaultPrefix) {
        String prefix = defaultPrefix == null ? "NONE"
                : defaultPrefix.endsWith("/") ? defaultPrefix : defaultPrefix + "/";
        return "Usage: portico [-?hvVtTq] [-s signal] [-p prefix]\n"
                + "             [-e filename] [-c filename] [-g directives]\n"
                + "\n"
                + "Options:\n"
                + "  -?,-h         : this help\n"
                + "  -v            : show version and exit\n"
                + "  -V            : show version and configure options then exit\n"
                + "  -t            : test configuration and exit\n"
                + "  -T            : test configuration, dump it and exit\n"
                + "  -q            : suppress non-error messages during configuration testing\n"
                + "  -s signal     : send signal to a master process: stop, quit, reopen, reload\n"
                + "  -p prefix     : set prefix path (default: " + prefix + ")\n"
                + "  -e filename   : set error log file (default: logs/error.log)\n"
                + "  -c filename   : set configuration file (default: conf/portico.conf)\n"
                + "  -g directives : set global directives out of configuration file\n"
                + "\n";
    }
}
