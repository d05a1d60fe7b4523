package dev.portico.files;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Directory listings byte for byte as {@code ngx_http_autoindex_module}
 * renders them in its html, json and xml formats.
 */
public final class AutoindexPage {

    /** The {@code autoindex_format} setting (jsonp is json with a callback wrapper). */
    public enum Format { HTML, JSON, XML }

    /**
     * One directory entry. {@code regularFile} decides "file" versus "other"
     * in json and xml (sockets, devices, dangling links are "other").
     */
    public record Entry(String name, boolean directory, long size, long mtimeSeconds, boolean regularFile) {
        public Entry(String name, boolean directory, long size, long mtimeSeconds) {
            this(name, directory, size, mtimeSeconds, !directory);
        }
    }

    /**
     * Rendering settings.
     *
     * @param exactSize   {@code autoindex_exact_size} (nginx default on)
     * @param localOffset the server's current UTC offset when {@code autoindex_localtime}
     *                    is on, or null for GMT (the default). nginx applies the current
     *                    offset to every entry, not the offset in force at each mtime.
     * @param utf8        whether the response charset is utf-8; then names are measured
     *                    and truncated in characters, otherwise in bytes, as nginx does
     */
    public record Options(boolean exactSize, ZoneOffset localOffset, boolean utf8) {
        public static final Options DEFAULTS = new Options(true, null, false);
    }

    private static final int NAME_LEN = 50;
    private static final String[] MONTHS = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
    };

    private AutoindexPage() {
    }

    /**
     * Reads a directory as nginx does for autoindex: names starting with a dot
     * are skipped, links are followed (a dangling link is described by the
     * link itself), entries that cannot be read for lack of permission are
     * left out. The result is unsorted; {@link #render} sorts.
     */
    public static List<Entry> list(Path dir) throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path path : stream) {
                String name = path.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                BasicFileAttributes attrs;
                try {
                    attrs = Files.readAttributes(path, BasicFileAttributes.class);
                } catch (NoSuchFileException dangling) {
                    attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (AccessDeniedException denied) {
                    continue;
                }
                entries.add(new Entry(name, attrs.isDirectory(), attrs.size(),
                        Math.floorDiv(attrs.lastModifiedTime().toMillis(), 1000L), attrs.isRegularFile()));
            }
        }
        return entries;
    }

    /**
     * Renders a listing.
     *
     * @param format  html, json or xml
     * @param uri     the normalised request URI of the directory, e.g. {@code /pub/}
     * @param entries the entries to list, in any order
     */
    public static byte[] render(Format format, String uri, List<Entry> entries, Options options) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(NGINX_ORDER);
        return switch (format) {
            case HTML -> html(uri, sorted, options);
            case JSON -> json(sorted);
            case XML -> xml(sorted);
        };
    }

    /** Directories first, then byte-wise (strcmp) order of the UTF-8 names. */
    static final Comparator<Entry> NGINX_ORDER = (a, b) -> {
        if (a.directory() != b.directory()) {
            return a.directory() ? -1 : 1;
        }
        return Arrays.compareUnsigned(utf8(a.name()), utf8(b.name()));
    };

    private static byte[] html(String uri, List<Entry> entries, Options options) {
        Out out = new Out();
        String title = UriPath.encodeForHtml(uri);
        out.ascii("<html>\r\n<head><title>Index of ").text(title)
           .ascii("</title></head>\r\n<body>\r\n<h1>Index of ").text(title)
           .ascii("</h1><hr><pre><a href=\"../\">../</a>\r\n");

        for (Entry e : entries) {
            byte[] name = utf8(e.name());
            out.ascii("<a href=\"").ascii(UriPath.encodeUriComponent(name));
            if (e.directory()) {
                out.ascii("/");
            }
            out.ascii("\">");

            int len = options.utf8() ? e.name().codePointCount(0, e.name().length()) : name.length;
            if (len > NAME_LEN) {
                if (options.utf8()) {
                    String kept = e.name().substring(0, e.name().offsetByCodePoints(0, NAME_LEN - 3));
                    out.text(UriPath.encodeForHtml(kept));
                } else {
                    // nginx cuts at a byte boundary, even inside a multi-byte
                    // character; one char per byte keeps the bytes as they are.
                    String kept = new String(name, 0, NAME_LEN - 3, StandardCharsets.ISO_8859_1);
                    out.ascii(UriPath.encodeForHtml(kept));
                }
                out.ascii("..&gt;</a>");
            } else {
                out.text(UriPath.encodeForHtml(e.name()));
                if (e.directory() && NAME_LEN - len > 0) {
                    out.ascii("/");
                    len++;
                }
                out.ascii("</a>");
                out.ascii(" ".repeat(NAME_LEN - len));
            }
            out.ascii(" ");

            long shown = e.mtimeSeconds() + (options.localOffset() == null ? 0 : options.localOffset().getTotalSeconds());
            LocalDateTime t = LocalDateTime.ofEpochSecond(shown, 0, ZoneOffset.UTC);
            out.ascii(String.format("%02d-%s-%d %02d:%02d ", t.getDayOfMonth(), MONTHS[t.getMonthValue() - 1],
                    t.getYear(), t.getHour(), t.getMinute()));

            if (options.exactSize()) {
                out.ascii(e.directory() ? "                  -" : String.format("%19d", e.size()));
            } else {
                out.ascii(e.directory() ? "      -" : humanSize(e.size()));
            }
            out.ascii("\r\n");
        }
        out.ascii("</pre><hr></body>\r\n</html>\r\n");
        return out.bytes();
    }

    /** The size column with {@code autoindex_exact_size off}: nginx's K/M/G rounding. */
    static String humanSize(long length) {
        final long k = 1024, m = k * k, g = m * k;
        long size;
        char scale;
        if (length > g - 1) {
            size = length / g + (length % g > g / 2 - 1 ? 1 : 0);
            scale = 'G';
        } else if (length > m - 1) {
            size = length / m + (length % m > m / 2 - 1 ? 1 : 0);
            scale = 'M';
        } else if (length > 9999) {
            size = length / k + (length % k > 511 ? 1 : 0);
            scale = 'K';
        } else {
            return String.format(" %6d", length);
        }
        return String.format("%6d%c", size, scale);
    }

    private static byte[] json(List<Entry> entries) {
        Out out = new Out();
        out.ascii("[");
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            out.ascii("\r\n{ \"name\":\"").text(escapeJson(e.name()))
               .ascii("\", \"type\":\"").ascii(type(e))
               .ascii("\", \"mtime\":\"").ascii(HttpDates.formatSeconds(e.mtimeSeconds()));
            if (isFile(e)) {
                out.ascii("\", \"size\":").ascii(Long.toString(e.size()));
            } else {
                out.ascii("\"");
            }
            out.ascii(i == entries.size() - 1 ? " }" : " },");
        }
        out.ascii("\r\n]");
        return out.bytes();
    }

    private static byte[] xml(List<Entry> entries) {
        Out out = new Out();
        out.ascii("<?xml version=\"1.0\"?>\r\n<list>\r\n");
        for (Entry e : entries) {
            String type = type(e);
            LocalDateTime t = LocalDateTime.ofInstant(Instant.ofEpochSecond(e.mtimeSeconds()), ZoneOffset.UTC);
            out.ascii("<").ascii(type).ascii(" mtime=\"")
               .ascii(String.format("%4d-%02d-%02dT%02d:%02d:%02dZ", t.getYear(), t.getMonthValue(),
                       t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond()));
            if (isFile(e)) {
                out.ascii("\" size=\"").ascii(Long.toString(e.size()));
            }
            out.ascii("\">").text(UriPath.encodeForHtml(e.name()))
               .ascii("</").ascii(type).ascii(">\r\n");
        }
        out.ascii("</list>\r\n");
        return out.bytes();
    }

    private static boolean isFile(Entry e) {
        return !e.directory() && e.regularFile();
    }

    private static String type(Entry e) {
        return e.directory() ? "directory" : e.regularFile() ? "file" : "other";
    }

    /** JSON string escaping as {@code ngx_escape_json}. */
    static String escapeJson(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch > 0x1f) {
                if (ch == '\\' || ch == '"') {
                    sb.append('\\');
                }
                sb.append(ch);
                continue;
            }
            sb.append('\\');
            switch (ch) {
                case '\n' -> sb.append('n');
                case '\r' -> sb.append('r');
                case '\t' -> sb.append('t');
                case '\b' -> sb.append('b');
                case '\f' -> sb.append('f');
                default -> sb.append("u00").append((char) ('0' + (ch >> 4)))
                             .append(Character.forDigit(ch & 0xf, 16));
            }
        }
        return sb.toString();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Output buffer: {@link #ascii} writes one byte per char, {@link #text} writes UTF-8. */
    private static final class Out {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream(1024);

        Out ascii(String s) {
            buf.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            return this;
        }

        Out text(String s) {
            buf.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        byte[] bytes() {
            return buf.toByteArray();
        }
    }
}
