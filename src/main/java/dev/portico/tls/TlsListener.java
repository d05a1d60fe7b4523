package dev.portico.tls;

import dev.portico.config.ConfigException;
import dev.portico.http.ListenSocket;
import dev.portico.http.ServerNames;
import dev.portico.http.VirtualServer;
import io.netty.channel.Channel;
import java.net.SocketAddress;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A `listen ... ssl` socket's TLS: every server's context, known at load, and
 * the handlers it puts in front of HTTP on each connection.
 */
final class TlsListener {

    private final ListenSocket socket;
    private final Map<VirtualServer, ServerTlsContext> contexts = new IdentityHashMap<>();

    TlsListener(ListenSocket socket, ServerContexts all) throws ConfigException {
        this.socket = socket;
        for (ServerNames names : socket.allServerNames()) {
            for (VirtualServer server : names.servers()) {
                // nginx's ALPN callback offers h2 by the SNI-chosen server's `http2` or the listen's flag.
                ServerTlsContext context = all.forServer(server, dev.portico.http2.Http2Module.enabled(socket, server));
                if (context != null) {
                    contexts.put(server, context);
                }
            }
        }
    }

    void install(Channel channel) {
        channel.pipeline().addLast("tls-sni", new ServerNameHandler(this));
        channel.pipeline().addLast("tls", new TlsConnectionHandler(socket));
    }

    ListenSocket socket() {
        return socket;
    }

    /**
     * The server a ClientHello's SNI name selects among the servers of this address:port, as
     * nginx's ngx_http_ssl_servername; null without a name. {@code serverName} is normalized
     * as a Host is ({@link dev.portico.http.RequestProcessor#serverName}).
     */
    VirtualServer server(String serverName, SocketAddress local) {
        if (serverName == null) {
            return null;
        }
        return socket.serverNames(socket.dependsOnLocalAddress() ? local : null).select(serverName).server();
    }

    /**
     * The context for the server an SNI name chose ({@link #server}), when it has certificates
     * of its own; else the default server's.
     */
    ServerTlsContext select(VirtualServer chosen, SocketAddress local) {
        ServerTlsContext context = chosen == null ? null : contexts.get(chosen);
        if (context != null) {
            return context;
        }
        return contexts.get(socket.serverNames(socket.dependsOnLocalAddress() ? local : null).defaultServer());
    }
}
