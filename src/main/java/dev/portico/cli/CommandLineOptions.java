package dev.portico.cli;

/**
 * The parsed command line; values not given are null.
 *
 * @param prefix           {@code -p}: prefix folder
 * @param confFile         {@code -c}: configuration file
 * @param errorLog         {@code -e}: error log file, or the word {@code stderr}
 * @param globalDirectives {@code -g}: directives added to the main context
 * @param test             {@code -t} or {@code -T}: test the configuration and exit
 * @param dump             {@code -T}: also dump the configuration to stdout
 * @param quiet            {@code -q}: no non-error messages while testing
 * @param signal           {@code -s}: one of stop, quit, reopen, reload
 * @param version          {@code -v}, {@code -V}, {@code -?} or {@code -h}: print the version line
 * @param configure        {@code -V}: also print the build report
 * @param help             {@code -?} or {@code -h}: also print the usage
 */
public record CommandLineOptions(
        String prefix,
        String confFile,
        String errorLog,
        String globalDirectives,
        boolean test,
        boolean dump,
        boolean quiet,
        String signal,
        boolean version,
        boolean configure,
        boolean help) {

    /** True when {@code -e stderr} asked for the error log on standard error. */
    public boolean errorLogToStderr() {
        return "stderr".equals(errorLog);
    }
}
