package dev.portico.http.map;

import dev.portico.http.HttpExchange;
import dev.portico.http.RequestProcessor;
import dev.portico.http.Template;
import dev.portico.http.Variable;
import dev.portico.log.LogLevel;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The variable a {@code map} block defines (ngx_http_map_variable): the
 * source is rendered, looked up among the exact keys (case-insensitively),
 * then the wildcard keys with {@code hostnames}, then the regexes in order;
 * the value found (or the default, or "") is rendered and kept for the rest
 * of the request unless the map is {@code volatile}.
 */
final class MapVariable implements Variable {

    /** A "*.example.com" / ".example.com" key (suffix ".example.com") or a "www.example.*" key (prefix "www.example."). */
    record Wildcard(String text, Template value) {
    }

    record RegexKey(Pattern pattern, Template value) {
    }

    private static final Object EVALUATING = new Object();

    private final String name;
    private final Template source;
    private final int slot;
    private final boolean hostnames;
    private final boolean cacheable;
    private final Map<String, Template> exact;
    private final List<Wildcard> head;
    private final List<Wildcard> tail;
    private final List<RegexKey> regexes;
    private final Template defaultValue;

    MapVariable(String name, Template source, int slot, boolean hostnames, boolean cacheable,
                Map<String, Template> exact, List<Wildcard> head, List<Wildcard> tail, List<RegexKey> regexes,
                Template defaultValue) {
        this.name = name;
        this.source = source;
        this.slot = slot;
        this.hostnames = hostnames;
        this.cacheable = cacheable;
        this.exact = new HashMap<>(exact);
        this.head = List.copyOf(head);
        this.tail = List.copyOf(tail);
        this.regexes = List.copyOf(regexes);
        this.defaultValue = defaultValue;
    }

    @Override
    public String get(HttpExchange x) {
        if (cacheable) {
            Object cached = x.variableSlot(slot);
            if (cached instanceof String s) {
                return s;
            }
            if (cached == EVALUATING) {
                RequestProcessor.logError(x, LogLevel.ERROR, "cycle while evaluating variable \"" + name + "\"");
                return null;
            }
            x.setVariableSlot(slot, EVALUATING);
        }
        String result;
        try {
            Template value = find(x, source.render(x));
            result = value == null ? "" : value.render(x);
        } finally {
            if (cacheable && x.variableSlot(slot) == EVALUATING) {
                x.setVariableSlot(slot, null);
            }
        }
        if (cacheable) {
            x.setVariableSlot(slot, result);
        }
        return result;
    }

    private Template find(HttpExchange x, String value) {
        if (hostnames && !value.isEmpty() && value.charAt(value.length() - 1) == '.') {
            value = value.substring(0, value.length() - 1);
        }
        String low = value.toLowerCase(Locale.ROOT);
        Template found = exact.get(low);
        if (found != null) {
            return found;
        }
        if (!low.isEmpty()) {
            Wildcard best = null;
            for (Wildcard w : head) {
                if (low.length() > w.text().length() && low.endsWith(w.text())
                        && (best == null || w.text().length() > best.text().length())) {
                    best = w;
                }
            }
            if (best == null) {
                for (Wildcard w : tail) {
                    if (low.length() > w.text().length() && low.startsWith(w.text())
                            && (best == null || w.text().length() > best.text().length())) {
                        best = w;
                    }
                }
            }
            if (best != null) {
                return best.value();
            }
            for (RegexKey r : regexes) {
                Matcher m = r.pattern().matcher(value);
                if (m.find()) {
                    x.setCaptures(m);
                    return r.value();
                }
            }
        }
        return defaultValue;
    }
}
