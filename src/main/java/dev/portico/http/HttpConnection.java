package dev.portico.http;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/** One client connection: what every request on it shares ($connection, addresses, the listen socket). */
public final class HttpConnection {

    private static final AtomicLong SERIAL = new AtomicLong();

    /** The connection on a channel, for the handlers in front of HTTP (TLS logs and variables). */
    public static final io.netty.util.AttributeKey<HttpConnection> KEY =
            io.netty.util.AttributeKey.valueOf(HttpConnection.class, "connection");

    private final long id = SERIAL.incrementAndGet();
    private final Channel channel;
    private ListenSocket listen;
    private boolean secure;
    private String sslServerName;
    private java.util.function.Predicate<VirtualServer> verifiesClients;
    private int requests;
    private VirtualServer sniServer;

    public HttpConnection(Channel channel, ListenSocket listen) {
        this.channel = channel;
        this.listen = listen;
        channel.attr(KEY).set(this);
    }

    public long id() {
        return id;
    }

    public Channel channel() {
        return channel;
    }

    public ListenSocket listen() {
        return listen;
    }

    /**
     * After a reload: the same listen socket in the new configuration, so that the next
     * request on a kept-alive connection is served by the configuration now in force.
     */
    public void updateListen(ListenSocket current) {
        this.listen = current;
    }

    /** True once a TLS handshake completed on this connection ($https, $scheme, no sendfile). */
    public boolean secure() {
        return secure;
    }

    public void markSecure() {
        this.secure = true;
    }

    /**
     * What the TLS handshake's SNI name chose: the name, normalized as a Host (lower case, no
     * trailing dot; nginx's hc->ssl_servername), the server it selects (nginx's hc->conf_ctx, where
     * the connection's own settings come from) and which servers verify client certificates: a
     * request may name another server only when that one does not (ngx_http_set_virtual_server).
     */
    public void negotiated(String serverName, VirtualServer server,
                           java.util.function.Predicate<VirtualServer> verifiesClients) {
        this.sslServerName = serverName;
        this.sniServer = server;
        this.verifiesClients = verifiesClients;
    }

    /** The SNI name the handshake negotiated, or null (none sent, or not TLS). */
    public String sslServerName() {
        return sslServerName;
    }

    /** True when {@code server} verifies client certificates, so it serves only the negotiated name. */
    public boolean verifiesClients(VirtualServer server) {
        return verifiesClients != null && verifiesClients.test(server);
    }

    /** The server the SNI name selected among the address's (its default one for an unknown name), or null. */
    public VirtualServer sniServer() {
        return sniServer;
    }

    /**
     * The server whose settings the connection's own reading takes (nginx's hc->conf_ctx): the one
     * the TLS handshake's SNI name chose, else the default server of the address.
     */
    public VirtualServer connectionServer() {
        if (sniServer != null) {
            return sniServer;
        }
        return listen.serverNames(listen.dependsOnLocalAddress() ? channel.localAddress() : null).defaultServer();
    }

    /** Counts a new request and returns its number on this connection, from 1. */
    public int nextRequest() {
        return ++requests;
    }

    public int requests() {
        return requests;
    }

    /** The client's address as nginx prints it: an IP, or "unix:" for a unix-socket client. */
    public String remoteAddress() {
        SocketAddress a = channel.remoteAddress();
        if (a instanceof InetSocketAddress inet) {
            return inet.getAddress() == null ? inet.getHostString() : text(inet.getAddress());
        }
        return "unix:";
    }

    public String remotePort() {
        SocketAddress a = channel.remoteAddress();
        return a instanceof InetSocketAddress inet ? Integer.toString(inet.getPort()) : "";
    }

    public String localAddress() {
        SocketAddress a = channel.localAddress();
        if (a instanceof InetSocketAddress inet) {
            return inet.getAddress() == null ? inet.getHostString() : text(inet.getAddress());
        }
        return "unix:";
    }

    public String localPort() {
        SocketAddress a = channel.localAddress();
        return a instanceof InetSocketAddress inet ? Integer.toString(inet.getPort()) : "";
    }

    /** An IPv6 address as nginx prints it (RFC 5952): the longest run of zero groups as "::". */
    public static String compressIpv6(String full) {
        int zone = full.indexOf('%');
        String address = zone < 0 ? full : full.substring(0, zone);
        String[] groups = address.split(":");
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < groups.length; ) {
            if (!groups[i].equals("0")) {
                i++;
                continue;
            }
            int j = i;
            while (j < groups.length && groups[j].equals("0")) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        if (bestStart < 0) {
            return address;
        }
        String head = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
        return head + "::" + tail;
    }


    /** An address as nginx prints it: dotted IPv4, or compressed IPv6 without brackets. */
    public static String text(java.net.InetAddress address) {
        String s = address.getHostAddress();
        return address instanceof java.net.Inet6Address ? compressIpv6(s) : s;
    }
}
