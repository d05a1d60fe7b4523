package dev.portico.http2;

/** The location-level HTTP/2 setting (nginx's ngx_http_v2_loc_conf_t): the response body's slice size. */
public final class Http2LocationConf {
    Long chunkSize;

    static void merge(Http2LocationConf parent, Http2LocationConf child) {
        child.chunkSize = Http2ServerConf.pick(child.chunkSize, parent.chunkSize, 8L * 1024);
    }

    /** The largest DATA frame a response body is cut into (http2_chunk_size). */
    public int chunkSize() {
        return chunkSize.intValue();
    }
}
