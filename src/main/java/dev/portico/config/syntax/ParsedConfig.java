package dev.portico.config.syntax;

import java.util.List;

/**
 * A parsed configuration.
 *
 * @param root  the top-level directives, includes expanded
 * @param files the main file first, then each included file once, in the order read
 */
public record ParsedConfig(AstBlock root, List<SourceFile> files) {

    public ParsedConfig {
        files = List.copyOf(files);
    }
}
