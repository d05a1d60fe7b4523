package dev.portico.proxy;

import java.util.Set;

/**
 * The protocol-independent settings of one location's upstream (nginx's
 * ngx_http_upstream_conf_t), as the proxy and uwsgi modules both have them.
 *
 * @param hiddenHeaders response header names not passed to the client, matched in any case
 * @param nextTries proxy_next_upstream_tries, 0 for no limit
 * @param nextTimeout proxy_next_upstream_timeout in milliseconds, 0 for no limit
 * @param buffering proxy_buffering: read the response ahead of the client into memory and a temporary file
 * @param buffersSize the memory for that (proxy_buffers number × size)
 * @param maxTempFileSize proxy_max_temp_file_size, 0 for no temporary file
 * @param tempPath proxy_temp_path, or null for the system's temporary folder
 * @param ignoredHeaders lower-case names of the response headers proxy_ignore_headers names (see {@link AccelHeaders})
 * @param requestBuffering proxy_request_buffering: the whole request body is read before connecting
 * @param nextUpstream the failures proxy_next_upstream sends to the next peer (empty for "off")
 */
public record UpstreamSettings(long connectTimeout, long sendTimeout, long readTimeout, int bufferSize,
                               boolean passRequestBody, boolean interceptErrors, boolean socketKeepalive,
                               Set<String> hiddenHeaders, int nextTries, long nextTimeout,
                               boolean buffering, long buffersSize, long maxTempFileSize,
                               java.nio.file.Path tempPath, Set<String> ignoredHeaders,
                               boolean requestBuffering, Set<NextUpstream> nextUpstream) {
}
