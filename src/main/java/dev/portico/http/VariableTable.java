package dev.portico.http;

import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfigException;
import dev.portico.config.syntax.SourceLocation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The variables of one configuration: the built-in ones that modules register,
 * those that {@code set} and {@code map} declare, and regex captures. Template
 * references are resolved once the whole configuration is read, so that a
 * name defined further down still resolves, and an unknown name is reported
 * at the place it was used.
 */
public final class VariableTable {

    private static final Map<String, Variable> BUILTINS = new ConcurrentHashMap<>();
    private static final Map<String, Function<String, Variable>> PREFIXES = new ConcurrentHashMap<>();

    /** A variable every configuration has, such as $remote_addr. */
    public static void registerBuiltin(String name, Variable variable) {
        BUILTINS.put(name, variable);
    }

    /** True when {@code name} is a built-in variable (not a prefix family such as $http_NAME). */
    public static boolean isBuiltin(String name) {
        return BUILTINS.containsKey(key(name));
    }

    /** A family such as $http_NAME: {@code factory} gets the part after the prefix. */
    public static void registerPrefix(String prefix, Function<String, Variable> factory) {
        PREFIXES.put(prefix, factory);
    }

    /** A use of a variable in a template; bound to its definition at the end of loading. */
    public static final class Reference implements Variable {
        private final String name;
        private final SourceLocation where;
        private Variable target;

        Reference(String name, SourceLocation where) {
            this.name = name;
            this.where = where;
        }

        public String name() {
            return name;
        }

        @Override
        public String get(HttpExchange exchange) {
            return target.get(exchange);
        }
    }

    private final List<Reference> references = new ArrayList<>();
    private final Map<String, Variable> defined = new HashMap<>();
    private final Map<String, Integer> slots = new HashMap<>();

    public static VariableTable of(ConfigBuild build) {
        return build.shared(VariableTable.class, VariableTable::new);
    }

    public Reference reference(String name, SourceLocation where) {
        Reference ref = new Reference(name, where);
        references.add(ref);
        return ref;
    }

    /** A per-request storage slot for a variable that {@code set} assigns or a map caches. */
    public int slot(String name) {
        return slots.computeIfAbsent(key(name), n -> slots.size());
    }

    public int slotCount() {
        return slots.size();
    }

    /** Declares a variable whose value comes from the configuration (set, map, a named capture). */
    public void define(String name, Variable variable) {
        defined.put(key(name), variable);
    }

    public boolean isDefined(String name) {
        return defined.containsKey(key(name));
    }

    /** The variable for {@code name} now, or null if it is unknown. */
    public Variable lookup(String name) {
        name = key(name);
        Variable v = defined.get(name);
        if (v != null) {
            return v;
        }
        v = BUILTINS.get(name);
        if (v != null) {
            return v;
        }
        if (isCaptureNumber(name)) {
            int group = Integer.parseInt(name);
            return x -> x.capture(group);
        }
        for (Map.Entry<String, Function<String, Variable>> e : PREFIXES.entrySet()) {
            if (name.startsWith(e.getKey()) && name.length() > e.getKey().length()) {
                return e.getValue().apply(name.substring(e.getKey().length()));
            }
        }
        return null;
    }

    /** nginx's variable names are case-insensitive: "$HOST" is "$host". */
    private static String key(String name) {
        return name.toLowerCase(java.util.Locale.ROOT);
    }

    private static boolean isCaptureNumber(String name) {
        if (name.isEmpty() || name.length() > 2) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Binds every reference; an unknown name is nginx's `unknown "name" variable`. */
    public void resolveAll() throws ConfigException {
        for (Reference ref : references) {
            if (ref.target != null) {
                continue;
            }
            Variable v = lookup(ref.name);
            if (v == null) {
                throw new ConfigException("unknown \"" + ref.name + "\" variable", ref.where);
            }
            ref.target = v;
        }
    }
}
