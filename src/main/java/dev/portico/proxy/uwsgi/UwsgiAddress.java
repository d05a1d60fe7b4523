package dev.portico.proxy.uwsgi;

import dev.portico.proxy.PassGroups;

/**
 * A uwsgi_pass address after its optional "uwsgi://", parsed as nginx's ngx_parse_url does
 * it for uwsgi (no URI part, no default port): {@code unix:/path}, {@code host:port},
 * {@code [v6]:port}, or a bare name, which must be an upstream block's.
 *
 * @param host the host as written ("[::1]" keeps its brackets), or the unix socket's path
 * @param port the port written, or -1 (always -1 for a unix socket)
 */
record UwsgiAddress(String host, int port, boolean unix) {

    /** What nginx's ngx_url_t err says of an address it cannot parse ("invalid port"). */
    static final class BadAddress extends Exception {
        BadAddress(String message) {
            super(message, null, false, false);
        }
    }

    /** The longest unix socket path (sun_path holds 108 bytes with the closing NUL). */
    private static final int MAX_UNIX_PATH = 107;

    static UwsgiAddress parse(String address) throws BadAddress {
        if (address.regionMatches(true, 0, "unix:", 0, 5)) {
            String path = address.substring(5);
            if (path.isEmpty()) {
                throw new BadAddress("no path in the unix domain socket");
            }
            if (path.length() > MAX_UNIX_PATH) {
                throw new BadAddress("too long path in the unix domain socket");
            }
            return new UwsgiAddress(path, -1, true);
        }
        if (address.startsWith("[")) {
            return inet6(address);
        }
        int colon = address.indexOf(':');
        if (address.indexOf('/') >= 0 || address.indexOf('?') >= 0) {
            throw new BadAddress("invalid host");
        }
        int port = -1;
        String host = address;
        if (colon >= 0) {
            port = port(address.substring(colon + 1));
            host = address.substring(0, colon);
        }
        if (host.isEmpty()) {
            throw new BadAddress("no host");
        }
        return new UwsgiAddress(host, port, false);
    }

    /** ngx_parse_inet6_url: "[address]" with an optional ":port" and nothing else. */
    private static UwsgiAddress inet6(String address) throws BadAddress {
        int close = address.indexOf(']');
        if (close < 0 || address.indexOf('/', close) >= 0 || address.indexOf('?', close) >= 0) {
            throw new BadAddress("invalid host");
        }
        String after = address.substring(close + 1);
        int port = -1;
        if (!after.isEmpty()) {
            if (after.charAt(0) != ':') {
                throw new BadAddress("invalid host");
            }
            port = port(after.substring(1));
        }
        if (close == 1) {
            throw new BadAddress("no host");
        }
        String host = address.substring(0, close + 1);
        if (PassGroups.literalAddress(host) == null) {
            throw new BadAddress("invalid IPv6 address");
        }
        return new UwsgiAddress(host, port, false);
    }

    /** ngx_atoi within 1-65535, else "invalid port". */
    private static int port(String text) throws BadAddress {
        int n = 0;
        if (text.isEmpty() || text.length() > 9) {
            throw new BadAddress("invalid port");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw new BadAddress("invalid port");
            }
            n = n * 10 + (c - '0');
        }
        if (n < 1 || n > 65535) {
            throw new BadAddress("invalid port");
        }
        return n;
    }
}
