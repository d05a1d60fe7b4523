package dev.portico.http2;

/** The http-block HTTP/2 setting (nginx's ngx_http_v2_main_conf_t). */
public final class Http2MainConf {
    /** nginx's read buffer for every HTTP/2 connection of a worker; see {@link Http2Module}. */
    Long recvBufferSize;

    public long recvBufferSize() {
        return recvBufferSize != null ? recvBufferSize : 256 * 1024;
    }
}
