package dev.portico.http.rewrite;

import dev.portico.http.HttpCoreConf;
import dev.portico.http.HttpCoreModule;
import dev.portico.http.HttpExchange;
import java.nio.charset.StandardCharsets;

/** The URL work of return and rewrite: nginx's Location completion, redirect unescaping, args escaping. */
public final class Redirects {

    private Redirects() {
    }

    /**
     * Completes a Location that starts with "/" as ngx_http_header_filter does
     * when absolute_redirect is on: scheme, then server_name (with
     * server_name_in_redirect), else the request's Host, else the local
     * address; then the port unless it is the scheme's default or
     * port_in_redirect is off.
     */
    public static String absolute(HttpExchange x, String location) {
        if (location.isEmpty() || location.charAt(0) != '/') {
            return location;
        }
        HttpCoreConf core = x.conf().get(HttpCoreModule.CORE);
        if (!core.absoluteRedirect()) {
            return location;
        }
        String host;
        if (core.serverNameInRedirect()) {
            host = x.server().name();
        } else if (x.host() != null && !x.host().isEmpty()) {
            host = x.host();
        } else {
            host = x.connection().localAddress();
        }
        boolean secure = x.connection().secure();
        int port = 0;
        if (core.portInRedirect()) {
            String local = x.connection().localPort();
            port = local.isEmpty() ? 0 : Integer.parseInt(local);
            if (port == (secure ? 443 : 80)) {
                port = 0;
            }
        }
        StringBuilder out = new StringBuilder(location.length() + host.length() + 16);
        out.append(secure ? "https://" : "http://").append(host);
        if (port != 0) {
            out.append(':').append(port);
        }
        return out.append(location).toString();
    }

    /**
     * ngx_unescape_uri(NGX_UNESCAPE_REDIRECT): decodes %XX to a printable
     * character above '%', keeps other escapes, and stops at the first '?'.
     */
    static String unescapeRedirect(String s) {
        StringBuilder d = new StringBuilder(s.length());
        int n = s.length();
        int i = 0;
        while (i < n) {
            char ch = s.charAt(i);
            if (ch == '?') {
                d.append(s, i, n);
                return d.toString();
            }
            if (ch != '%') {
                d.append(ch);
                i++;
                continue;
            }
            if (i + 1 >= n) {
                return d.toString();
            }
            int hi = Character.digit(s.charAt(i + 1), 16);
            if (hi < 0 || s.charAt(i + 1) > 0x7f) {
                // the invalid quoted character: nginx drops the '%'
                d.append(s.charAt(i + 1));
                i += 2;
                continue;
            }
            if (i + 2 >= n) {
                return d.toString();
            }
            int lo = Character.digit(s.charAt(i + 2), 16);
            if (lo < 0 || s.charAt(i + 2) > 0x7f) {
                // the invalid quoted character: nginx drops the sequence
                i += 3;
                continue;
            }
            int c = (hi << 4) + lo;
            if (c == '?' && Character.isLetter(s.charAt(i + 2))) {
                d.append('?');
                d.append(s, i + 3, n);
                return d.toString();
            }
            if (c > '%' && c < 0x7f) {
                d.append((char) c);
            } else {
                d.append(s, i, i + 3);
            }
            i += 3;
        }
        return d.toString();
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** ngx_escape_uri(NGX_ESCAPE_ARGS): controls, space, # % & + ; ?, DEL and non-ASCII bytes. */
    static String escapeArgs(String s) {
        boolean plain = true;
        for (int i = 0; i < s.length() && plain; i++) {
            plain = !mustEscape(s.charAt(i));
        }
        if (plain) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (mustEscape((char) c)) {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            } else {
                out.append((char) c);
            }
        }
        return out.toString();
    }

    private static boolean mustEscape(char c) {
        return c <= 0x20 || c >= 0x7f || c == '#' || c == '%' || c == '&' || c == '+' || c == ';' || c == '?';
    }
}
