package dev.portico.proxy.http;

import dev.portico.http.Template;
import dev.portico.proxy.NextUpstream;
import dev.portico.proxy.UpstreamSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The proxy module's location-level settings (ngx_http_proxy_loc_conf_t).
 * Null means "not set at this level"; {@link #merge} fills from the parent or
 * nginx's default. proxy_pass itself is not inherited by nested locations.
 */
final class ProxyConf {

    /** One header sent to the upstream; its value is rendered per request, empty means "not sent". */
    record HeaderSetting(String name, dev.portico.http.Variable value) {
    }

    /** One proxy_redirect rule; {@link #DEFAULT} stands for "proxy_redirect default". */
    record Redirect(Template from, Template to) {
        static final Redirect DEFAULT = new Redirect(null, null);
    }

    /** Response headers nginx never passes unless proxy_pass_header names them. */
    static final List<String> HIDDEN_BY_DEFAULT = List.of("date", "server", "x-pad", "x-accel-expires",
            "x-accel-redirect", "x-accel-limit-rate", "x-accel-buffering", "x-accel-charset");

    ProxyPass pass;
    List<HeaderSetting> setHeaders;
    Integer httpVersion;
    Boolean passRequestHeaders;
    Boolean passRequestBody;
    List<String> hideHeaders;
    List<String> passHeaders;
    Long connectTimeout;
    Long sendTimeout;
    Long readTimeout;
    List<Redirect> redirects;
    Boolean buffering;
    Long bufferSize;
    Integer buffersNumber;
    Long buffersSize;
    /** As configured; the value in force is {@link #busyBuffersSize}, derived at each level as nginx does. */
    Long busyBuffersSizeConf;
    long busyBuffersSize;
    /** Where the level's buffer sizes were last set, for the consistency errors. */
    dev.portico.config.syntax.SourceLocation buffersWhere;
    Boolean requestBuffering;
    Boolean interceptErrors;
    List<String> nextUpstream;
    Integer nextUpstreamTries;
    Long nextUpstreamTimeout;
    Boolean socketKeepalive;
    Path tempPath;
    Long maxTempFileSize;
    /** proxy_ignore_headers, lower-case; a level that sets it replaces the parent's set. */
    Set<String> ignoreHeaders;

    /** Lower-case names of setHeaders, after the merge: client headers of these names are not passed. */
    Set<String> setHeaderNames;
    UpstreamSettings settings;

    static void merge(ProxyConf parent, ProxyConf child) throws dev.portico.config.ConfigException {
        if (child.setHeaders == null) {
            child.setHeaders = parent.setHeaders;
        }
        child.httpVersion = pick(child.httpVersion, parent.httpVersion, 10);
        child.passRequestHeaders = pick(child.passRequestHeaders, parent.passRequestHeaders, true);
        child.passRequestBody = pick(child.passRequestBody, parent.passRequestBody, true);
        child.hideHeaders = pick(child.hideHeaders, parent.hideHeaders, List.of());
        child.passHeaders = pick(child.passHeaders, parent.passHeaders, List.of());
        child.connectTimeout = pick(child.connectTimeout, parent.connectTimeout, 60_000L);
        child.sendTimeout = pick(child.sendTimeout, parent.sendTimeout, 60_000L);
        child.readTimeout = pick(child.readTimeout, parent.readTimeout, 60_000L);
        if (child.redirects == null) {
            child.redirects = parent.redirects;
        }
        child.buffering = pick(child.buffering, parent.buffering, true);
        child.bufferSize = pick(child.bufferSize, parent.bufferSize, 4096L);
        if (child.buffersNumber == null) {
            child.buffersNumber = parent.buffersNumber != null ? parent.buffersNumber : 8;
            child.buffersSize = parent.buffersSize != null ? parent.buffersSize : 4096L;
        }
        child.busyBuffersSizeConf = pick(child.busyBuffersSizeConf, parent.busyBuffersSizeConf, null);
        child.buffersWhere = pick(child.buffersWhere, parent.buffersWhere, null);
        child.requestBuffering = pick(child.requestBuffering, parent.requestBuffering, true);
        child.interceptErrors = pick(child.interceptErrors, parent.interceptErrors, false);
        child.nextUpstream = pick(child.nextUpstream, parent.nextUpstream, List.of("error", "timeout"));
        child.nextUpstreamTries = pick(child.nextUpstreamTries, parent.nextUpstreamTries, 0);
        child.nextUpstreamTimeout = pick(child.nextUpstreamTimeout, parent.nextUpstreamTimeout, 0L);
        child.socketKeepalive = pick(child.socketKeepalive, parent.socketKeepalive, false);
        child.tempPath = pick(child.tempPath, parent.tempPath, null);
        child.maxTempFileSize = pick(child.maxTempFileSize, parent.maxTempFileSize, 1024L * 1024 * 1024);
        child.ignoreHeaders = pick(child.ignoreHeaders, parent.ignoreHeaders, Set.of());
        checkBuffers(child);
        child.finish();
    }

    /** nginx's checks of the buffer sizes against each other (ngx_http_proxy_merge_loc_conf). */
    private static void checkBuffers(ProxyConf c) throws dev.portico.config.ConfigException {
        if (c.buffersNumber < 2) {
            throw new dev.portico.config.ConfigException("there must be at least 2 \"proxy_buffers\"", c.buffersWhere);
        }
        long size = Math.max(c.bufferSize, c.buffersSize);
        c.busyBuffersSize = c.busyBuffersSizeConf != null ? c.busyBuffersSizeConf : 2 * size;
        if (c.busyBuffersSize < size) {
            throw new dev.portico.config.ConfigException("\"proxy_busy_buffers_size\" must be equal to or greater than"
                    + " the maximum of the value of \"proxy_buffer_size\" and one of the \"proxy_buffers\"",
                    c.buffersWhere);
        }
        if (c.busyBuffersSize > (c.buffersNumber - 1) * c.buffersSize) {
            throw new dev.portico.config.ConfigException("\"proxy_busy_buffers_size\" must be less than the size of all"
                    + " \"proxy_buffers\" minus one buffer", c.buffersWhere);
        }
        if (c.maxTempFileSize != 0 && c.maxTempFileSize < size) {
            throw new dev.portico.config.ConfigException("\"proxy_max_temp_file_size\" must be equal to zero to disable"
                    + " temporary files usage or must be equal to or greater than the maximum of the value of"
                    + " \"proxy_buffer_size\" and one of the \"proxy_buffers\"", c.buffersWhere);
        }
    }

    /** Derived values, computed once per level after the merge. */
    private void finish() {
        List<HeaderSetting> all = new ArrayList<>(setHeaders == null ? List.of() : setHeaders);
        Set<String> names = new HashSet<>();
        for (HeaderSetting s : all) {
            names.add(s.name().toLowerCase(Locale.ROOT));
        }
        // nginx's defaults come after the configured headers unless those name them.
        if (!names.contains("host")) {
            all.add(new HeaderSetting("Host", ProxyModule::proxyHost));
        }
        if (!names.contains("connection")) {
            all.add(new HeaderSetting("Connection", x -> "close"));
        }
        effectiveHeaders = List.copyOf(all);
        names.add("host");
        names.add("connection");
        setHeaderNames = Set.copyOf(names);
        Set<String> hidden = new LinkedHashSet<>(HIDDEN_BY_DEFAULT);
        for (String h : hideHeaders) {
            hidden.add(h.toLowerCase(Locale.ROOT));
        }
        for (String p : passHeaders) {
            hidden.remove(p.toLowerCase(Locale.ROOT));
        }
        settings = new UpstreamSettings(connectTimeout, sendTimeout, readTimeout,
                (int) Math.min(Integer.MAX_VALUE, bufferSize), passRequestBody, interceptErrors, socketKeepalive,
                Set.copyOf(hidden), nextUpstreamTries, nextUpstreamTimeout,
                buffering, buffersNumber * buffersSize, maxTempFileSize, tempPath,
                Set.copyOf(ignoreHeaders), requestBuffering, nextUpstreamSet(nextUpstream));
        protocol = pass == null ? null : new HttpProxyProtocol(this);
    }

    /** proxy_next_upstream's words as failures to retry; "off" anywhere in the list retries none, as nginx. */
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

    /** The HTTP protocol of this location's proxy_pass; null without one. */
    HttpProxyProtocol protocol;

    /** setHeaders with nginx's Host and Connection defaults added, in the order they are sent. */
    List<HeaderSetting> effectiveHeaders;

    /** The proxy_redirect rules in force: "default" when none was configured anywhere. */
    List<Redirect> redirectRules() {
        return redirects == null ? List.of(Redirect.DEFAULT) : redirects;
    }

    private static <T> T pick(T own, T inherited, T fallback) {
        return own != null ? own : inherited != null ? inherited : fallback;
    }
}
