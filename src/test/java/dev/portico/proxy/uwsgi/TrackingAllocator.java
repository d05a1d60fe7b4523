package dev.portico.proxy.uwsgi;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * An allocator that remembers every buffer it made, so that a test can check that each one
 * was released (a leak shows at once, without waiting for the garbage collector). Its
 * buffers are watched by Netty's leak detector too, as the real allocators' are.
 */
final class TrackingAllocator extends AbstractByteBufAllocator {

    private final List<ByteBuf> made = new ArrayList<>();

    TrackingAllocator() {
        super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf b = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
        made.add(b);
        return toLeakAwareBuffer(b);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf b = new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
        made.add(b);
        return toLeakAwareBuffer(b);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    int allocations() {
        return made.size();
    }

    /** The buffers still held by someone: each should have been released. */
    List<ByteBuf> unreleased() {
        return made.stream().filter(b -> b.refCnt() > 0).toList();
    }
}
