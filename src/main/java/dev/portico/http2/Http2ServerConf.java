package dev.portico.http2;

/**
 * The server-level HTTP/2 settings (nginx's ngx_http_v2_srv_conf_t). A
 * connection takes them from the server its address defaults to, or that SNI
 * chose, when it starts speaking HTTP/2.
 */
public final class Http2ServerConf {
    Boolean enable;
    Integer maxConcurrentStreams;
    Long prereadSize;
    Long poolSize;
    Integer streamsIndexSize;

    static void merge(Http2ServerConf parent, Http2ServerConf child) {
        child.enable = pick(child.enable, parent.enable, false);
        child.maxConcurrentStreams = pick(child.maxConcurrentStreams, parent.maxConcurrentStreams, 128);
        child.prereadSize = pick(child.prereadSize, parent.prereadSize, 65536L);
        child.poolSize = pick(child.poolSize, parent.poolSize, 4096L);
        child.streamsIndexSize = pick(child.streamsIndexSize, parent.streamsIndexSize, 32);
    }

    static <T> T pick(T own, T inherited, T fallback) {
        return own != null ? own : inherited != null ? inherited : fallback;
    }

    /** `http2 on`: HTTP/2 on this server's addresses, as `listen ... http2` turns it on for one address. */
    public boolean enabled() {
        return enable;
    }

    /** SETTINGS_MAX_CONCURRENT_STREAMS: streams past it are refused (RST_STREAM REFUSED_STREAM). */
    public int maxConcurrentStreams() {
        return maxConcurrentStreams;
    }

    /** SETTINGS_INITIAL_WINDOW_SIZE: what a client may send of a request body before it is read. */
    public int prereadSize() {
        return prereadSize.intValue();
    }
}
