package dev.portico.config;

import dev.portico.config.syntax.AstBlock;
import dev.portico.config.syntax.AstDirective;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks the syntax tree against the directive registry: finds each directive,
 * checks where it is and how many arguments it has, and hands it to its module.
 * This class knows no directive by name.
 */
public final class ConfigLoader {

    private final Map<String, List<Directive>> registry = new HashMap<>();
    private final List<Module> modules;
    private final ConfigBuild build;

    public ConfigLoader(List<Module> modules, ConfigBuild build) {
        this.modules = modules;
        this.build = build;
        for (Module module : modules) {
            for (Directive d : module.directives()) {
                registry.computeIfAbsent(d.name(), n -> new ArrayList<>()).add(d);
            }
        }
    }

    public ConfigBuild build() {
        return build;
    }

    /** Applies the main block and then every module's post-configuration step. */
    public ConfFrame load(AstBlock root, AstBlock commandLine) throws ConfigException {
        ConfFrame main = ConfFrame.main();
        if (commandLine != null) {
            // nginx applies -g directives before the file, so a file that repeats one is a duplicate.
            apply(commandLine, main);
        }
        apply(root, main);
        for (Module module : modules) {
            module.postConfiguration(build);
        }
        return main;
    }

    void apply(AstBlock block, ConfFrame frame) throws ConfigException {
        for (AstDirective ast : block.directives()) {
            applyOne(ast, frame);
        }
    }

    private void applyOne(AstDirective ast, ConfFrame frame) throws ConfigException {
        List<Directive> candidates = registry.get(ast.name());
        if (candidates == null) {
            throw new ConfigException(unknownDirectiveMessage(ast.name()), ast.where());
        }
        Directive chosen = null;
        for (Directive d : candidates) {
            if (d.contexts().contains(frame.context())) {
                chosen = d;
                break;
            }
        }
        if (chosen == null) {
            throw new ConfigException("\"" + ast.name() + "\" directive is not allowed here", ast.where());
        }
        if (chosen.isBlock() && !ast.hasBlock()) {
            throw new ConfigException("directive \"" + ast.name() + "\" has no opening \"{\"", ast.where());
        }
        if (!chosen.isBlock() && ast.hasBlock()) {
            throw new ConfigException("directive \"" + ast.name() + "\" is not terminated by \";\"", ast.where());
        }
        if (!chosen.arity().accepts(ast.args().size())) {
            throw new ConfigException("invalid number of arguments in \"" + ast.name() + "\" directive", ast.where());
        }
        chosen.handler().apply(new DirectiveCall(ast, frame, this));
    }

    private String unknownDirectiveMessage(String name) {
        StringBuilder message = new StringBuilder("unknown directive \"").append(name).append('"');
        if (NginxDirectives.isNginxDirective(name)) {
            message.append(" (an nginx directive that portico does not support)");
        } else {
            String suggestion = closestDirective(name);
            if (suggestion != null) {
                message.append(" (did you mean \"").append(suggestion).append("\"?)");
            }
        }
        return message.toString();
    }

    /** The registered directive nearest by edit distance, when it is close enough to be a typo. */
    private String closestDirective(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : registry.keySet()) {
            int d = editDistance(name, candidate);
            if (d < bestDistance || (d == bestDistance && best != null && candidate.compareTo(best) < 0)) {
                bestDistance = d;
                best = candidate;
            }
        }
        int allowed = Math.max(1, Math.min(3, name.length() / 4));
        return bestDistance <= allowed ? best : null;
    }

    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
