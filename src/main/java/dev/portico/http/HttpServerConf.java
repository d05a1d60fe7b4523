package dev.portico.http;

import dev.portico.config.syntax.SourceLocation;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** The server-level settings of the HTTP core (ngx_http_core_srv_conf_t). */
public final class HttpServerConf {
    final List<ListenSpec> listens = new ArrayList<>();
    /** Where each of {@link #listens} was written, for errors found once all servers are known. */
    final List<dev.portico.config.syntax.SourceLocation> listenWhere = new ArrayList<>();
    final List<String> names = new ArrayList<>();
    final List<Pattern> namePatterns = new ArrayList<>();
    boolean namesSet;
    Long clientHeaderTimeout;
    Long clientHeaderBufferSize;
    Integer largeHeaderBuffers;
    Long largeHeaderBufferSize;
    Boolean mergeSlashes;
    Boolean underscoresInHeaders;
    Boolean ignoreInvalidHeaders;
    SourceLocation where;
    VirtualServer server;
    /** Netty's HTTP/1 decoder limits from the header buffers, made once at load for every connection. */
    private io.netty.handler.codec.http.HttpDecoderConfig decoderConfig;

    static void merge(HttpServerConf parent, HttpServerConf child) {
        child.clientHeaderTimeout = HttpCoreConf.pick(child.clientHeaderTimeout, parent.clientHeaderTimeout, 60_000L);
        child.clientHeaderBufferSize = HttpCoreConf.pick(child.clientHeaderBufferSize,
                parent.clientHeaderBufferSize, 1024L);
        if (child.largeHeaderBuffers == null) {
            child.largeHeaderBuffers = parent.largeHeaderBuffers != null ? parent.largeHeaderBuffers : 4;
            child.largeHeaderBufferSize = parent.largeHeaderBufferSize != null ? parent.largeHeaderBufferSize : 8192L;
        }
        child.mergeSlashes = HttpCoreConf.pick(child.mergeSlashes, parent.mergeSlashes, true);
        child.underscoresInHeaders = HttpCoreConf.pick(child.underscoresInHeaders, parent.underscoresInHeaders, false);
        child.ignoreInvalidHeaders = HttpCoreConf.pick(child.ignoreInvalidHeaders, parent.ignoreInvalidHeaders, true);
        // A request line longer than one large buffer is 414; the head as a whole is bounded by all of
        // them (the line-by-line packing into buffers is server.RequestDecoder's).
        child.decoderConfig = new io.netty.handler.codec.http.HttpDecoderConfig()
                .setMaxInitialLineLength((int) (long) child.largeHeaderBufferSize)
                .setMaxHeaderSize((int) (child.largeHeaderBufferSize * child.largeHeaderBuffers))
                .setMaxChunkSize(64 * 1024)
                .setInitialBufferSize(128);
    }

    public long clientHeaderTimeout() { return clientHeaderTimeout; }
    public long clientHeaderBufferSize() { return clientHeaderBufferSize; }
    public int largeHeaderBuffers() { return largeHeaderBuffers; }
    public long largeHeaderBufferSize() { return largeHeaderBufferSize; }
    public io.netty.handler.codec.http.HttpDecoderConfig decoderConfig() { return decoderConfig; }
    public boolean mergeSlashes() { return mergeSlashes; }
    public boolean underscoresInHeaders() { return underscoresInHeaders; }
    public boolean ignoreInvalidHeaders() { return ignoreInvalidHeaders; }
    public VirtualServer server() { return server; }
}
