package dev.portico.http.rewrite;

import dev.portico.config.ConfFrame;
import dev.portico.config.ConfKey;
import dev.portico.config.ConfLevel;
import dev.portico.config.ConfigBuild;
import dev.portico.config.ConfigException;
import dev.portico.config.Context;
import dev.portico.config.Contexts;
import dev.portico.config.Directive;
import dev.portico.config.Directive.Arity;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Module;
import dev.portico.config.Slots;
import dev.portico.http.Flow;
import dev.portico.http.HttpConfig;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.HttpExchange;
import dev.portico.http.Phase;
import dev.portico.http.RequestProcessor;
import dev.portico.http.Template;
import dev.portico.http.VariableTable;
import dev.portico.log.LogLevel;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * nginx's ngx_http_rewrite_module: return, rewrite, set, if, break,
 * rewrite_log and uninitialized_variable_warn. The directives of each server
 * and location are compiled, in file order, into that level's script; the
 * server's runs in the server-rewrite phase, the chosen location's in the
 * rewrite phase. An {@code if} block's directives belong to the enclosing
 * script; the block has its own location-level configuration, which a true
 * condition in a location puts in force.
 */
public final class RewriteModule implements Module {

    public static final ConfKey<RewriteConf> REWRITE =
            ConfKey.of("http_rewrite", ConfLevel.LOCATION, RewriteConf::new, RewriteConf::merge);

    private static final Set<Context> FLAG_CONTEXTS = EnumSet.of(Context.HTTP, Context.SERVER, Context.SERVER_IF,
            Context.LOCATION, Context.LOCATION_IF);

    @Override
    public String name() {
        return "http_rewrite";
    }

    @Override
    public List<Directive> directives() {
        return List.of(
                Directive.of("rewrite", Contexts.SERVER_LOCATION_IFS, Arity.TWO_OR_THREE, RewriteModule::rewrite),
                Directive.of("return", Contexts.SERVER_LOCATION_IFS, Arity.ONE_OR_TWO, RewriteModule::returnDirective),
                Directive.of("break", Contexts.SERVER_LOCATION_IFS, Arity.NONE,
                        c -> c.conf(REWRITE).add(new Steps.Break())),
                Directive.block("if", Contexts.SERVER_LOCATION, Arity.ONE_OR_MORE, RewriteModule::ifBlock),
                Directive.of("set", Contexts.SERVER_LOCATION_IFS, Arity.TWO, RewriteModule::set),
                Slots.flag("rewrite_log", FLAG_CONTEXTS, REWRITE, c -> c.log, (c, v) -> c.log = v),
                Slots.flag("uninitialized_variable_warn", FLAG_CONTEXTS, REWRITE, c -> c.uninitializedVariableWarn,
                        (c, v) -> c.uninitializedVariableWarn = v)
        );
    }

    @Override
    public void postConfiguration(ConfigBuild build) {
        HttpConfig.Registry registry = HttpConfig.registry(build);
        registry.add(Phase.SERVER_REWRITE, x -> run(x, x.server().root().conf().get(REWRITE)));
        registry.add(Phase.REWRITE, x -> {
            if (x.location() == x.server().root()) {
                // nginx skips the location rewrite phase when no location matched
                return Flow.NEXT;
            }
            return run(x, x.location().conf().get(REWRITE));
        });
    }

    private static Flow run(HttpExchange x, RewriteConf conf) {
        Step[] script = conf.script();
        if (script == null) {
            return Flow.NEXT;
        }
        Step.Outcome o = Step.runAll(script, x, new Step.Script(conf.log()));
        return o == Step.Outcome.DONE ? Flow.DONE : Flow.NEXT;
    }

    // ---- return ----

    private static void returnDirective(DirectiveCall c) throws ConfigException {
        String first = c.arg(0);
        int status = atoi(first);
        Template text;
        if (status < 0) {
            if (c.argCount() == 1 && (first.startsWith("http://") || first.startsWith("https://")
                    || first.startsWith("$scheme"))) {
                status = 302;
                text = Template.compile(c, 0);
            } else {
                throw c.error("invalid return code \"" + first + "\"");
            }
        } else {
            if (status > 999) {
                throw c.error("invalid return code \"" + first + "\"");
            }
            text = c.argCount() == 1 ? null : Template.compile(c, 1);
        }
        c.conf(REWRITE).add(new Steps.Return(status, text));
    }

    /** ngx_atoi: decimal digits only; -1 when empty, not a number or too large. */
    static int atoi(String s) {
        if (s.isEmpty() || s.length() > 9) {
            return -1;
        }
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < '0' || ch > '9') {
                return -1;
            }
            n = n * 10 + (ch - '0');
        }
        return n;
    }

    // ---- set ----

    private static void set(DirectiveCall c) throws ConfigException {
        String raw = c.arg(0);
        if (raw.isEmpty() || raw.charAt(0) != '$') {
            throw c.error("invalid variable name \"" + raw + "\"");
        }
        String name = raw.substring(1);
        if (name.isEmpty()) {
            throw c.error("invalid variable name \"$\"");
        }
        VariableTable table = VariableTable.of(c.build());
        boolean args = name.equals("args");
        if (!args && VariableTable.isBuiltin(name)) {
            throw c.error("the duplicate \"" + name + "\" variable");
        }
        int slot = table.slot(name);
        if (!args && !table.isDefined(name)) {
            table.define(name, x -> {
                Object v = x.variableSlot(slot);
                if (v instanceof String s) {
                    return s;
                }
                if (x.conf() != null && x.conf().get(REWRITE).uninitializedVariableWarn()) {
                    RequestProcessor.logError(x, LogLevel.WARN, "using uninitialized \"" + name + "\" variable");
                }
                return "";
            });
        }
        Template value = Template.compile(c, 1);
        c.conf(REWRITE).add(new Steps.Set(name, slot, value, args));
    }

    // ---- break / if ----

    private static void ifBlock(DirectiveCall c) throws ConfigException {
        Condition condition = condition(c);
        boolean inServer = c.context() == Context.SERVER;
        Context inner = inServer ? Context.SERVER_IF : Context.LOCATION_IF;
        ConfFrame frame = c.frame().openLocation(inner);
        HttpCoreModule.addNestedConf(c, frame.locationSet());
        RewriteConf own = frame.get(REWRITE);
        List<Step> body = new ArrayList<>();
        own.steps = body;
        c.parseBlock(frame.withContext(inner, c.frame().state()));
        // the steps belong to the enclosing script, as nginx's shared code array
        own.steps = null;
        c.conf(REWRITE).add(new Steps.If(condition, inServer ? null : frame.locationSet(),
                body.toArray(new Step[0])));
    }

    /** ngx_http_rewrite_if_condition, with nginx's messages. */
    private static Condition condition(DirectiveCall c) throws ConfigException {
        String[] value = c.args().toArray(new String[0]);
        int n = value.length;
        // value[0] is the first argument here (nginx's value[1])
        int cur;
        int last = n - 1;
        if (value[0].isEmpty() || value[0].charAt(0) != '(') {
            throw c.error("invalid condition \"" + value[0] + "\"");
        }
        if (value[0].length() == 1) {
            cur = 1;
        } else {
            cur = 0;
            value[0] = value[0].substring(1);
        }
        if (value[last].isEmpty() || value[last].charAt(value[last].length() - 1) != ')') {
            throw c.error("invalid condition \"" + value[last] + "\"");
        }
        if (value[last].length() == 1) {
            last--;
        } else {
            value[last] = value[last].substring(0, value[last].length() - 1);
        }
        if (cur >= n || last < cur) {
            throw c.error("invalid condition \"" + (cur < n ? value[cur] : value[n - 1]) + "\"");
        }
        VariableTable table = VariableTable.of(c.build());
        String p = value[cur];
        int len = p.length();
        if (len > 1 && p.charAt(0) == '$') {
            if (cur != last && cur + 2 != last) {
                throw c.error("invalid condition \"" + p + "\"");
            }
            VariableTable.Reference variable = table.reference(p.substring(1), c.where());
            if (cur == last) {
                return new Condition.Truth(variable);
            }
            cur++;
            p = value[cur];
            if (p.equals("=") || p.equals("!=")) {
                Template v = Template.compile(value[last], table, c.where());
                return new Condition.Compare(variable, v, p.length() == 2);
            }
            if (p.equals("~") || p.equals("~*") || p.equals("!~") || p.equals("!~*")) {
                Pattern pattern = HttpCoreModule.compileRegex(c, value[last], p.endsWith("*"));
                return new Condition.Regex(variable, pattern, value[last], p.charAt(0) == '!');
            }
            throw c.error("unexpected \"" + p + "\" in condition");
        }
        if ((len == 2 && p.charAt(0) == '-') || (len == 3 && p.charAt(0) == '!' && p.charAt(1) == '-')) {
            if (cur + 1 != last) {
                throw c.error("invalid condition \"" + p + "\"");
            }
            boolean negate = p.charAt(0) == '!';
            char op = p.charAt(negate ? 2 : 1);
            if (op == 'f' || op == 'd' || op == 'e' || op == 'x') {
                Template path = Template.compile(value[last], table, c.where());
                return new Condition.FileTest(path, op, negate);
            }
            throw c.error("invalid condition \"" + p + "\"");
        }
        throw c.error("invalid condition \"" + p + "\"");
    }

    // ---- rewrite ----

    private static void rewrite(DirectiveCall c) throws ConfigException {
        String replacement = c.arg(1);
        if (replacement.isEmpty()) {
            throw c.error("empty replacement");
        }
        Pattern pattern = HttpCoreModule.compileRegex(c, c.arg(0), false);
        boolean addArgs = true;
        if (replacement.charAt(replacement.length() - 1) == '?') {
            // the last "?" drops the original arguments
            replacement = replacement.substring(0, replacement.length() - 1);
            addArgs = false;
        }
        boolean redirect = false;
        boolean last = false;
        boolean breakCycle = false;
        int status = 0;
        if (replacement.startsWith("http://") || replacement.startsWith("https://")
                || replacement.startsWith("$scheme")) {
            status = 302;
            redirect = true;
            last = true;
        }
        if (c.argCount() == 3) {
            switch (c.arg(2)) {
                case "last" -> last = true;
                case "break" -> {
                    breakCycle = true;
                    last = true;
                }
                case "redirect" -> {
                    status = 302;
                    redirect = true;
                    last = true;
                }
                case "permanent" -> {
                    status = 301;
                    redirect = true;
                    last = true;
                }
                default -> throw c.error("invalid parameter \"" + c.arg(2) + "\"");
            }
        }
        VariableTable table = VariableTable.of(c.build());
        List<Steps.Part> uriParts = new ArrayList<>();
        List<Steps.Part> argsParts = null;
        boolean hasQuestion = false;
        List<Steps.Part> target = uriParts;
        StringBuilder literal = new StringBuilder();
        String s = replacement;
        int i = 0;
        while (i < s.length()) {
            char ch = s.charAt(i);
            if (ch == '$') {
                flush(literal, target);
                if (++i == s.length()) {
                    throw c.error("invalid variable name");
                }
                char d = s.charAt(i);
                if (d >= '1' && d <= '9') {
                    target.add(new Steps.Capture(d - '0'));
                    i++;
                    continue;
                }
                boolean bracket = false;
                if (d == '{') {
                    bracket = true;
                    if (++i == s.length()) {
                        throw c.error("invalid variable name");
                    }
                }
                int start = i;
                String name = null;
                while (i < s.length()) {
                    char v = s.charAt(i);
                    if (v == '}' && bracket) {
                        name = s.substring(start, i);
                        bracket = false;
                        i++;
                        break;
                    }
                    if ((v >= 'a' && v <= 'z') || (v >= 'A' && v <= 'Z') || (v >= '0' && v <= '9') || v == '_') {
                        i++;
                        continue;
                    }
                    break;
                }
                if (name == null) {
                    name = s.substring(start, i);
                }
                if (bracket) {
                    throw c.error("the closing bracket in \"" + name + "\" variable is missing");
                }
                if (name.isEmpty()) {
                    throw c.error("invalid variable name");
                }
                target.add(new Steps.Var(table.reference(name, c.where())));
                continue;
            }
            if (ch == '?') {
                hasQuestion = true;
                if (!redirect && argsParts == null) {
                    flush(literal, target);
                    argsParts = new ArrayList<>();
                    target = argsParts;
                    i++;
                    continue;
                }
            }
            literal.append(ch);
            i++;
        }
        flush(literal, target);
        c.conf(REWRITE).add(new Steps.Rewrite(pattern, c.arg(0), List.copyOf(uriParts),
                argsParts == null ? null : List.copyOf(argsParts), hasQuestion, addArgs, redirect, status, last,
                breakCycle));
    }

    private static void flush(StringBuilder literal, List<Steps.Part> target) {
        if (literal.length() > 0) {
            target.add(new Steps.Literal(literal.toString()));
            literal.setLength(0);
        }
    }
}
