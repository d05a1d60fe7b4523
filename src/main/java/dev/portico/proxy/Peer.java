package dev.portico.proxy;

import java.net.InetSocketAddress;

/**
 * One upstream server address: a TCP address resolved when the configuration
 * is loaded, or a unix-domain socket path. {@code name} is how nginx prints it
 * in $upstream_addr and the error log ("127.0.0.1:8000", "unix:/run/app.sock").
 */
public record Peer(String name, InetSocketAddress inet, String unixPath) {

    public static Peer tcp(InetSocketAddress address) {
        String host = dev.portico.http.HttpConnection.text(address.getAddress());
        String shown = address.getAddress() instanceof java.net.Inet6Address ? "[" + host + "]" : host;
        return new Peer(shown + ":" + address.getPort(), address, null);
    }

    public static Peer unix(String path) {
        return new Peer("unix:" + path, null, path);
    }

    public boolean isUnix() {
        return unixPath != null;
    }
}
