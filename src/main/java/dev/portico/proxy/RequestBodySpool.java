package dev.portico.proxy;

import dev.portico.http.HttpCoreModule;
import dev.portico.http.HttpExchange;
import io.netty.buffer.ByteBuf;
import io.netty.channel.DefaultFileRegion;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A request body written to an unlinked temporary file, for an upstream that
 * must know the body's length before it gets the head (nginx's request body
 * buffering into client_body_temp_path). The file goes away when its channel
 * closes, which the file region does once sent.
 */
final class RequestBodySpool {

    private final FileChannel file;
    private long size;

    private RequestBodySpool(FileChannel file) {
        this.file = file;
    }

    static RequestBodySpool create(HttpExchange x) throws IOException {
        Path folder = x.conf().get(HttpCoreModule.CORE).clientBodyTempPath();
        if (folder == null) {
            folder = Path.of(System.getProperty("java.io.tmpdir"));
        }
        Path path = Files.createTempFile(folder, "body", null);
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Files.delete(path);
        return new RequestBodySpool(channel);
    }

    void write(ByteBuf data) throws IOException {
        while (data.isReadable()) {
            size += data.readBytes(file, size, data.readableBytes());
        }
    }

    long size() {
        return size;
    }

    /** The whole body as a region to send; the region closes the file once written. */
    DefaultFileRegion handOver() {
        return new DefaultFileRegion(file, 0, size);
    }

    void discard() {
        try {
            file.close();
        } catch (IOException ignored) {
            // An unlinked temporary file: nothing is lost by a failed close.
        }
    }
}
