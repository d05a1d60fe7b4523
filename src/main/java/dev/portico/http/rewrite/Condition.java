package dev.portico.http.rewrite;

import dev.portico.http.HttpExchange;
import dev.portico.http.RequestProcessor;
import dev.portico.http.Template;
import dev.portico.http.Variable;
import dev.portico.log.LogLevel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The condition of an {@code if} block, as ngx_http_rewrite_if_condition compiles it. */
interface Condition {

    boolean test(HttpExchange x, Step.Script script);

    /** nginx's truth of a value: not empty and not "0". */
    static boolean truth(String value) {
        return value != null && !value.isEmpty() && !value.equals("0");
    }

    static String valueOf(Variable v, HttpExchange x) {
        String s = v.get(x);
        return s == null ? "" : s;
    }

    /** {@code if ($var)}. */
    record Truth(Variable variable) implements Condition {
        @Override
        public boolean test(HttpExchange x, Step.Script script) {
            return truth(variable.get(x));
        }
    }

    /** {@code if ($var = value)} and {@code !=}. */
    record Compare(Variable variable, Template value, boolean negate) implements Condition {
        @Override
        public boolean test(HttpExchange x, Step.Script script) {
            boolean equal = Condition.valueOf(variable, x).equals(value.render(x));
            return equal != negate;
        }
    }

    /** {@code ~ ~* !~ !~*}: a match sets the captures, a miss clears them, as nginx's regex code. */
    record Regex(Variable variable, Pattern pattern, String source, boolean negate) implements Condition {
        @Override
        public boolean test(HttpExchange x, Step.Script script) {
            String line = Condition.valueOf(variable, x);
            Matcher m = pattern.matcher(line);
            if (!m.find()) {
                if (script.log()) {
                    RequestProcessor.logError(x, LogLevel.NOTICE,
                            "\"" + source + "\" does not match \"" + line + "\"");
                }
                x.setCaptures(null);
                return negate;
            }
            if (script.log()) {
                RequestProcessor.logError(x, LogLevel.NOTICE, "\"" + source + "\" matches \"" + line + "\"");
            }
            x.setCaptures(m);
            return !negate;
        }
    }

    /** {@code -f -d -e -x} and their {@code !} forms on a path. */
    record FileTest(Template path, char op, boolean negate) implements Condition {
        @Override
        public boolean test(HttpExchange x, Step.Script script) {
            String text = path.render(x);
            boolean result;
            try {
                Path p = Path.of(text);
                result = switch (op) {
                    case 'f' -> Files.isRegularFile(p);
                    case 'd' -> Files.isDirectory(p);
                    case 'e' -> Files.exists(p);
                    default -> executable(p);
                };
            } catch (InvalidPathException e) {
                result = false;
            }
            return result != negate;
        }

        /** nginx's ngx_is_exec: the owner's execute bit of what the path names. */
        private static boolean executable(Path p) {
            try {
                PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class);
                return a.permissions().contains(PosixFilePermission.OWNER_EXECUTE);
            } catch (IOException e) {
                return false;
            } catch (UnsupportedOperationException e) {
                return Files.isExecutable(p);
            }
        }
    }
}
