package dev.portico.config;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * The names of nginx's directives, so that one Portico does not support yet is
 * reported as such instead of as a typo.
 */
final class NginxDirectives {

    private static final Set<String> NAMES = load();

    private NginxDirectives() {
    }

    static boolean isNginxDirective(String name) {
        return NAMES.contains(name);
    }

    private static Set<String> load() {
        Set<String> names = new HashSet<>();
        try (InputStream in = NginxDirectives.class.getResourceAsStream("nginx-directives.txt")) {
            if (in == null) {
                return names;
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                line = line.trim();
                if (!line.isEmpty() && !line.startsWith("#")) {
                    names.add(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }
}
