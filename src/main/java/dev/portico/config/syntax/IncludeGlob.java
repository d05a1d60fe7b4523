package dev.portico.config.syntax;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Expands an include pattern as nginx's {@code glob(3)} call does: each
 * {@code /}-separated part may hold {@code * ? [...]}, wildcards do not match a
 * leading dot, a backslash quotes the next character, unreadable directories
 * are skipped, and the matches come back sorted byte by byte.
 */
final class IncludeGlob {

    private IncludeGlob() {
    }

    /** Whether nginx would treat the full include name as a pattern. */
    static boolean isPattern(String fullName) {
        return fullName.indexOf('*') >= 0 || fullName.indexOf('?') >= 0 || fullName.indexOf('[') >= 0;
    }

    /** The existing paths matching the pattern, spelled with the pattern's own directory text. */
    static List<String> expand(String pattern) {
        List<String> matches = new ArrayList<>();
        // Keeping empty parts keeps the pattern's own slashes in the names printed later.
        collect("", List.of(pattern.split("/", -1)), 0, matches);
        matches.sort(Comparator.comparing((String s) -> s.getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned));
        return matches;
    }

    private static void collect(String prefix, List<String> parts, int index, List<String> matches) {
        if (index == parts.size()) {
            if (exists(prefix)) {
                matches.add(prefix);
            }
            return;
        }
        String part = parts.get(index);
        String separator = index == parts.size() - 1 ? "" : "/";
        if (!hasWildcard(part)) {
            collect(prefix + unquote(part) + separator, parts, index + 1, matches);
            return;
        }
        Path directory;
        try {
            directory = Path.of(prefix.isEmpty() ? "." : prefix);
        } catch (InvalidPathException e) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (matches(part, name)) {
                    collect(prefix + name + separator, parts, index + 1, matches);
                }
            }
        } catch (IOException | SecurityException e) {
            // glob(3) without GLOB_ERR passes over directories it cannot read
        }
    }

    private static boolean exists(String path) {
        try {
            return Files.exists(Path.of(path));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    private static boolean hasWildcard(String part) {
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '*' || c == '?' || c == '[') {
                return true;
            }
        }
        return false;
    }

    private static String unquote(String part) {
        StringBuilder out = new StringBuilder(part.length());
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c == '\\' && i + 1 < part.length()) {
                c = part.charAt(++i);
            }
            out.append(c);
        }
        return out.toString();
    }

    /** fnmatch(3) with FNM_PERIOD for one path part. */
    static boolean matches(String pattern, String name) {
        if (name.startsWith(".") && !pattern.startsWith(".") && !pattern.startsWith("\\.")) {
            return false;
        }
        return matchFrom(pattern, 0, name, 0);
    }

    private static boolean matchFrom(String pattern, int p, String name, int n) {
        while (p < pattern.length()) {
            char c = pattern.charAt(p);
            switch (c) {
                case '*' -> {
                    while (p < pattern.length() && pattern.charAt(p) == '*') {
                        p++;
                    }
                    if (p == pattern.length()) {
                        return true;
                    }
                    for (int k = n; k <= name.length(); k++) {
                        if (matchFrom(pattern, p, name, k)) {
                            return true;
                        }
                    }
                    return false;
                }
                case '?' -> {
                    if (n >= name.length()) {
                        return false;
                    }
                    p++;
                    n++;
                }
                case '[' -> {
                    int end = bracketEnd(pattern, p);
                    if (end < 0) {
                        // An unterminated "[" is an ordinary character.
                        if (n >= name.length() || name.charAt(n) != '[') {
                            return false;
                        }
                        p++;
                        n++;
                    } else {
                        if (n >= name.length() || !bracketMatches(pattern, p + 1, end, name.charAt(n))) {
                            return false;
                        }
                        p = end + 1;
                        n++;
                    }
                }
                default -> {
                    if (c == '\\' && p + 1 < pattern.length()) {
                        c = pattern.charAt(++p);
                    }
                    if (n >= name.length() || name.charAt(n) != c) {
                        return false;
                    }
                    p++;
                    n++;
                }
            }
        }
        return n == name.length();
    }

    /** The index of the "]" closing the bracket expression at {@code open}, or -1. */
    private static int bracketEnd(String pattern, int open) {
        int i = open + 1;
        if (i < pattern.length() && (pattern.charAt(i) == '!' || pattern.charAt(i) == '^')) {
            i++;
        }
        if (i < pattern.length() && pattern.charAt(i) == ']') {
            i++;
        }
        while (i < pattern.length()) {
            char c = pattern.charAt(i);
            if (c == '[' && i + 1 < pattern.length() && pattern.charAt(i + 1) == ':') {
                int close = pattern.indexOf(":]", i + 2);
                if (close >= 0) {
                    i = close + 2;
                    continue;
                }
            }
            if (c == ']') {
                return i;
            }
            i++;
        }
        return -1;
    }

    private static boolean bracketMatches(String pattern, int from, int to, char c) {
        boolean negated = pattern.charAt(from) == '!' || pattern.charAt(from) == '^';
        int i = negated ? from + 1 : from;
        boolean matched = false;
        boolean first = true;
        while (i < to) {
            char lo = pattern.charAt(i);
            if (lo == '[' && i + 1 < to && pattern.charAt(i + 1) == ':') {
                int close = pattern.indexOf(":]", i + 2);
                matched |= inClass(pattern.substring(i + 2, close), c);
                i = close + 2;
                first = false;
                continue;
            }
            if (lo == '\\' && i + 1 < to && !first) {
                lo = pattern.charAt(++i);
            }
            first = false;
            if (i + 2 < to && pattern.charAt(i + 1) == '-') {
                char hi = pattern.charAt(i + 2);
                matched |= c >= lo && c <= hi;
                i += 3;
            } else {
                matched |= c == lo;
                i++;
            }
        }
        return matched != negated;
    }

    private static boolean inClass(String className, char c) {
        return switch (className) {
            case "alpha" -> Character.isLetter(c);
            case "digit" -> c >= '0' && c <= '9';
            case "alnum" -> Character.isLetterOrDigit(c);
            case "upper" -> Character.isUpperCase(c);
            case "lower" -> Character.isLowerCase(c);
            case "space" -> Character.isWhitespace(c);
            case "xdigit" -> Character.digit(c, 16) >= 0;
            case "punct" -> c > ' ' && c < 127 && !Character.isLetterOrDigit(c);
            default -> false;
        };
    }
}
