package dev.portico.config.syntax;

import dev.portico.config.ConfigException;
import dev.portico.config.syntax.ConfigLexer.Statement;
import dev.portico.config.syntax.ConfigLexer.Terminator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Parses nginx configuration text into an AST, as {@code ngx_conf_parse} reads
 * it. No directive is known by name except {@code include}, which is replaced
 * by the directives of the files it names.
 */
public final class ConfigParser {

    /**
     * How deeply included files may include others. nginx itself has no limit and
     * fails only when it runs out of file descriptors; this catches recursion early.
     */
    static final int MAX_INCLUDE_DEPTH = 50;

    /** What the text being parsed belongs to, which decides how "}" and its end are judged. */
    private enum Context { FILE, BLOCK, COMMAND_LINE }

    private final String includePrefix;
    private final Map<String, SourceFile> filesRead = new LinkedHashMap<>();

    private ConfigParser(Path includeBase) {
        String base = Objects.requireNonNull(includeBase, "includeBase").toString();
        this.includePrefix = base.endsWith("/") ? base : base + "/";
    }

    /**
     * Parses a main configuration file; relative include paths resolve against
     * includeBase (nginx's conf prefix: the folder of the main file).
     */
    public static ParsedConfig parseFile(Path file, Path includeBase) throws ConfigException {
        ConfigParser parser = new ConfigParser(includeBase);
        List<AstDirective> directives = new ArrayList<>();
        parser.parseFile(file.toString(), null, directives, 0);
        return parser.result(directives);
    }

    /**
     * Parses text, e.g. the embedded default configuration; sourceName is what
     * errors print as FILE.
     */
    public static ParsedConfig parseString(String text, String sourceName, Path includeBase)
            throws ConfigException {
        ConfigParser parser = new ConfigParser(includeBase);
        parser.filesRead.put(sourceName, new SourceFile(Path.of(sourceName), text));
        List<AstDirective> directives = new ArrayList<>();
        ConfigLexer lexer = ConfigLexer.forFile(text.getBytes(StandardCharsets.UTF_8), sourceName);
        parser.parseBody(lexer, Context.FILE, directives, 0);
        return parser.result(directives);
    }

    /**
     * Parses {@code -g} directives ("daemon off; worker_processes 2;"). Errors end
     * "in command line"; text ending mid-directive is {@code unexpected end of
     * parameter, expecting ";"}. As in nginx, block directives are rejected.
     */
    public static AstBlock parseCommandLine(String text, Path includeBase) throws ConfigException {
        ConfigParser parser = new ConfigParser(includeBase);
        List<AstDirective> directives = new ArrayList<>();
        ConfigLexer lexer = ConfigLexer.forCommandLine(text.getBytes(StandardCharsets.UTF_8));
        parser.parseBody(lexer, Context.COMMAND_LINE, directives, 0);
        return new AstBlock(directives);
    }

    private ParsedConfig result(List<AstDirective> directives) {
        return new ParsedConfig(new AstBlock(directives), List.copyOf(filesRead.values()));
    }

    /** Reads directives until the end of the file, block or command line text. */
    private void parseBody(ConfigLexer lexer, Context context, List<AstDirective> out, int includeDepth)
            throws ConfigException {
        for (;;) {
            Statement statement = lexer.next();
            switch (statement.terminator()) {
                case BLOCK_END -> {
                    if (context != Context.BLOCK) {
                        throw lexer.error("unexpected \"}\"");
                    }
                    return;
                }
                case END_OF_INPUT -> {
                    if (context == Context.BLOCK) {
                        throw lexer.error("unexpected end of file, expecting \"}\"");
                    }
                    return;
                }
                case BLOCK_START -> {
                    if (context == Context.COMMAND_LINE) {
                        throw lexer.error("block directives are not supported in -g option");
                    }
                }
                case SEMICOLON -> {
                }
            }

            SourceLocation where = lexer.location();
            List<AstArgument> words = statement.words();
            String name = words.get(0).value();
            List<AstArgument> args = words.subList(1, words.size());

            if (name.equals("include")) {
                include(args, statement.terminator(), where, out, includeDepth);
            } else if (statement.terminator() == Terminator.BLOCK_START) {
                List<AstDirective> inner = new ArrayList<>();
                parseBody(lexer, Context.BLOCK, inner, includeDepth);
                out.add(new AstDirective(name, args, new AstBlock(inner), where));
            } else {
                out.add(new AstDirective(name, args, null, where));
            }
        }
    }

    /** Splices the directives of the included files into {@code out}, as ngx_conf_include does. */
    private void include(List<AstArgument> args, Terminator terminator, SourceLocation where,
                         List<AstDirective> out, int includeDepth) throws ConfigException {
        if (terminator != Terminator.SEMICOLON) {
            throw new ConfigException("directive \"include\" is not terminated by \";\"", where);
        }
        if (args.size() != 1) {
            throw new ConfigException("invalid number of arguments in \"include\" directive", where);
        }
        if (includeDepth >= MAX_INCLUDE_DEPTH) {
            throw new ConfigException("too deeply nested \"include\" (more than " + MAX_INCLUDE_DEPTH
                    + " levels), probably a file includes itself", where);
        }

        String pattern = args.get(0).value();
        String fullName = pattern.startsWith("/") ? pattern : includePrefix + pattern;

        if (!IncludeGlob.isPattern(fullName)) {
            parseFile(fullName, where, out, includeDepth + 1);
            return;
        }
        // A pattern matching nothing includes nothing.
        for (String match : IncludeGlob.expand(fullName)) {
            parseFile(match, where, out, includeDepth + 1);
        }
    }

    /**
     * Parses one file into {@code out}.
     *
     * @param includedAt the include directive naming the file, or null for the main file
     */
    private void parseFile(String fileName, SourceLocation includedAt, List<AstDirective> out, int includeDepth)
            throws ConfigException {
        byte[] text = read(fileName, includedAt);
        filesRead.putIfAbsent(fileName, new SourceFile(Path.of(fileName), new String(text, StandardCharsets.UTF_8)));
        parseBody(ConfigLexer.forFile(text, fileName), Context.FILE, out, includeDepth);
    }

    /** Reads a whole file, failing with the message nginx logs for the system call that fails. */
    private static byte[] read(String fileName, SourceLocation includedAt) throws ConfigException {
        Path path;
        try {
            path = Path.of(fileName);
        } catch (InvalidPathException e) {
            throw new ConfigException("open() \"" + fileName + "\" failed (2: No such file or directory)",
                    includedAt, e);
        }
        // nginx opens a directory without complaint, then fails to read it; that error has no location.
        if (Files.isDirectory(path)) {
            throw new ConfigException("pread() \"" + fileName + "\" failed (21: Is a directory)", null);
        }
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new ConfigException("open() \"" + fileName + "\" failed (" + describeErrno(e) + ")",
                    includedAt, e);
        }
    }

    /** The "N: text" nginx appends for the errno behind a failed open(). */
    static String describeErrno(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "2: No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "13: Permission denied";
        }
        String reason = e instanceof FileSystemException fse && fse.getReason() != null
                ? fse.getReason() : String.valueOf(e.getMessage());
        if (reason.startsWith("Not a directory")) {
            return "20: Not a directory";
        }
        if (reason.startsWith("Too many levels of symbolic links")) {
            return "40: Too many levels of symbolic links";
        }
        if (reason.startsWith("File name too long")) {
            return "36: File name too long";
        }
        return reason;
    }
}
