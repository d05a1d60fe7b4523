package dev.portico.http;

import dev.portico.config.ConfigException;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Values;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Locale;

/** One `listen` directive, parsed as ngx_http_core_listen does. */
public record ListenSpec(SocketAddress address, boolean wildcard, boolean defaultServer, int backlog,
                         boolean reusePort, Boolean ipv6Only, int receiveBuffer, int sendBuffer,
                         boolean bind, boolean ssl, boolean http2, String text,
                         dev.portico.config.syntax.SourceLocation where) {

    static final int DEFAULT_BACKLOG = 511;

    /** The listen nginx assumes for a server without one: *:80 as root, *:8000 otherwise. */
    static ListenSpec implicit(boolean root) {
        int port = root ? 80 : 8000;
        return new ListenSpec(new InetSocketAddress(port), true, false, DEFAULT_BACKLOG, false, null,
                -1, -1, false, false, false, "*:" + port, null);
    }

    static ListenSpec parse(DirectiveCall call) throws ConfigException {
        String text = call.arg(0);
        SocketAddress address;
        boolean wildcard = false;
        if (text.startsWith("unix:")) {
            String path = text.substring(5);
            if (path.isEmpty()) {
                throw call.error("no path in the unix domain socket \"" + text + "\"");
            }
            address = new io.netty.channel.unix.DomainSocketAddress(Path.of(path).toString());
        } else {
            String host;
            String port;
            if (text.startsWith("[")) {
                int close = text.indexOf(']');
                if (close < 0) {
                    throw call.error("invalid host in \"" + text + "\" of the \"listen\" directive");
                }
                host = text.substring(1, close);
                String rest = text.substring(close + 1);
                port = rest.startsWith(":") ? rest.substring(1) : "80";
                if (!rest.isEmpty() && !rest.startsWith(":")) {
                    throw call.error("invalid host in \"" + text + "\" of the \"listen\" directive");
                }
            } else {
                int colon = text.lastIndexOf(':');
                if (colon >= 0) {
                    host = text.substring(0, colon);
                    port = text.substring(colon + 1);
                } else if (Values.number(text) >= 0) {
                    host = "*";
                    port = text;
                } else {
                    host = text;
                    port = "80";
                }
            }
            long portNumber = Values.number(port);
            if (portNumber < 1 || portNumber > 65535) {
                throw call.error("invalid port in \"" + text + "\" of the \"listen\" directive");
            }
            if (host.equals("*") || host.isEmpty()) {
                address = new InetSocketAddress((int) portNumber);
                wildcard = true;
            } else {
                try {
                    InetAddress inet = InetAddress.getByName(host);
                    address = new InetSocketAddress(inet, (int) portNumber);
                    wildcard = inet.isAnyLocalAddress();
                } catch (UnknownHostException e) {
                    throw call.error("host not found in \"" + text + "\" of the \"listen\" directive");
                }
            }
        }
        boolean defaultServer = false;
        int backlog = DEFAULT_BACKLOG;
        boolean reusePort = false;
        boolean bind = false;
        Boolean ipv6Only = null;
        int rcvbuf = -1;
        int sndbuf = -1;
        boolean ssl = false;
        boolean http2 = false;
        for (int i = 1; i < call.argCount(); i++) {
            String p = call.arg(i);
            if (p.equals("default_server") || p.equals("default")) {
                defaultServer = true;
            } else if (p.startsWith("backlog=")) {
                long v = Values.number(p.substring(8));
                if (v <= 0 || v > Integer.MAX_VALUE) {
                    throw call.error("invalid backlog \"" + p.substring(8) + "\"");
                }
                backlog = (int) v;
            } else if (p.equals("reuseport")) {
                reusePort = true;
                bind = true;
            } else if (p.equals("bind")) {
                bind = true;
            } else if (p.startsWith("ipv6only=")) {
                Boolean v = Values.flag(p.substring(9));
                if (v == null) {
                    throw call.error("invalid ipv6only flags \"" + p.substring(9) + "\"");
                }
                ipv6Only = v;
                bind = true;
            } else if (p.startsWith("rcvbuf=")) {
                long v = Values.size(p.substring(7));
                if (v < 0) {
                    throw call.error("invalid rcvbuf \"" + p.substring(7) + "\"");
                }
                rcvbuf = (int) v;
            } else if (p.startsWith("sndbuf=")) {
                long v = Values.size(p.substring(7));
                if (v < 0) {
                    throw call.error("invalid sndbuf \"" + p.substring(7) + "\"");
                }
                sndbuf = (int) v;
            } else if (p.equals("deferred") || p.startsWith("so_keepalive=") || p.startsWith("fastopen=")
                    || p.startsWith("accept_filter=") || p.startsWith("setfib=")) {
                // Socket tuning that changes no behaviour a client can see; accepted as nginx does.
                bind = true;
            } else if (p.equals("ssl")) {
                // The certificates and settings are the ssl_* directives' (dev.portico.tls).
                ssl = true;
            } else if (p.equals("http2")) {
                // HTTP/2 on this address, as `http2 on` in its servers (dev.portico.http2): ALPN
                // offers h2 on TLS, and a cleartext client may start with HTTP/2's preface.
                http2 = true;
            } else if (p.equals("quic") || p.equals("proxy_protocol")
                    || p.equals("http3") || p.equals("spdy")) {
                throw call.error("the \"" + p + "\" parameter of the \"listen\" directive is not supported"
                        + " by portico yet");
            } else {
                throw call.error("invalid parameter \"" + p + "\"");
            }
        }
        return new ListenSpec(address, wildcard, defaultServer, backlog, reusePort, ipv6Only, rcvbuf, sndbuf,
                bind, ssl, http2, text.toLowerCase(Locale.ROOT), call.where());
    }

    /** The port, or -1 for a unix socket. */
    public int port() {
        return address instanceof InetSocketAddress inet ? inet.getPort() : -1;
    }
}
