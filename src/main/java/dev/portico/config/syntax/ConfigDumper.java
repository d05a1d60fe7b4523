package dev.portico.config.syntax;

/** Renders the {@code -T} dump of a parsed configuration. */
public final class ConfigDumper {

    private ConfigDumper() {
    }

    /**
     * Writes what {@code nginx -T} prints after the test result: for each file a
     * {@code # configuration file PATH:} line, the file's text and a line feed.
     * Like nginx, the line feed is written even when the text already ends with
     * one, which leaves a blank line before the next file.
     */
    public static String dump(ParsedConfig config) {
        StringBuilder out = new StringBuilder();
        for (SourceFile file : config.files()) {
            out.append("# configuration file ").append(file.path()).append(":\n")
                    .append(file.content())
                    .append('\n');
        }
        return out.toString();
    }
}
