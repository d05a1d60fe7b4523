package dev.portico.proxy;

import dev.portico.http.HttpCoreModule;
import dev.portico.http.HttpExchange;
import dev.portico.http.RequestProcessor;
import dev.portico.log.LogLevel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.stream.ChunkedInput;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A whole request body read before the upstream is contacted (nginx's
 * buffered request body: proxy_request_buffering on, or a chunked body for an
 * upstream that needs its length). It stays in memory up to
 * client_body_buffer_size; a larger body goes to an unlinked temporary file in
 * client_body_temp_path, as nginx writes it there. Each try sends it again
 * from the start, so a retry on the next peer carries the full body.
 */
final class RequestBodySpool {

    private final HttpExchange x;
    private final long memoryLimit;
    private ByteBuf memory;
    private FileChannel file;
    private long size;

    private RequestBodySpool(HttpExchange x, long memoryLimit) {
        this.x = x;
        this.memoryLimit = memoryLimit;
    }

    static RequestBodySpool create(HttpExchange x) {
        return new RequestBodySpool(x, x.conf().get(HttpCoreModule.CORE).clientBodyBufferSize());
    }

    void write(ByteBuf data) throws IOException {
        int n = data.readableBytes();
        if (file == null && size + n <= memoryLimit) {
            if (memory == null) {
                memory = x.connection().channel().alloc().buffer(n, (int) memoryLimit);
            }
            memory.writeBytes(data);
            size += n;
            return;
        }
        if (file == null) {
            openFile();
        }
        while (data.isReadable()) {
            size += data.readBytes(file, size, data.readableBytes());
        }
    }

    /** The body outgrew client_body_buffer_size: it goes on in a file, what was in memory first. */
    private void openFile() throws IOException {
        Path folder = x.conf().get(HttpCoreModule.CORE).clientBodyTempPath();
        Path path = Files.createTempFile(folder, "body", null);
        file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Files.delete(path);
        RequestProcessor.logError(x, LogLevel.WARN, "a client request body is buffered to a temporary file "
                + path);
        long at = 0;
        if (memory != null) {
            while (memory.isReadable()) {
                at += memory.readBytes(file, at, memory.readableBytes());
            }
            memory.release();
            memory = null;
        }
    }

    long size() {
        return size;
    }

    /**
     * The whole body for one try: a view of the memory, or the file, left open
     * for a later try: a region of it (sendfile) when {@code fileRegion}, else
     * pieces read from it for a ChunkedWriteHandler (TLS cannot send a region).
     */
    Object content(UpstreamProtocol protocol, boolean fileRegion) {
        if (file == null) {
            return protocol.encodeBodyPart(memory.retainedDuplicate());
        }
        if (!fileRegion) {
            return new FilePieces(protocol, file, size);
        }
        return new DefaultFileRegion(file, 0, size) {
            @Override
            protected void deallocate() {
                // The spool owns the file; a retry sends it again.
            }
        };
    }

    /** The spooled file in pieces of {@link #PIECE} bytes, each as the protocol's body part. */
    private static final class FilePieces implements ChunkedInput<Object> {
        private static final int PIECE = 64 * 1024;
        private final UpstreamProtocol protocol;
        private final FileChannel file;
        private final long size;
        private long at;

        FilePieces(UpstreamProtocol protocol, FileChannel file, long size) {
            this.protocol = protocol;
            this.file = file;
            this.size = size;
        }

        @Override
        public boolean isEndOfInput() {
            return at >= size;
        }

        @Override
        public void close() {
            // The spool owns the file; a retry sends it again.
        }

        @Override
        @Deprecated
        public Object readChunk(ChannelHandlerContext ctx) throws IOException {
            return readChunk(ctx.alloc());
        }

        @Override
        public Object readChunk(ByteBufAllocator allocator) throws IOException {
            if (isEndOfInput()) {
                return null;
            }
            int n = (int) Math.min(PIECE, size - at);
            ByteBuf piece = allocator.buffer(n);
            try {
                while (piece.writableBytes() > 0) {
                    int read = piece.writeBytes(file, at + piece.writerIndex(), piece.writableBytes());
                    if (read < 0) {
                        throw new IOException("the temporary file of the request body ended early");
                    }
                }
                at += n;
                return protocol.encodeBodyPart(piece);
            } catch (IOException e) {
                piece.release();
                throw e;
            }
        }

        @Override
        public long length() {
            return size;
        }

        @Override
        public long progress() {
            return at;
        }
    }

    void discard() {
        if (memory != null) {
            memory.release();
            memory = null;
        }
        if (file != null) {
            try {
                file.close();
            } catch (IOException ignored) {
                // An unlinked temporary file: nothing is lost by a failed close.
            }
            file = null;
        }
    }
}
