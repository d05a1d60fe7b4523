package dev.portico.http;

import java.util.List;
import java.util.Map;

/**
 * The location-level settings of the HTTP core (ngx_http_core_loc_conf_t):
 * present in http, every server and every location, merged downwards. Null
 * means "not set here"; the merge writes the default exactly once.
 */
public final class HttpCoreConf {
    Long clientMaxBodySize;
    Long clientBodyBufferSize;
    Long clientBodyTimeout;
    Long sendTimeout;
    Long keepaliveTimeout;
    Long keepaliveHeaderTimeout;
    Integer keepaliveRequests;
    Long keepaliveTime;
    Boolean sendfile;
    Boolean tcpNopush;
    Boolean tcpNodelay;
    Boolean serverTokens;
    Boolean logNotFound;
    Boolean recursiveErrorPages;
    Boolean absoluteRedirect;
    Boolean serverNameInRedirect;
    Boolean portInRedirect;
    Boolean chunkedTransferEncoding;
    Long lingeringTimeout;
    Long lingeringTime;
    String lingeringClose;
    List<ErrorPage> errorPages;
    Map<String, String> types;
    String defaultType;
    java.nio.file.Path clientBodyTempPath;
    /** Set by a module that serves the location itself (proxy_pass...); not inherited by nested locations. */
    ContentHandler handler;

    static void merge(HttpCoreConf parent, HttpCoreConf child) {
        child.clientMaxBodySize = pick(child.clientMaxBodySize, parent.clientMaxBodySize, 1024L * 1024);
        child.clientBodyBufferSize = pick(child.clientBodyBufferSize, parent.clientBodyBufferSize, 16L * 1024);
        child.clientBodyTimeout = pick(child.clientBodyTimeout, parent.clientBodyTimeout, 60_000L);
        child.sendTimeout = pick(child.sendTimeout, parent.sendTimeout, 60_000L);
        if (child.keepaliveTimeout == null) {
            child.keepaliveTimeout = parent.keepaliveTimeout != null ? parent.keepaliveTimeout : 75_000L;
            child.keepaliveHeaderTimeout = parent.keepaliveHeaderTimeout;
        }
        child.keepaliveRequests = pick(child.keepaliveRequests, parent.keepaliveRequests, 1000);
        child.keepaliveTime = pick(child.keepaliveTime, parent.keepaliveTime, 3_600_000L);
        child.sendfile = pick(child.sendfile, parent.sendfile, false);
        child.tcpNopush = pick(child.tcpNopush, parent.tcpNopush, false);
        child.tcpNodelay = pick(child.tcpNodelay, parent.tcpNodelay, true);
        child.serverTokens = pick(child.serverTokens, parent.serverTokens, true);
        child.logNotFound = pick(child.logNotFound, parent.logNotFound, true);
        child.recursiveErrorPages = pick(child.recursiveErrorPages, parent.recursiveErrorPages, false);
        child.absoluteRedirect = pick(child.absoluteRedirect, parent.absoluteRedirect, true);
        child.serverNameInRedirect = pick(child.serverNameInRedirect, parent.serverNameInRedirect, false);
        child.portInRedirect = pick(child.portInRedirect, parent.portInRedirect, true);
        child.chunkedTransferEncoding = pick(child.chunkedTransferEncoding, parent.chunkedTransferEncoding, true);
        child.lingeringTimeout = pick(child.lingeringTimeout, parent.lingeringTimeout, 5_000L);
        child.lingeringTime = pick(child.lingeringTime, parent.lingeringTime, 30_000L);
        child.lingeringClose = pick(child.lingeringClose, parent.lingeringClose, "on");
        child.errorPages = pick(child.errorPages, parent.errorPages, List.of());
        child.types = pick(child.types, parent.types, DEFAULT_TYPES);
        child.defaultType = pick(child.defaultType, parent.defaultType, "text/plain");
        child.clientBodyTempPath = pick(child.clientBodyTempPath, parent.clientBodyTempPath, null);
    }

    /** nginx's built-in types when no `types` block is given anywhere. */
    static final Map<String, String> DEFAULT_TYPES = Map.of(
            "html", "text/html", "gif", "image/gif", "jpg", "image/jpeg");

    static <T> T pick(T own, T inherited, T fallback) {
        return own != null ? own : inherited != null ? inherited : fallback;
    }

    public long clientMaxBodySize() { return clientMaxBodySize; }
    public long clientBodyBufferSize() { return clientBodyBufferSize; }
    public long clientBodyTimeout() { return clientBodyTimeout; }
    public long sendTimeout() { return sendTimeout; }
    public long keepaliveTimeout() { return keepaliveTimeout; }
    /** The `Keep-Alive: timeout=N` value in seconds, or null when not configured. */
    public Long keepaliveHeaderTimeout() { return keepaliveHeaderTimeout; }
    public int keepaliveRequests() { return keepaliveRequests; }
    public long keepaliveTime() { return keepaliveTime; }
    public boolean sendfile() { return sendfile; }
    public boolean tcpNopush() { return tcpNopush; }
    public boolean tcpNodelay() { return tcpNodelay; }
    public boolean serverTokens() { return serverTokens; }
    public boolean logNotFound() { return logNotFound; }
    public boolean recursiveErrorPages() { return recursiveErrorPages; }
    public boolean absoluteRedirect() { return absoluteRedirect; }
    public boolean serverNameInRedirect() { return serverNameInRedirect; }
    public boolean portInRedirect() { return portInRedirect; }
    public boolean chunkedTransferEncoding() { return chunkedTransferEncoding; }
    public long lingeringTimeout() { return lingeringTimeout; }
    public long lingeringTime() { return lingeringTime; }
    public String lingeringClose() { return lingeringClose; }
    public List<ErrorPage> errorPages() { return errorPages; }
    public Map<String, String> types() { return types; }
    public String defaultType() { return defaultType; }
    public ContentHandler handler() { return handler; }
    public java.nio.file.Path clientBodyTempPath() { return clientBodyTempPath; }

    /** Installs the content handler of this location (proxy_pass, uwsgi_pass, stub pages...). */
    public void setHandler(ContentHandler handler) {
        this.handler = handler;
    }

    /** The MIME type for a path by its extension, as ngx_http_set_content_type. */
    public String contentTypeFor(String path) {
        int slash = path.lastIndexOf('/');
        int dot = path.lastIndexOf('.');
        if (dot > slash && dot < path.length() - 1) {
            String ext = path.substring(dot + 1);
            String type = types.get(ext);
            if (type == null) {
                type = types.get(ext.toLowerCase(java.util.Locale.ROOT));
            }
            if (type != null) {
                return type;
            }
        }
        return defaultType;
    }
}
