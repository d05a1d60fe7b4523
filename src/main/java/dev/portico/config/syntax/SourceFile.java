package dev.portico.config.syntax;

import java.nio.file.Path;

/** A configuration file as read: its path as nginx names it and its text, for {@code -T}. */
public record SourceFile(Path path, String content) {
}
