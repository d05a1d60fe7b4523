package dev.portico.proxy;

import java.util.Set;

/**
 * The protocol-independent settings of one location's upstream (nginx's
 * ngx_http_upstream_conf_t), as the proxy and uwsgi modules both have them.
 *
 * @param hiddenHeaders lower-case response header names not passed to the client
 * @param nextTries proxy_next_upstream_tries, 0 for no limit
 * @param nextTimeout proxy_next_upstream_timeout in milliseconds, 0 for no limit
 * @param requestBuffering proxy_request_buffering: the whole request body is read before connecting
 * @param nextUpstream the failures proxy_next_upstream sends to the next peer (empty for "off")
 */
public record UpstreamSettings(long connectTimeout, long sendTimeout, long readTimeout, int bufferSize,
                               boolean passRequestBody, boolean interceptErrors, boolean socketKeepalive,
                               Set<String> hiddenHeaders, int nextTries, long nextTimeout,
                               boolean requestBuffering, Set<NextUpstream> nextUpstream) {
}
