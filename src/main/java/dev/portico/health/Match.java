package dev.portico.health;

import dev.portico.config.ConfigException;
import dev.portico.config.Values;
import dev.portico.config.syntax.AstDirective;
import dev.portico.config.syntax.SourceLocation;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A {@code match NAME { ... }} block of NGINX Plus's ngx_http_upstream_hc_module: the tests a
 * health check's response must pass, all of them. Without a match a response passes with a
 * 2xx or 3xx status ({@link #DEFAULT}).
 *
 * <pre>
 * status 200;  status ! 500;  status 200 204;  status 200-399;  status ! 400-599;
 * header Content-Type = text/html;  header Content-Type != text/html;
 * header Connection ~ close;  header Connection !~ close;  header Host;  header ! X-Accel-Redirect;
 * body ~ "Welcome to nginx!";  body !~ "maintenance mode";
 * </pre>
 *
 * Only the first {@link #BODY_LIMIT} bytes of a body are examined, as in NGINX Plus.
 */
public final class Match {

    /** What the checker reads of a body at most (NGINX Plus examines the first 256k). */
    public static final int BODY_LIMIT = 256 * 1024;

    /** NGINX Plus's default test: status 2xx or 3xx. */
    public static final Match DEFAULT = new Match("",
            List.of(new StatusTest(false, new int[] {200}, new int[] {399})), List.of(), List.of());

    /** Where a response failed, or what was checked last when it passed, in the error log's words. */
    public static final String STATUS = "checking status code";
    public static final String HEADERS = "checking headers";
    public static final String BODY = "checking body";

    /** {@code status [!] code|low-high ...}: the status is (not) one of the codes or ranges. */
    record StatusTest(boolean negated, int[] low, int[] high) {
        boolean passes(int status) {
            boolean in = false;
            for (int i = 0; i < low.length && !in; i++) {
                in = status >= low[i] && status <= high[i];
            }
            return in != negated;
        }
    }

    /** {@code header NAME [op VALUE]}, {@code header ! NAME}. */
    record HeaderTest(String name, String op, String value, Pattern regex) {
        boolean passes(HttpHeaders headers) {
            List<String> values = headers.getAll(name);
            switch (op) {
                case "" -> {
                    return !values.isEmpty();
                }
                case "!" -> {
                    return values.isEmpty();
                }
                case "=" -> {
                    return values.contains(value);
                }
                case "!=" -> {
                    return !values.isEmpty() && !values.contains(value);
                }
                case "~" -> {
                    return values.stream().anyMatch(v -> regex.matcher(v).find());
                }
                default -> { // "!~"
                    return !values.isEmpty() && values.stream().noneMatch(v -> regex.matcher(v).find());
                }
            }
        }
    }

    /** {@code body ~ REGEX}, {@code body !~ REGEX}. */
    record BodyTest(boolean negated, Pattern regex) {
        boolean passes(String body) {
            return regex.matcher(body).find() != negated;
        }
    }

    private final String name;
    private final List<StatusTest> status;
    private final List<HeaderTest> headers;
    private final List<BodyTest> body;

    private Match(String name, List<StatusTest> status, List<HeaderTest> headers, List<BodyTest> body) {
        this.name = name;
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    /** The block's name; empty for the default test (the error log's {@code health check ""}). */
    public String name() {
        return name;
    }

    /** True when a verdict needs the body: otherwise the head decides. */
    public boolean readsBody() {
        return !body.isEmpty();
    }

    /**
     * The response's verdict: null when it passes every test, else where it failed
     * ({@link #STATUS}, {@link #HEADERS} or {@link #BODY}).
     *
     * @param text the body's first {@link #BODY_LIMIT} bytes as text (ignored unless {@link #readsBody()})
     */
    public String failure(int statusCode, HttpHeaders responseHeaders, String text) {
        for (StatusTest t : status) {
            if (!t.passes(statusCode)) {
                return STATUS;
            }
        }
        for (HeaderTest t : headers) {
            if (!t.passes(responseHeaders)) {
                return HEADERS;
            }
        }
        for (BodyTest t : body) {
            if (!t.passes(text)) {
                return BODY;
            }
        }
        return null;
    }

    /** What a passing response was checked for last, for "peer is healthy while ..." */
    public String lastStage() {
        return !body.isEmpty() ? BODY : !headers.isEmpty() ? HEADERS : STATUS;
    }

    /** Reads a match block's entries; errors name the entry's file:line. */
    static Match parse(String name, List<AstDirective> entries) throws ConfigException {
        List<StatusTest> status = new ArrayList<>();
        List<HeaderTest> headers = new ArrayList<>();
        List<BodyTest> body = new ArrayList<>();
        for (AstDirective e : entries) {
            if (e.hasBlock()) {
                throw new ConfigException("unexpected \"{\"", e.where());
            }
            List<String> args = e.argValues();
            switch (e.name()) {
                case "status" -> status.add(status(args, e.where()));
                case "header" -> headers.add(header(args, e.where()));
                case "body" -> body.add(body(args, e.where()));
                case "require" -> throw new ConfigException("\"require\" in \"match\" is not supported: "
                        + "variables are not evaluated for health checks", e.where());
                default -> throw new ConfigException("unknown directive \"" + e.name() + "\" in \"match\"",
                        e.where());
            }
        }
        return new Match(name, List.copyOf(status), List.copyOf(headers), List.copyOf(body));
    }

    private static StatusTest status(List<String> args, SourceLocation where) throws ConfigException {
        boolean negated = !args.isEmpty() && args.get(0).equals("!");
        List<String> codes = negated ? args.subList(1, args.size()) : args;
        if (codes.isEmpty()) {
            throw new ConfigException("invalid number of arguments in \"status\" directive", where);
        }
        int[] low = new int[codes.size()];
        int[] high = new int[codes.size()];
        for (int i = 0; i < codes.size(); i++) {
            String code = codes.get(i);
            int dash = code.indexOf('-');
            low[i] = statusCode(dash < 0 ? code : code.substring(0, dash));
            high[i] = dash < 0 ? low[i] : statusCode(code.substring(dash + 1));
            if (low[i] < 0 || high[i] < 0 || high[i] < low[i]) {
                throw new ConfigException("invalid status \"" + code + "\" in \"match\"", where);
            }
        }
        return new StatusTest(negated, low, high);
    }

    /** A three-digit status 100-599, or -1. */
    private static int statusCode(String text) {
        long n = text.length() == 3 ? Values.number(text) : -1;
        return n >= 100 && n <= 599 ? (int) n : -1;
    }

    private static HeaderTest header(List<String> args, SourceLocation where) throws ConfigException {
        if (args.size() == 1 && !args.get(0).equals("!")) {
            return new HeaderTest(args.get(0), "", null, null);
        }
        if (args.size() == 2 && args.get(0).equals("!")) {
            return new HeaderTest(args.get(1), "!", null, null);
        }
        if (args.size() == 3) {
            String op = args.get(1);
            switch (op) {
                case "=", "!=" -> {
                    return new HeaderTest(args.get(0), op, args.get(2), null);
                }
                case "~", "!~" -> {
                    return new HeaderTest(args.get(0), op, args.get(2), regex(args.get(2), where));
                }
                default -> throw new ConfigException("invalid operator \"" + op + "\" in \"header\" of \"match\", "
                        + "it must be \"=\", \"!=\", \"~\" or \"!~\"", where);
            }
        }
        throw new ConfigException("invalid number of arguments in \"header\" directive", where);
    }

    private static BodyTest body(List<String> args, SourceLocation where) throws ConfigException {
        if (args.size() != 2) {
            throw new ConfigException("invalid number of arguments in \"body\" directive", where);
        }
        return switch (args.get(0)) {
            case "~" -> new BodyTest(false, regex(args.get(1), where));
            case "!~" -> new BodyTest(true, regex(args.get(1), where));
            default -> throw new ConfigException("invalid operator \"" + args.get(0) + "\" in \"body\" of \"match\","
                    + " it must be \"~\" or \"!~\"", where);
        };
    }

    /** A PCRE-style regex as nginx writes it, with nginx's compile error wording. */
    private static Pattern regex(String source, SourceLocation where) throws ConfigException {
        try {
            return Pattern.compile(source.replace("(?P<", "(?<"));
        } catch (PatternSyntaxException e) {
            throw new ConfigException("pcre2_compile() failed: " + e.getDescription() + " in \"" + source + "\"",
                    where);
        }
    }
}
