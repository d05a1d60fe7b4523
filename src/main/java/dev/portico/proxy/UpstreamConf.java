package dev.portico.proxy;

import dev.portico.config.ConfigException;
import dev.portico.config.syntax.SourceLocation;
import dev.portico.tls.UpstreamSslConf;
import dev.portico.tls.UpstreamTls;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The location-level settings every upstream module has, as nginx's modules fill their
 * ngx_http_upstream_conf_t: timeouts, buffers, headers hidden, passed and ignored,
 * next_upstream, intercept_errors, request and response buffering, the temporary folder,
 * socket keepalive, whether the request's headers and body are passed, and TLS to the upstream
 * ({@link UpstreamSslConf}). A protocol module
 * (proxy, uwsgi) holds one in its own configuration object, declares its directives with
 * {@link UpstreamDirectives} and merges it with {@link #merge}; null means "not set at this
 * level". The merged values are {@link #settings()}.
 */
public final class UpstreamConf {

    Long connectTimeout;
    Long sendTimeout;
    Long readTimeout;
    Boolean passRequestHeaders;
    Boolean passRequestBody;
    List<String> hideHeaders;
    List<String> passHeaders;
    /** *_ignore_headers, lower-case; a level that sets it replaces the parent's set. */
    Set<String> ignoreHeaders;
    Boolean buffering;
    Long bufferSize;
    Integer buffersNumber;
    Long buffersSize;
    /** As configured; the value in force is derived at each level, as nginx does. */
    Long busyBuffersSizeConf;
    /** Where the level's buffer sizes were last set, for the consistency errors. */
    SourceLocation buffersWhere;
    Boolean requestBuffering;
    Boolean interceptErrors;
    List<String> nextUpstream;
    Integer nextUpstreamTries;
    Long nextUpstreamTimeout;
    Boolean socketKeepalive;
    Path tempPath;
    Long maxTempFileSize;
    /** *_ssl_*: TLS to the upstream, for a *_pass that may use it. */
    final UpstreamSslConf ssl = new UpstreamSslConf();

    private UpstreamSettings settings;

    /**
     * Fills what this level did not set from {@code parent} or nginx's default, checks the
     * buffer sizes against each other with nginx's messages (naming {@code family}'s
     * directives), and derives the settings.
     */
    public void merge(UpstreamFamily family, UpstreamConf parent) throws ConfigException {
        connectTimeout = pick(connectTimeout, parent.connectTimeout, 60_000L);
        sendTimeout = pick(sendTimeout, parent.sendTimeout, 60_000L);
        readTimeout = pick(readTimeout, parent.readTimeout, 60_000L);
        passRequestHeaders = pick(passRequestHeaders, parent.passRequestHeaders, true);
        passRequestBody = pick(passRequestBody, parent.passRequestBody, true);
        hideHeaders = pick(hideHeaders, parent.hideHeaders, List.of());
        passHeaders = pick(passHeaders, parent.passHeaders, List.of());
        ignoreHeaders = pick(ignoreHeaders, parent.ignoreHeaders, Set.of());
        buffering = pick(buffering, parent.buffering, true);
        bufferSize = pick(bufferSize, parent.bufferSize, 4096L);
        if (buffersNumber == null) {
            buffersNumber = parent.buffersNumber != null ? parent.buffersNumber : 8;
            buffersSize = parent.buffersSize != null ? parent.buffersSize : 4096L;
        }
        busyBuffersSizeConf = pick(busyBuffersSizeConf, parent.busyBuffersSizeConf, null);
        buffersWhere = pick(buffersWhere, parent.buffersWhere, null);
        requestBuffering = pick(requestBuffering, parent.requestBuffering, true);
        interceptErrors = pick(interceptErrors, parent.interceptErrors, false);
        nextUpstream = pick(nextUpstream, parent.nextUpstream, List.of("error", "timeout"));
        nextUpstreamTries = pick(nextUpstreamTries, parent.nextUpstreamTries, 0);
        nextUpstreamTimeout = pick(nextUpstreamTimeout, parent.nextUpstreamTimeout, 0L);
        socketKeepalive = pick(socketKeepalive, parent.socketKeepalive, false);
        tempPath = pick(tempPath, parent.tempPath, null);
        maxTempFileSize = pick(maxTempFileSize, parent.maxTempFileSize, 1024L * 1024 * 1024);
        ssl.merge(family.prefix(), parent.ssl);
        checkBuffers(family.prefix());
        Set<String> hidden = new LinkedHashSet<>(family.hiddenByDefault());
        for (String h : hideHeaders) {
            hidden.add(h.toLowerCase(Locale.ROOT));
        }
        for (String p : passHeaders) {
            hidden.remove(p.toLowerCase(Locale.ROOT));
        }
        settings = new UpstreamSettings(connectTimeout, sendTimeout, readTimeout,
                (int) Math.min(Integer.MAX_VALUE, bufferSize), passRequestBody, interceptErrors, socketKeepalive,
                dev.portico.http.HeaderNames.anyCase(hidden), nextUpstreamTries, nextUpstreamTimeout,
                buffering, buffersNumber * buffersSize, maxTempFileSize, tempPath,
                Set.copyOf(ignoreHeaders), requestBuffering, nextUpstreamSet(nextUpstream));
    }

    /**
     * nginx's checks of the buffer sizes against each other (ngx_http_proxy_merge_loc_conf,
     * ngx_http_uwsgi_merge_loc_conf).
     */
    private void checkBuffers(String prefix) throws ConfigException {
        if (buffersNumber < 2) {
            throw new ConfigException("there must be at least 2 \"" + prefix + "_buffers\"", buffersWhere);
        }
        long size = Math.max(bufferSize, buffersSize);
        long busyBuffersSize = busyBuffersSizeConf != null ? busyBuffersSizeConf : 2 * size;
        if (busyBuffersSize < size) {
            throw new ConfigException("\"" + prefix + "_busy_buffers_size\" must be equal to or greater than"
                    + " the maximum of the value of \"" + prefix + "_buffer_size\" and one of the \"" + prefix
                    + "_buffers\"", buffersWhere);
        }
        if (busyBuffersSize > (buffersNumber - 1) * buffersSize) {
            throw new ConfigException("\"" + prefix + "_busy_buffers_size\" must be less than the size of all"
                    + " \"" + prefix + "_buffers\" minus one buffer", buffersWhere);
        }
        if (maxTempFileSize != 0 && maxTempFileSize < size) {
            throw new ConfigException("\"" + prefix + "_max_temp_file_size\" must be equal to zero to disable"
                    + " temporary files usage or must be equal to or greater than the maximum of the value of"
                    + " \"" + prefix + "_buffer_size\" and one of the \"" + prefix + "_buffers\"", buffersWhere);
        }
    }

    /** *_next_upstream's words as failures to retry; "off" anywhere in the list retries none, as nginx. */
    private static Set<NextUpstream> nextUpstreamSet(List<String> words) {
        Set<NextUpstream> set = EnumSet.noneOf(NextUpstream.class);
        if (words.contains("off")) {
            return set;
        }
        for (String w : words) {
            NextUpstream n = NextUpstream.of(w);
            if (n != null) {
                set.add(n);
            }
        }
        return Collections.unmodifiableSet(set);
    }

    /** The merged settings, for the engine; null before {@link #merge}. */
    public UpstreamSettings settings() {
        return settings;
    }

    /**
     * TLS to the upstream with this level's *_ssl_* settings, for a *_pass that may use it
     * (https://, suwsgi://, or with variables); built on first use, with nginx's errors.
     */
    public UpstreamTls tls() throws ConfigException {
        return ssl.tls();
    }

    /** *_buffer_size, merged: the largest response head accepted. */
    public int bufferSize() {
        return (int) Math.min(Integer.MAX_VALUE, bufferSize);
    }

    /** *_pass_request_headers, merged. */
    public boolean passRequestHeaders() {
        return passRequestHeaders;
    }

    private static <T> T pick(T own, T inherited, T fallback) {
        return own != null ? own : inherited != null ? inherited : fallback;
    }
}
