package dev.portico.http;

import io.netty.buffer.ByteBuf;
import java.nio.channels.FileChannel;
import java.util.List;

/**
 * The body of a response that a content handler hands over: nothing, bytes in
 * memory, a slice of an open file (sent with sendfile where the connection
 * allows it), several of these in order (multipart ranges), or a stream
 * produced while it is written (a proxied response), or a switch to another
 * protocol (a proxied WebSocket).
 */
public sealed interface ResponseBody {

    long length();

    /** Gives back what the body holds when it will not be written. */
    void discard();

    ResponseBody EMPTY = new Empty();

    record Empty() implements ResponseBody {
        @Override
        public long length() {
            return 0;
        }

        @Override
        public void discard() {
        }
    }

    record Bytes(ByteBuf buffer) implements ResponseBody {
        @Override
        public long length() {
            return buffer.readableBytes();
        }

        @Override
        public void discard() {
            buffer.release();
        }
    }

    /** A region of a file; the channel is closed once the body is written or discarded. */
    record FileSlice(FileChannel file, long offset, long count, boolean closeFile) implements ResponseBody {
        @Override
        public long length() {
            return count;
        }

        @Override
        public void discard() {
            if (closeFile) {
                try {
                    file.close();
                } catch (java.io.IOException ignored) {
                    // Closing a read-only file cannot lose data.
                }
            }
        }
    }

    /** A body produced while it is written; {@code length} is -1 when not known in advance. */
    record Stream(long length, BodySource source) implements ResponseBody {
        @Override
        public void discard() {
            source.discard();
        }
    }

    /** No body: the connection switches protocols (101) and carries raw bytes to and from {@code tunnel}. */
    record Switched(Tunnel tunnel) implements ResponseBody {
        @Override
        public long length() {
            return -1;
        }

        @Override
        public void discard() {
            tunnel.discard();
        }
    }

    record Parts(List<ResponseBody> parts) implements ResponseBody {
        @Override
        public long length() {
            long n = 0;
            for (ResponseBody p : parts) {
                n += p.length();
            }
            return n;
        }

        @Override
        public void discard() {
            for (ResponseBody p : parts) {
                p.discard();
            }
        }
    }
}
