package dev.portico.health;

import dev.portico.config.ConfigException;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Values;
import dev.portico.config.syntax.SourceLocation;

/**
 * One {@code health_check} directive's parameters, as NGINX Plus's ngx_http_upstream_hc_module
 * takes them:
 * {@code health_check [interval=5s] [jitter=0] [fails=1] [passes=1] [uri=/] [match=NAME]
 * [port=N] [mandatory [persistent]] [keepalive_time=T];}.
 *
 * @param intervalMillis time between the end of one check of a peer and the start of the next
 * @param jitterMillis   each check is delayed by a random time below this
 * @param match          the match block's name, or null for NGINX Plus's default (2xx or 3xx)
 * @param port           the port to connect to instead of the server's, or -1
 * @param mandatory      a peer starts in the "checking" state (no traffic) until its first check
 * @param persistent     with mandatory: a peer that was healthy before a reload starts healthy
 * @param keepaliveTime  parsed and ignored: every check uses a connection of its own
 */
public record HealthCheck(long intervalMillis, long jitterMillis, int fails, int passes, String uri, String match,
                          int port, boolean mandatory, boolean persistent, long keepaliveTime,
                          SourceLocation where) {

    static HealthCheck parse(DirectiveCall c) throws ConfigException {
        long interval = 5000;
        long jitter = 0;
        int fails = 1;
        int passes = 1;
        String uri = "/";
        String match = null;
        int port = -1;
        boolean mandatory = false;
        boolean persistent = false;
        long keepaliveTime = -1;
        for (String a : c.args()) {
            int eq = a.indexOf('=');
            String key = eq < 0 ? a : a.substring(0, eq);
            String value = eq < 0 ? null : a.substring(eq + 1);
            switch (eq < 0 ? "" : key) {
                case "interval" -> interval = positive(c, a, Values.millis(value));
                case "jitter" -> jitter = atLeast(c, a, Values.millis(value), 0);
                case "fails" -> fails = (int) atLeast(c, a, Values.number(value), 1);
                case "passes" -> passes = (int) atLeast(c, a, Values.number(value), 1);
                case "uri" -> uri = nonEmpty(c, a, value);
                case "match" -> match = nonEmpty(c, a, value);
                case "port" -> {
                    long n = Values.number(value);
                    if (n < 1 || n > 65535) {
                        throw invalid(c, a);
                    }
                    port = (int) n;
                }
                case "keepalive_time" -> keepaliveTime = positive(c, a, Values.millis(value));
                case "type" -> {
                    if (value.equals("grpc")) {
                        throw c.error("gRPC health checks (\"type=grpc\") are not supported by portico");
                    }
                    throw invalid(c, a);
                }
                case "" -> {
                    switch (a) {
                        case "mandatory" -> mandatory = true;
                        case "persistent" -> {
                            if (!mandatory) {
                                throw c.error("\"persistent\" requires \"mandatory\" before it in \"health_check\"");
                            }
                            persistent = true;
                        }
                        default -> throw invalid(c, a);
                    }
                }
                default -> throw invalid(c, a);
            }
        }
        return new HealthCheck(interval, jitter, fails, passes, uri, match, port, mandatory, persistent,
                keepaliveTime, c.where());
    }

    private static long positive(DirectiveCall c, String arg, long v) throws ConfigException {
        return atLeast(c, arg, v, 1);
    }

    private static long atLeast(DirectiveCall c, String arg, long v, long min) throws ConfigException {
        if (v < min) {
            throw invalid(c, arg);
        }
        return v;
    }

    private static String nonEmpty(DirectiveCall c, String arg, String v) throws ConfigException {
        if (v.isEmpty()) {
            throw invalid(c, arg);
        }
        return v;
    }

    private static ConfigException invalid(DirectiveCall c, String arg) {
        return c.error("invalid parameter \"" + arg + "\"");
    }
}
