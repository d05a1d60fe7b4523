package dev.portico.files;

import dev.portico.http.HttpExchange;
import dev.portico.http.RequestProcessor;
import dev.portico.log.LogLevel;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * From a request URI to a file: nginx's ngx_http_map_uri_to_path with root
 * and alias, the $document_root, $realpath_root and $request_filename
 * variables, and a stat() that reports errors as nginx's errno values.
 */
public final class DocumentRoot {

    /** A mapped path and the length of its root part (nginx's root_length). */
    public record Mapped(String path, int rootLength) {
        /** The part after the root: what try_files and index append to or take from. */
        public String rest() {
            return path.substring(rootLength);
        }
    }

    /** The errno values nginx distinguishes after stat() or open(). */
    public enum Errno {
        ENOENT(2, "No such file or directory"),
        ENOTDIR(20, "Not a directory"),
        EACCES(13, "Permission denied"),
        ENAMETOOLONG(36, "File name too long"),
        ELOOP(40, "Too many levels of symbolic links"),
        OTHER(5, "Input/output error");

        private final int code;
        private final String text;

        Errno(int code, String text) {
            this.code = code;
            this.text = text;
        }

        /** nginx's " (2: No such file or directory)" suffix of an error line. */
        public String describe() {
            return " (" + code + ": " + text + ")";
        }

        /** ENOENT, ENOTDIR and ENAMETOOLONG: the file is simply not there. */
        public boolean notFound() {
            return this == ENOENT || this == ENOTDIR || this == ENAMETOOLONG;
        }

        static Errno of(IOException e) {
            if (e instanceof NoSuchFileException) {
                return ENOENT;
            }
            if (e instanceof AccessDeniedException) {
                return EACCES;
            }
            if (e instanceof FileSystemException fse && fse.getReason() != null) {
                String reason = fse.getReason();
                if (reason.contains("Not a directory")) {
                    return ENOTDIR;
                }
                if (reason.contains("File name too long")) {
                    return ENAMETOOLONG;
                }
                if (reason.contains("symbolic links")) {
                    return ELOOP;
                }
                if (reason.contains("Permission denied")) {
                    return EACCES;
                }
                if (reason.contains("No such file")) {
                    return ENOENT;
                }
            }
            return OTHER;
        }
    }

    /** The outcome of stat(): attributes, or the error. */
    public record Stat(BasicFileAttributes attributes, Errno error) {
        public boolean ok() {
            return error == null;
        }

        public boolean isDirectory() {
            return attributes != null && attributes.isDirectory();
        }

        public boolean isRegularFile() {
            return attributes != null && attributes.isRegularFile();
        }
    }

    private DocumentRoot() {
    }

    /**
     * stat() of {@code path}, following symbolic links. A path that ends in "/"
     * must be a directory (ENOTDIR otherwise), as the kernel decides.
     */
    public static Stat stat(String path) {
        Path p = toPath(path);
        if (p == null) {
            return new Stat(null, Errno.ENOENT);
        }
        try {
            BasicFileAttributes attrs = Files.readAttributes(p, BasicFileAttributes.class);
            if (path.length() > 1 && path.endsWith("/") && !attrs.isDirectory()) {
                return new Stat(null, Errno.ENOTDIR);
            }
            return new Stat(attrs, null);
        } catch (NoSuchFileException e) {
            return new Stat(null, underAFile(p) ? Errno.ENOTDIR : Errno.ENOENT);
        } catch (IOException e) {
            return new Stat(null, Errno.of(e));
        }
    }

    /**
     * True when the nearest existing ancestor of {@code p} is not a directory: the
     * kernel's ENOTDIR, which newer JDKs report as a missing file.
     */
    private static boolean underAFile(Path p) {
        for (Path a = p.getParent(); a != null; a = a.getParent()) {
            if (Files.exists(a)) {
                return !Files.isDirectory(a);
            }
        }
        return false;
    }

    /** The path as a {@link Path}, or null when the OS cannot name it (a NUL byte). */
    static Path toPath(String path) {
        if (path.indexOf('\0') >= 0) {
            return null;
        }
        try {
            return Path.of(path);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    /**
     * nginx's ngx_http_map_uri_to_path for the request's current URI: the root
     * followed by the URI, or the alias followed by what comes after the
     * location's name; in a regex location the alias is the whole path. Returns
     * null (and logs) when the path would contain a NUL byte or a "." or ".."
     * segment that the configuration did not write: an alias that does not end
     * in "/" joined with a URI such as "/img../etc/passwd" cannot leave the
     * aliased folder.
     */
    public static Mapped map(HttpExchange x) {
        Root root = root(x);
        int alias = root.alias();
        if (alias == FilesConf.ALIAS_REGEX) {
            if (!x.addUriToAlias()) {
                return join(x, root, "");
            }
            alias = 0;
        }
        String uri = x.uri();
        return join(x, root, uri.substring(Math.min(alias, uri.length())));
    }

    /**
     * The root part of a mapping: the root or alias with variables rendered and
     * the prefix applied; {@code checkFrom} is where text that a request can
     * influence may begin.
     */
    record Root(String path, int checkFrom, int alias) {
    }

    static Root root(HttpExchange x) {
        FilesConf conf = x.conf().get(FilesModule.FILES);
        if (conf.rootTemplate == null) {
            return new Root(conf.root, conf.root.length(), conf.alias);
        }
        String rendered = conf.rootTemplate.render(x);
        String root;
        int checkFrom;
        if (rendered.startsWith("/")) {
            root = rendered;
            checkFrom = 0;
        } else {
            root = fullName(conf.prefix, rendered);
            checkFrom = root.length() - rendered.length();
        }
        if (conf.rootHasDotSegments) {
            checkFrom = root.length();
        }
        return new Root(root, checkFrom, conf.alias);
    }

    /** The root followed by {@code rest}, or null (logged) when that path is refused. */
    static Mapped join(HttpExchange x, Root root, String rest) {
        return checked(x, new Mapped(root.path() + rest, root.path().length()), root.checkFrom());
    }

    private static Mapped checked(HttpExchange x, Mapped mapped, int checkFrom) {
        String path = mapped.path();
        if (path.indexOf('\0') >= 0 || hasDotSegment(path, checkFrom)) {
            RequestProcessor.logError(x, LogLevel.ERROR, "\"" + path.replace("\0", "\\0")
                    + "\" is outside of the document root");
            return null;
        }
        return mapped;
    }

    /** Whether a "." or ".." segment of {@code path} reaches into {@code path[from..]}. */
    static boolean hasDotSegment(String path, int from) {
        int start = 0;
        int n = path.length();
        while (start <= n) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = n;
            }
            if (end > from) {
                int len = end - start;
                if ((len == 1 && path.charAt(start) == '.')
                        || (len == 2 && path.charAt(start) == '.' && path.charAt(start + 1) == '.')) {
                    return true;
                }
            }
            start = end + 1;
        }
        return false;
    }

    /** ngx_conf_full_name / ngx_get_full_name: a relative name is taken from the prefix. */
    static String fullName(String prefix, String name) {
        if (name.startsWith("/")) {
            return name;
        }
        return prefix.endsWith("/") ? prefix + name : prefix + "/" + name;
    }

    /** $document_root: the root or alias in force, variables rendered. */
    public static String documentRoot(HttpExchange x) {
        FilesConf conf = x.conf().get(FilesModule.FILES);
        if (conf.rootTemplate == null) {
            return conf.root;
        }
        return fullName(conf.prefix, conf.rootTemplate.render(x));
    }

    /** $realpath_root: $document_root with every symbolic link resolved; null when that fails. */
    public static String realpathRoot(HttpExchange x) {
        String root = documentRoot(x);
        Path p = toPath(root);
        try {
            if (p == null) {
                throw new NoSuchFileException(root);
            }
            return p.toRealPath().toString();
        } catch (IOException e) {
            RequestProcessor.logError(x, LogLevel.CRIT, "realpath() \"" + root + "\" failed" + Errno.of(e).describe());
            return null;
        }
    }

    /** $request_filename: the file the URI maps to. */
    public static String requestFilename(HttpExchange x) {
        Mapped m = map(x);
        return m == null ? null : m.path();
    }
}
