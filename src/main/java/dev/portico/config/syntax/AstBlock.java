package dev.portico.config.syntax;

import java.util.List;

/** The directives between a pair of braces, or of a whole configuration. Immutable. */
public final class AstBlock {

    private final List<AstDirective> directives;

    public AstBlock(List<AstDirective> directives) {
        this.directives = List.copyOf(directives);
    }

    /** The directives in the order written, with included files spliced in place. */
    public List<AstDirective> directives() {
        return directives;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof AstBlock block && directives.equals(block.directives);
    }

    @Override
    public int hashCode() {
        return directives.hashCode();
    }

    @Override
    public String toString() {
        return directives.toString();
    }
}
