package dev.portico.http.rewrite;

import dev.portico.config.ConfSet;
import dev.portico.http.HeaderNames;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.HttpExchange;
import dev.portico.http.RequestProcessor;
import dev.portico.http.ResponseBody;
import dev.portico.http.Template;
import dev.portico.http.Variable;
import dev.portico.log.LogLevel;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The compiled forms of return, set, if, break and rewrite (nginx's script codes). */
final class Steps {

    private Steps() {
    }

    static boolean isRedirectCode(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    /** {@code return}: ngx_http_script_return_code and ngx_http_send_response. */
    record Return(int status, Template text) implements Step {
        @Override
        public Outcome run(HttpExchange x, Script script) {
            x.discardRequestBody();
            if (status == 444) {
                RequestProcessor.finish(x, 444);
                return Outcome.DONE;
            }
            if (status >= 400 && text == null) {
                RequestProcessor.finish(x, status);
                return Outcome.DONE;
            }
            String value = text == null ? "" : text.render(x);
            if (isRedirectCode(status)) {
                if (text != null) {
                    x.responseHeaders().set(HeaderNames.LOCATION, Redirects.absolute(x, value));
                }
                RequestProcessor.finish(x, status);
                return Outcome.DONE;
            }
            if (status == 204) {
                RequestProcessor.send(x, status, ResponseBody.EMPTY);
                return Outcome.DONE;
            }
            x.responseHeaders().set(HeaderNames.CONTENT_TYPE,
                    x.conf().get(HttpCoreModule.CORE).contentTypeFor(x.uri()));
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            RequestProcessor.send(x, status, bytes.length == 0 ? ResponseBody.EMPTY
                    : new ResponseBody.Bytes(Unpooled.wrappedBuffer(bytes)));
            return Outcome.DONE;
        }
    }

    /** {@code set $name value}; {@code $args} goes to the request's query string. */
    record Set(String name, int slot, Template value, boolean args) implements Step {
        @Override
        public Outcome run(HttpExchange x, Script script) {
            String v = value.render(x);
            if (args) {
                x.setArgs(v);
            } else {
                x.setVariableSlot(slot, v);
            }
            return Outcome.NEXT;
        }
    }

    /** {@code break}: ends the script and stays in the location. */
    record Break() implements Step {
        @Override
        public Outcome run(HttpExchange x, Script script) {
            x.setUriChanged(false);
            return Outcome.STOP;
        }
    }

    /**
     * {@code if (condition) { ... }}: when the condition holds, the block's
     * configuration is put in force (not for an if in a server) and its steps
     * run; the enclosing script then goes on, as nginx compiles the block
     * inline.
     */
    record If(Condition condition, ConfSet conf, Step[] body) implements Step {
        @Override
        public Outcome run(HttpExchange x, Script script) {
            if (!condition.test(x, script)) {
                return Outcome.NEXT;
            }
            if (conf != null) {
                x.useConf(conf);
            }
            return Step.runAll(body, x, script);
        }
    }

    /** One piece of a rewrite replacement. */
    sealed interface Part permits Literal, Capture, Var {
    }

    record Literal(String text) implements Part {
    }

    record Capture(int group) implements Part {
    }

    record Var(Variable variable) implements Part {
    }

    /** {@code rewrite regex replacement [flag]}: regex start/end codes of ngx_http_script.c. */
    record Rewrite(Pattern pattern, String source, List<Part> uriParts, List<Part> argsParts, boolean hasQuestion,
                   boolean addArgs, boolean redirect, int status, boolean last, boolean breakCycle)
            implements Step {

        @Override
        public Outcome run(HttpExchange x, Script script) {
            String line = x.uri();
            Matcher m = pattern.matcher(line);
            if (!m.find()) {
                if (script.log()) {
                    RequestProcessor.logError(x, LogLevel.NOTICE,
                            "\"" + source + "\" does not match \"" + line + "\"");
                }
                x.setCaptures(null);
                return Outcome.NEXT;
            }
            if (script.log()) {
                RequestProcessor.logError(x, LogLevel.NOTICE, "\"" + source + "\" matches \"" + line + "\"");
            }
            x.setCaptures(m);
            x.markInternal();
            x.setUriChanged(!breakCycle);
            boolean quoted = quotedUri(x);
            String oldArgs = x.args();
            boolean haveArgs = oldArgs != null && !oldArgs.isEmpty();
            if (redirect) {
                String target = Redirects.unescapeRedirect(render(uriParts, x, quoted));
                if (addArgs && haveArgs) {
                    target = target + (hasQuestion ? '&' : '?') + oldArgs;
                }
                if (script.log()) {
                    RequestProcessor.logError(x, LogLevel.NOTICE, "rewritten redirect: \"" + target + "\"");
                }
                x.responseHeaders().set(HeaderNames.LOCATION, Redirects.absolute(x, target));
                RequestProcessor.finish(x, status);
                return Outcome.DONE;
            }
            String uri = render(uriParts, x, false);
            String args;
            if (argsParts != null) {
                args = render(argsParts, x, quoted);
                if (addArgs && haveArgs) {
                    args = args + "&" + oldArgs;
                }
            } else {
                args = addArgs ? oldArgs : null;
            }
            if (script.log()) {
                RequestProcessor.logError(x, LogLevel.NOTICE, "rewritten data: \"" + uri + "\", args: \""
                        + (args == null ? "" : args) + "\"");
            }
            if (uri.isEmpty()) {
                RequestProcessor.logError(x, LogLevel.ERROR, "the rewritten URI has a zero length");
                RequestProcessor.finish(x, 500);
                return Outcome.DONE;
            }
            x.setUri(uri);
            x.setArgs(args);
            return last ? Outcome.STOP : Outcome.NEXT;
        }

        /** nginx's r->quoted_uri || r->plus_in_uri: the request's path had %XX or '+'. */
        private static boolean quotedUri(HttpExchange x) {
            String target = x.requestUri();
            int q = target.indexOf('?');
            int end = q < 0 ? target.length() : q;
            for (int i = 0; i < end; i++) {
                char c = target.charAt(i);
                if (c == '%' || c == '+') {
                    return true;
                }
            }
            return false;
        }

        private static String render(List<Part> parts, HttpExchange x, boolean escapeCaptures) {
            StringBuilder out = new StringBuilder(64);
            for (Part part : parts) {
                if (part instanceof Literal l) {
                    out.append(l.text());
                } else if (part instanceof Capture c) {
                    String v = x.capture(c.group());
                    if (v != null) {
                        out.append(escapeCaptures ? Redirects.escapeArgs(v) : v);
                    }
                } else {
                    String v = ((Var) part).variable().get(x);
                    if (v != null) {
                        out.append(v);
                    }
                }
            }
            return out.toString();
        }
    }
}
