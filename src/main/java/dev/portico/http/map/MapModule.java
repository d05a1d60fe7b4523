package dev.portico.http.map;

import dev.portico.config.ConfigException;
import dev.portico.config.Contexts;
import dev.portico.config.Directive;
import dev.portico.config.Directive.Arity;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Module;
import dev.portico.config.syntax.AstDirective;
import dev.portico.config.syntax.SourceLocation;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.Template;
import dev.portico.http.VariableTable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * nginx's ngx_http_map_module: {@code map $source $variable { ... }} in the
 * http block, with default, hostnames, volatile, exact keys, {@code ~} and
 * {@code ~*} regex keys and values that hold variables. (include is expanded
 * by the parser; map_hash_* are accepted by the HTTP core.)
 */
public final class MapModule implements Module {

    @Override
    public String name() {
        return "http_map";
    }

    @Override
    public List<Directive> directives() {
        return List.of(Directive.block("map", Contexts.HTTP, Arity.TWO, MapModule::map));
    }

    private static void map(DirectiveCall c) throws ConfigException {
        VariableTable table = VariableTable.of(c.build());
        Template source = Template.compile(c, 0);
        String raw = c.arg(1);
        if (raw.isEmpty() || raw.charAt(0) != '$') {
            throw c.error("invalid variable name \"" + raw + "\"");
        }
        String name = raw.substring(1);
        if (name.isEmpty()) {
            throw c.error("invalid variable name \"$\"");
        }
        if (VariableTable.isBuiltin(name) && !name.equals("args")) {
            throw c.error("the duplicate \"" + name + "\" variable");
        }
        int slot = table.slot(name);

        boolean hostnames = false;
        boolean cacheable = true;
        Template defaultValue = null;
        Map<String, Template> exact = new LinkedHashMap<>();
        List<MapVariable.Wildcard> head = new ArrayList<>();
        List<MapVariable.Wildcard> tail = new ArrayList<>();
        Set<String> headKeys = new HashSet<>();
        Set<String> tailKeys = new HashSet<>();
        List<MapVariable.RegexKey> regexes = new ArrayList<>();

        for (AstDirective entry : c.block().directives()) {
            SourceLocation where = entry.where();
            if (entry.hasBlock()) {
                throw new ConfigException("unexpected \"{\"", where);
            }
            String key = entry.name();
            int nelts = 1 + entry.args().size();
            if (nelts == 1 && key.equals("hostnames")) {
                hostnames = true;
                continue;
            }
            if (nelts == 1 && key.equals("volatile")) {
                cacheable = false;
                continue;
            }
            if (nelts != 2) {
                throw new ConfigException("invalid number of the map parameters", where);
            }
            Template value = Template.compile(entry.arg(0), table, where);
            if (key.equals("default")) {
                if (defaultValue != null) {
                    throw new ConfigException("duplicate default map parameter", where);
                }
                defaultValue = value;
                continue;
            }
            if (!key.isEmpty() && key.charAt(0) == '~') {
                boolean caseless = key.length() > 1 && key.charAt(1) == '*';
                String regex = key.substring(caseless ? 2 : 1);
                Pattern pattern;
                try {
                    pattern = HttpCoreModule.compileRegex(c, regex, caseless);
                } catch (ConfigException e) {
                    throw new ConfigException(e.bareMessage(), where);
                }
                regexes.add(new MapVariable.RegexKey(pattern, value));
                continue;
            }
            if (!key.isEmpty() && key.charAt(0) == '\\') {
                key = key.substring(1);
            }
            String low = key.toLowerCase(Locale.ROOT);
            if (!hostnames) {
                if (exact.putIfAbsent(low, value) != null) {
                    throw new ConfigException("conflicting parameter \"" + low + "\"", where);
                }
                continue;
            }
            addHostname(low, value, exact, head, tail, headKeys, tailKeys, where);
        }

        MapVariable variable = new MapVariable(name, source, slot, hostnames, cacheable, exact, head, tail, regexes,
                defaultValue);
        table.define(name, variable);
    }

    /** ngx_hash_add_key with NGX_HASH_WILDCARD_KEY: exact names, "*.x" / ".x" heads and "x.*" tails. */
    private static void addHostname(String key, Template value, Map<String, Template> exact,
                                    List<MapVariable.Wildcard> head, List<MapVariable.Wildcard> tail,
                                    Set<String> headKeys, Set<String> tailKeys, SourceLocation where)
            throws ConfigException {
        int stars = 0;
        for (int i = 0; i < key.length(); i++) {
            char ch = key.charAt(i);
            if (ch == '*' && ++stars > 1) {
                throw invalidWildcard(key, where);
            }
            if (ch == '.' && i + 1 < key.length() && key.charAt(i + 1) == '.') {
                throw invalidWildcard(key, where);
            }
        }
        String bare;
        if (key.length() > 1 && key.charAt(0) == '.') {
            bare = key.substring(1);
            if (exact.containsKey(bare) || !headKeys.add(bare)) {
                throw conflicting(key, where);
            }
            exact.put(bare, value);
            head.add(new MapVariable.Wildcard(key, value));
            return;
        }
        if (key.length() > 2 && key.startsWith("*.")) {
            bare = key.substring(2);
            if (!headKeys.add(bare)) {
                throw conflicting(key, where);
            }
            head.add(new MapVariable.Wildcard(key.substring(1), value));
            return;
        }
        if (key.length() > 2 && key.endsWith(".*")) {
            bare = key.substring(0, key.length() - 2);
            if (!tailKeys.add(bare)) {
                throw conflicting(key, where);
            }
            tail.add(new MapVariable.Wildcard(key.substring(0, key.length() - 1), value));
            return;
        }
        if (stars > 0) {
            throw invalidWildcard(key, where);
        }
        if (exact.putIfAbsent(key, value) != null) {
            throw conflicting(key, where);
        }
    }

    private static ConfigException invalidWildcard(String key, SourceLocation where) {
        return new ConfigException("invalid hostname or wildcard \"" + key + "\"", where);
    }

    private static ConfigException conflicting(String key, SourceLocation where) {
        return new ConfigException("conflicting parameter \"" + key + "\"", where);
    }
}
