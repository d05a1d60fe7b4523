package dev.portico.proxy;

import java.util.Set;

/**
 * The protocol-independent settings of one location's upstream (nginx's
 * ngx_http_upstream_conf_t), as the proxy and uwsgi modules both have them.
 *
 * @param hiddenHeaders lower-case response header names not passed to the client
 */
public record UpstreamSettings(long connectTimeout, long sendTimeout, long readTimeout, int bufferSize,
                               boolean passRequestBody, boolean interceptErrors, boolean socketKeepalive,
                               Set<String> hiddenHeaders) {
}
