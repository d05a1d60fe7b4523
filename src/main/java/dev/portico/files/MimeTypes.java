package dev.portico.files;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * An immutable extension to content-type map, looked up the way nginx picks
 * a type for a URI ({@code ngx_http_set_content_type}).
 */
public final class MimeTypes {

    /** Classpath location of the bundled copy of nginx's conf/mime.types. */
    public static final String DEFAULT_RESOURCE = "/dev/portico/files/mime.types";

    private static volatile MimeTypes defaults;

    private final Map<String, String> byExtension;

    private MimeTypes(Map<String, String> byExtension) {
        this.byExtension = byExtension;
    }

    /**
     * A map from extensions to types. Extensions are matched without regard
     * to ASCII case, as nginx lower-cases both the configured and the
     * requested extension.
     */
    public static MimeTypes of(Map<String, String> extensionToType) {
        Map<String, String> copy = new HashMap<>();
        extensionToType.forEach((ext, type) -> copy.put(asciiLower(ext), type));
        return new MimeTypes(Map.copyOf(copy));
    }

    /** The types of the bundled mime.types, nginx's defaults. */
    public static MimeTypes defaults() {
        MimeTypes d = defaults;
        if (d == null) {
            try (InputStream in = MimeTypes.class.getResourceAsStream(DEFAULT_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + DEFAULT_RESOURCE);
                }
                d = of(readTypesBlock(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            defaults = d;
        }
        return d;
    }

    /**
     * Reads the bundled file's simple shape, {@code types { type ext ...; }}.
     * The configuration parser handles the general syntax; this only needs
     * to read the file this project ships. A later extension wins, as in nginx.
     */
    static Map<String, String> readTypesBlock(String content) {
        String body = content.replaceAll("#[^\n]*", "");
        int open = body.indexOf('{');
        int close = body.lastIndexOf('}');
        if (open < 0 || close < open) {
            throw new IllegalArgumentException("no types block");
        }
        Map<String, String> map = new HashMap<>();
        for (String statement : body.substring(open + 1, close).split(";")) {
            String[] words = statement.trim().split("\\s+");
            if (words.length < 2) {
                continue;
            }
            for (int i = 1; i < words.length; i++) {
                map.put(asciiLower(words[i]), words[0]);
            }
        }
        return map;
    }

    public Map<String, String> asMap() {
        return byExtension;
    }

    /**
     * The type for a file name or URI path, or {@code defaultType}. Like
     * nginx, the extension is what follows the last dot of the last path
     * segment; dots at the start of the segment do not begin an extension
     * ({@code .bashrc} has none), and a trailing dot gives an empty one.
     */
    public String lookup(String fileName, String defaultType) {
        String ext = extension(fileName);
        if (ext == null || ext.isEmpty()) {
            return defaultType;
        }
        String type = byExtension.get(asciiLower(ext));
        return type != null ? type : defaultType;
    }

    /** The extension as nginx sees it, or null when there is none. */
    static String extension(String fileName) {
        String segment = fileName.substring(fileName.lastIndexOf('/') + 1);
        int firstNonDot = 0;
        while (firstNonDot < segment.length() && segment.charAt(firstNonDot) == '.') {
            firstNonDot++;
        }
        int dot = segment.lastIndexOf('.');
        if (dot < firstNonDot) {
            return null;
        }
        return segment.substring(dot + 1);
    }

    // nginx lower-cases only A-Z.
    private static String asciiLower(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c >= 'A' && c <= 'Z' ? (char) (c | 0x20) : c);
        }
        return sb.toString();
    }
}
