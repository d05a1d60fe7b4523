package dev.portico.cli;

import java.util.List;

/** What {@code -v} and {@code -V} print (to stderr, as nginx does). */
public final class VersionInfo {

    /** The jar manifest's Implementation-Version; "0.1.0" when run from classes. */
    public static final String VERSION = readVersion();

    private VersionInfo() {
    }

    private static String readVersion() {
        String v = VersionInfo.class.getPackage().getImplementationVersion();
        return v == null || v.isBlank() ? "0.1.0" : v;
    }

    /** {@code portico version: portico/0.1.0}, without a line feed. */
    public static String versionLine() {
        return "portico version: portico/" + VERSION;
    }

    /** The {@code -V} report without the TLS SNI line. */
    public static String configureReport(List<String> configureArguments) {
        return configureReport(configureArguments, false);
    }

    /**
     * The {@code -V} report: version line, runtime, the SNI line when {@code tlsSni}, and the
     * configure arguments; every line ends with a line feed.
     */
    public static String configureReport(List<String> configureArguments, boolean tlsSni) {
        StringBuilder out = new StringBuilder();
        out.append(versionLine()).append('\n');
        out.append("built with Java ").append(Runtime.version())
                .append(" (").append(System.getProperty("java.vm.vendor")).append(")\n");
        if (tlsSni) {
            out.append("TLS SNI support enabled\n");
        }
        // nginx's NGX_CONFIGURE starts with a space when not empty: "configure arguments: --x".
        out.append("configure arguments:");
        for (String a : configureArguments) {
            out.append(' ').append(a);
        }
        return out.append('\n').toString();
    }
}
