package dev.portico.config.syntax;

import dev.portico.config.ConfigException;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits configuration text into statements the way nginx's
 * {@code ngx_conf_read_token} does: each call to {@link #next()} returns the
 * words of one directive and what ended it. It works on bytes, as nginx does,
 * so that its length limit and error positions match.
 */
final class ConfigLexer {

    /** nginx reads a file through a buffer of this size; a longer parameter cannot be read. */
    private static final int READ_BUFFER_SIZE = 4096;

    enum Terminator {
        /** The words were terminated by {@code ;}. */
        SEMICOLON,
        /** The words were terminated by {@code {}. */
        BLOCK_START,
        /** A {@code }} was read with no words before it. */
        BLOCK_END,
        /** The text ended with no words pending. */
        END_OF_INPUT
    }

    /** The words of one directive, name first, and what ended them. */
    record Statement(List<AstArgument> words, Terminator terminator) {
    }

    private final byte[] text;
    private final String fileName;
    private int pos;
    private int line;

    private ConfigLexer(byte[] text, String fileName, int firstLine) {
        this.text = text;
        this.fileName = fileName;
        this.line = firstLine;
    }

    /** A lexer for a file's text; errors name {@code fileName} and the line. */
    static ConfigLexer forFile(byte[] text, String fileName) {
        return new ConfigLexer(text, fileName, 1);
    }

    /** A lexer for {@code -g} text; errors end "in command line". */
    static ConfigLexer forCommandLine(byte[] text) {
        return new ConfigLexer(text, null, 0);
    }

    boolean isCommandLine() {
        return fileName == null;
    }

    /** The current position, which is where nginx reports anything about the last statement. */
    SourceLocation location() {
        return isCommandLine() ? SourceLocation.commandLine() : new SourceLocation(fileName, line);
    }

    ConfigException error(String message) {
        return new ConfigException(message, location());
    }

    Statement next() throws ConfigException {
        List<AstArgument> words = new ArrayList<>();
        boolean needSpace = false;
        boolean lastSpace = true;
        boolean sharpComment = false;
        boolean variable = false;
        boolean escaped = false;
        boolean singleQuoted = false;
        boolean doubleQuoted = false;
        int start = pos;
        int startLine = line;

        for (;;) {
            if (pos >= text.length) {
                if (!words.isEmpty() || !lastSpace) {
                    throw error(isCommandLine()
                            ? "unexpected end of parameter, expecting \";\""
                            : "unexpected end of file, expecting \";\" or \"}\"");
                }
                return new Statement(words, Terminator.END_OF_INPUT);
            }

            // nginx fails when its read buffer fills up from the start of the pending text
            // (a word, a comment, or the blanks since the previous statement).
            if (!isCommandLine() && pos - start == READ_BUFFER_SIZE) {
                line = startLine;
                if (doubleQuoted || singleQuoted) {
                    throw error("too long parameter, probably missing terminating \""
                            + (doubleQuoted ? '"' : '\'') + "\" character");
                }
                throw error("too long parameter \"" + decode(start, start + 10) + "...\" started");
            }

            byte ch = text[pos++];

            if (ch == '\n') {
                line++;
                sharpComment = false;
            }

            if (sharpComment) {
                continue;
            }

            if (escaped) {
                escaped = false;
                continue;
            }

            if (needSpace) {
                if (isSpace(ch)) {
                    lastSpace = true;
                    needSpace = false;
                    continue;
                }
                if (ch == ';') {
                    return new Statement(words, Terminator.SEMICOLON);
                }
                if (ch == '{') {
                    return new Statement(words, Terminator.BLOCK_START);
                }
                if (ch != ')') {
                    throw error("unexpected \"" + characterAt(pos - 1) + "\"");
                }
                // A ")" may follow a quoted word directly, as in: if ($a = "b") {
                lastSpace = true;
                needSpace = false;
            }

            if (lastSpace) {
                if (isSpace(ch)) {
                    continue;
                }

                start = pos - 1;
                startLine = line;

                switch (ch) {
                    case ';', '{' -> {
                        if (words.isEmpty()) {
                            throw error("unexpected \"" + (char) ch + "\"");
                        }
                        return new Statement(words, ch == '{' ? Terminator.BLOCK_START : Terminator.SEMICOLON);
                    }
                    case '}' -> {
                        if (!words.isEmpty()) {
                            throw error("unexpected \"}\"");
                        }
                        return new Statement(words, Terminator.BLOCK_END);
                    }
                    case '#' -> sharpComment = true;
                    case '\\' -> {
                        escaped = true;
                        lastSpace = false;
                    }
                    case '"' -> {
                        start++;
                        doubleQuoted = true;
                        lastSpace = false;
                    }
                    case '\'' -> {
                        start++;
                        singleQuoted = true;
                        lastSpace = false;
                    }
                    // A "$" starting a word begins a variable, so "${uri}" is one word.
                    case '$' -> {
                        variable = true;
                        lastSpace = false;
                    }
                    default -> lastSpace = false;
                }
                continue;
            }

            // A "{" right after "$" is part of a ${name} variable, not a block.
            if (ch == '{' && variable) {
                continue;
            }
            variable = false;

            if (ch == '\\') {
                escaped = true;
                continue;
            }
            if (ch == '$') {
                variable = true;
                continue;
            }

            boolean wordEnded = false;
            boolean quotedWord = singleQuoted || doubleQuoted;
            if (doubleQuoted) {
                if (ch == '"') {
                    doubleQuoted = false;
                    needSpace = true;
                    wordEnded = true;
                }
            } else if (singleQuoted) {
                if (ch == '\'') {
                    singleQuoted = false;
                    needSpace = true;
                    wordEnded = true;
                }
            } else if (isSpace(ch) || ch == ';' || ch == '{') {
                lastSpace = true;
                wordEnded = true;
            }

            if (wordEnded) {
                words.add(new AstArgument(unescape(start, pos - 1), quotedWord));
                if (ch == ';') {
                    return new Statement(words, Terminator.SEMICOLON);
                }
                if (ch == '{') {
                    return new Statement(words, Terminator.BLOCK_START);
                }
            }
        }
    }

    private static boolean isSpace(byte ch) {
        return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
    }

    /**
     * Copies a word, resolving {@code \" \' \\ \t \r \n}; any other backslash is kept
     * with the character after it.
     */
    private String unescape(int from, int to) {
        ByteArrayOutputStream word = new ByteArrayOutputStream(to - from);
        int src = from;
        while (src < to) {
            if (text[src] == '\\' && src + 1 < text.length) {
                byte next = text[src + 1];
                switch (next) {
                    case '"', '\'', '\\' -> src++;
                    case 't', 'r', 'n' -> {
                        word.write(next == 't' ? '\t' : next == 'r' ? '\r' : '\n');
                        src += 2;
                        continue;
                    }
                    default -> {
                    }
                }
            }
            word.write(text[src++]);
        }
        return word.toString(StandardCharsets.UTF_8);
    }

    private String decode(int from, int to) {
        return new String(text, from, Math.min(to, text.length) - from, StandardCharsets.UTF_8);
    }

    /** The whole character starting at {@code at}, so a multi-byte character prints readably. */
    private String characterAt(int at) {
        int lead = text[at] & 0xff;
        int length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
        return decode(at, at + length);
    }
}
