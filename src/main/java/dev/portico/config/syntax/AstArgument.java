package dev.portico.config.syntax;

import java.util.Objects;

/**
 * One parameter of a directive.
 *
 * @param value  the text with escapes resolved and surrounding quotes removed
 * @param quoted whether the parameter was written in single or double quotes
 */
public record AstArgument(String value, boolean quoted) {

    public AstArgument {
        Objects.requireNonNull(value, "value");
    }
}
