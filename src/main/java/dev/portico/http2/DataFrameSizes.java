package dev.portico.http2;

import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.StreamByteDistributor;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import java.util.HashMap;
import java.util.Map;

/**
 * http2_chunk_size as the largest DATA frame: Netty joins a stream's queued
 * writes into frames up to the client's SETTINGS_MAX_FRAME_SIZE (16 KiB at
 * least), so each stream's share of the connection window is handed to the
 * frame writer in pieces no larger than its location's chunk size, one frame
 * each, as nginx cuts a response body. Streams share the window evenly (nginx's
 * stream priorities, deprecated by RFC 9113, are not followed).
 */
final class DataFrameSizes implements StreamByteDistributor {

    private final StreamByteDistributor shares;
    private final int defaultChunk;
    private final Map<Integer, Integer> chunks = new HashMap<>();

    DataFrameSizes(Http2Connection connection, int defaultChunk) {
        this.shares = new UniformStreamByteDistributor(connection);
        this.defaultChunk = defaultChunk;
    }

    /**
     * The stream's location says how large its frames may be; forgotten when the stream
     * closes. Only sizes other than the connection's default are kept (most streams have it).
     */
    void chunkSize(int streamId, int size) {
        if (size != defaultChunk) {
            chunks.put(streamId, size);
        } else if (!chunks.isEmpty()) {
            chunks.remove(streamId);
        }
    }

    void forget(int streamId) {
        if (!chunks.isEmpty()) {
            chunks.remove(streamId);
        }
    }

    @Override
    public void updateStreamableBytes(StreamState state) {
        shares.updateStreamableBytes(state);
    }

    @Override
    public void updateDependencyTree(int childStreamId, int parentStreamId, short weight, boolean exclusive) {
        shares.updateDependencyTree(childStreamId, parentStreamId, weight, exclusive);
    }

    @Override
    public boolean distribute(int maxBytes, Writer writer) throws Http2Exception {
        return shares.distribute(maxBytes, (stream, bytes) -> {
            int chunk = chunks.isEmpty() ? defaultChunk : chunks.getOrDefault(stream.id(), defaultChunk);
            if (bytes == 0) {
                writer.write(stream, 0); // an empty frame (END_STREAM) still goes out
                return;
            }
            while (bytes > 0) {
                int piece = Math.min(bytes, chunk);
                writer.write(stream, piece);
                bytes -= piece;
            }
        });
    }
}
