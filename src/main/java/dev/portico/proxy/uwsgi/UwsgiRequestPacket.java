package dev.portico.proxy.uwsgi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * A request packet as {@link UwsgiProtocol#encodeRequestHead} gives it to the engine: the
 * packet's bytes, and whether the request is HEAD (its response has no body), which the
 * connection's response decoder learns when the packet is written.
 */
public final class UwsgiRequestPacket extends DefaultByteBufHolder {

    private final boolean head;

    public UwsgiRequestPacket(ByteBuf packet, boolean head) {
        super(packet);
        this.head = head;
    }

    public boolean head() {
        return head;
    }
}
