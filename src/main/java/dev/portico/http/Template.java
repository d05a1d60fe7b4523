package dev.portico.http;

import dev.portico.config.ConfigException;
import dev.portico.config.DirectiveCall;
import dev.portico.config.syntax.SourceLocation;
import java.util.ArrayList;
import java.util.List;

/**
 * A string with variables, compiled once at load time (nginx's complex value):
 * literal parts and variable references, rendered per request with a single
 * StringBuilder. Variable names are resolved when the configuration is
 * complete, so a template may name a variable that a later map defines.
 */
public final class Template {

    private final String source;
    private final String constant;
    private final Object[] parts;

    private Template(String source, String constant, Object[] parts) {
        this.source = source;
        this.constant = constant;
        this.parts = parts;
    }

    public static Template literal(String text) {
        return new Template(text, text, new Object[] {text});
    }

    /** Compiles {@code text} written at {@code where}; variables resolve against {@code table}. */
    public static Template compile(String text, VariableTable table, SourceLocation where) throws ConfigException {
        List<Object> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c != '$') {
                literal.append(c);
                i++;
                continue;
            }
            i++;
            String name;
            if (i < n && text.charAt(i) == '{') {
                int close = text.indexOf('}', i);
                if (close < 0) {
                    throw new ConfigException("the closing bracket in \"" + text.substring(i + 1)
                            + "\" variable is missing", where);
                }
                name = text.substring(i + 1, close);
                i = close + 1;
            } else {
                int start = i;
                while (i < n && isNameChar(text.charAt(i))) {
                    i++;
                }
                name = text.substring(start, i);
            }
            if (name.isEmpty()) {
                throw new ConfigException("invalid variable name in \"" + text + "\"", where);
            }
            if (literal.length() > 0) {
                parts.add(literal.toString());
                literal.setLength(0);
            }
            parts.add(table.reference(name, where));
        }
        if (literal.length() > 0) {
            parts.add(literal.toString());
        }
        boolean constant = parts.stream().allMatch(p -> p instanceof String);
        return new Template(text, constant ? text : null, parts.toArray());
    }

    public static Template compile(DirectiveCall call, int arg) throws ConfigException {
        return compile(call.arg(arg), VariableTable.of(call.build()), call.where());
    }

    private static boolean isNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }

    public boolean isConstant() {
        return constant != null;
    }

    public String source() {
        return source;
    }

    public String render(HttpExchange exchange) {
        if (constant != null) {
            return constant;
        }
        StringBuilder out = new StringBuilder(64);
        for (Object part : parts) {
            if (part instanceof String s) {
                out.append(s);
            } else {
                String value = ((VariableTable.Reference) part).get(exchange);
                if (value != null) {
                    out.append(value);
                }
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return source;
    }
}
