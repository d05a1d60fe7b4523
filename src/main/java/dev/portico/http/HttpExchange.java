package dev.portico.http;

import dev.portico.config.ConfSet;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.regex.Matcher;

/**
 * One request and its response, from the request line to the log line: what
 * nginx keeps in ngx_http_request_t. It lives on its connection's event loop
 * and is never shared between threads.
 */
public final class HttpExchange {

    private final HttpConnection connection;
    private final HttpRequest request;
    private final HttpConfig context;
    private final long startMillis = System.currentTimeMillis();
    private final long startNanos = System.nanoTime();
    private final int connectionRequests;

    private final String requestUri;
    private String method;
    private String uri;
    private String args;
    private String host;
    private VirtualServer server;
    private Location location;
    private ConfSet conf;
    private Matcher captures;
    private Object[] variables;

    private boolean internal;
    private boolean addUriToAlias;
    private boolean uriChanged;
    private int redirects;
    private boolean errorPageDone;
    private boolean keepAlive;

    private int status;
    private HttpHeaders responseHeaders = new DefaultHttpHeaders(false);
    private boolean headerSent;
    private long bodyBytesSent;
    private long bytesSent;
    private long requestLength;
    private long responseEndNanos;
    private String logReason;
    private int errStatus;
    private ResponseWriter writer;
    private RequestBodyConsumer bodyConsumer;
    private java.util.List<Runnable> cleanups;
    private Object upstream;

    public HttpExchange(HttpConnection connection, HttpRequest request, HttpConfig context) {
        this.connection = connection;
        this.request = request;
        this.context = context;
        this.connectionRequests = connection.nextRequest();
        this.requestUri = request.uri();
        this.method = request.method().name();
    }

    public HttpConnection connection() {
        return connection;
    }

    public HttpRequest request() {
        return request;
    }

    public HttpConfig context() {
        return context;
    }

    public HttpHeaders requestHeaders() {
        return request.headers();
    }

    public String method() {
        return method;
    }

    /**
     * A proxied response's Location goes out as the upstream sent it, relative
     * or not, unless proxy_redirect rewrote it (nginx sets headers_out.location,
     * which its header filter makes absolute, only then).
     */
    public void setLocationAsIs(boolean asIs) {
        this.locationAsIs = asIs;
    }

    public boolean locationAsIs() {
        return locationAsIs;
    }

    private boolean locationAsIs;

    /**
     * The status line an upstream sent ("302 FOUND"): the client gets its reason
     * phrase as nginx passes u->headers_in.status_line, while the status stays the same.
     */
    public void setUpstreamStatus(io.netty.handler.codec.http.HttpResponseStatus status) {
        this.upstreamStatus = status;
    }

    public io.netty.handler.codec.http.HttpResponseStatus upstreamStatus() {
        return upstreamStatus;
    }

    private io.netty.handler.codec.http.HttpResponseStatus upstreamStatus;

    /** error_page and X-Accel-Redirect turn a non-HEAD method into GET for the internal redirect, as nginx does. */
    public void setMethod(String method) {
        this.method = method;
    }

    public boolean isHead() {
        return "HEAD".equals(method); // not HttpMethod.HEAD.name(), a new String on each call
    }

    public HttpVersion version() {
        return request.protocolVersion();
    }

    /** The request target exactly as the client sent it ($request_uri). */
    public String requestUri() {
        return requestUri;
    }

    /** The normalized, decoded path ($uri); changes with internal redirects. */
    public String uri() {
        return uri;
    }

    public void setUri(String uri) {
        this.uri = uri;
    }

    /** The query string without "?", or null when there is none ($args). */
    public String args() {
        return args;
    }

    public void setArgs(String args) {
        this.args = args;
    }

    /** The Host, normalized; null when the request named none. */
    public String host() {
        return host;
    }

    void setHost(String host) {
        this.host = host;
    }

    public long startMillis() {
        return startMillis;
    }

    public long startNanos() {
        return startNanos;
    }

    public int connectionRequests() {
        return connectionRequests;
    }

    public VirtualServer server() {
        return server;
    }

    void setServer(VirtualServer server) {
        this.server = server;
    }

    public Location location() {
        return location;
    }

    /** The merged location-level configuration in force for this request. */
    public ConfSet conf() {
        return conf;
    }

    void setLocation(Location location) {
        this.location = location;
        this.conf = location.conf();
    }

    /**
     * Puts another location-level configuration in force without changing the
     * location, as nginx's {@code if} does when its condition holds
     * (r->loc_conf = the if block's loc_conf). The next location search, an
     * internal redirect or a named redirect puts the location's own back.
     */
    public void useConf(ConfSet conf) {
        this.conf = conf;
    }

    public void setCaptures(Matcher captures) {
        this.captures = captures;
    }

    /** The text of regex capture {@code group} of the last regex match, or null. */
    public String capture(int group) {
        if (captures == null || group > captures.groupCount()) {
            return null;
        }
        return captures.group(group);
    }

    public String capture(String name) {
        if (captures == null) {
            return null;
        }
        try {
            return captures.group(name);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public Object variableSlot(int slot) {
        return variables == null ? null : variables[slot];
    }

    public void setVariableSlot(int slot, Object value) {
        if (variables == null) {
            variables = new Object[context.variableSlots()];
        }
        variables[slot] = value;
    }

    /** True once the request went through an internal redirect: internal locations become reachable. */
    public boolean isInternal() {
        return internal;
    }

    /** Makes internal locations reachable, as an internal redirect or a rewrite does (r->internal). */
    public void markInternal() {
        internal = true;
    }

    /**
     * True when a rewrite changed the URI and the location must be searched
     * again after the rewrite phase (nginx's r->uri_changed).
     */
    public boolean uriChanged() {
        return uriChanged;
    }

    public void setUriChanged(boolean changed) {
        this.uriChanged = changed;
    }

    /** Counts an internal redirect; false when the limit is passed (nginx allows 10). */
    boolean countRedirect() {
        return ++redirects <= 10;
    }

    /**
     * Set by try_files in a regex location with alias: the file path is the
     * alias followed by the URI, as nginx's r->add_uri_to_alias.
     */
    public boolean addUriToAlias() {
        return addUriToAlias;
    }

    public void setAddUriToAlias(boolean value) {
        this.addUriToAlias = value;
    }

    boolean errorPageDone() {
        return errorPageDone;
    }

    void markErrorPage() {
        errorPageDone = true;
    }

    public boolean keepAlive() {
        return keepAlive;
    }

    public void setKeepAlive(boolean keepAlive) {
        this.keepAlive = keepAlive;
    }

    // ---- response state ----

    public int status() {
        return status;
    }

    public void setStatus(int status) {
        this.status = status;
    }

    public HttpHeaders responseHeaders() {
        return responseHeaders;
    }

    public void setResponseHeaders(HttpHeaders headers) {
        this.responseHeaders = headers;
    }

    public boolean headerSent() {
        return headerSent;
    }

    public void markHeaderSent(long headerBytes) {
        headerSent = true;
        bytesSent += headerBytes;
    }

    public void addBodyBytes(long n) {
        bodyBytesSent += n;
        bytesSent += n;
    }

    public long bodyBytesSent() {
        return bodyBytesSent;
    }

    public long bytesSent() {
        return bytesSent;
    }

    public long requestLength() {
        return requestLength;
    }

    public void addRequestLength(long n) {
        requestLength += n;
    }

    /**
     * A chunked request body was read whole: its length, which $content_length shows from
     * now on (nginx sets headers_in.content_length_n once it has read such a body).
     */
    public void setRequestBodyLength(long length) {
        requestBodyLength = length;
    }

    /** The length of a chunked request body read whole, or -1. */
    public long requestBodyLength() {
        return requestBodyLength;
    }

    private long requestBodyLength = -1;

    public void markResponseEnd() {
        responseEndNanos = System.nanoTime();
    }

    /** Seconds from the first byte read to the last byte written, as $request_time. */
    public double requestTimeSeconds() {
        long end = responseEndNanos != 0 ? responseEndNanos : System.nanoTime();
        return (end - startNanos) / 1e9;
    }

    public String logReason() {
        return logReason;
    }

    public void setLogReason(String reason) {
        this.logReason = reason;
    }

    void attachWriter(ResponseWriter writer) {
        this.writer = writer;
    }

    public ResponseWriter writer() {
        return writer;
    }

    /**
     * The status an error_page imposes on this response, or 0: a file sent as
     * an error page answers with that status, so conditional and range
     * requests do not apply to it.
     */
    public int errorPageStatus() {
        return errStatus > 0 ? errStatus : 0;
    }

    /** The status an error_page imposes on the page's own response; 0 when none, -1 reset. */
    int errStatus() {
        return errStatus;
    }

    void setErrStatus(int status) {
        this.errStatus = status;
    }

    /** Who takes the request body as it arrives; null means it is read and dropped. */
    public RequestBodyConsumer bodyConsumer() {
        return bodyConsumer;
    }

    public void setBodyConsumer(RequestBodyConsumer consumer) {
        this.bodyConsumer = consumer;
    }

    /**
     * Runs {@code action} when the request ends for good or its client goes
     * away (nginx's ngx_http_cleanup_add): a proxied request closes its
     * upstream connection there.
     */
    public void addCleanup(Runnable action) {
        if (cleanups == null) {
            cleanups = new java.util.ArrayList<>(2);
        }
        cleanups.add(action);
    }

    /** The request's upstream state (nginx's r->upstream), for the $upstream_* variables; null when not proxied. */
    public Object upstream() {
        return upstream;
    }

    public void setUpstream(Object upstream) {
        this.upstream = upstream;
    }

    /** Runs the cleanups once; called by the connection. */
    public void runCleanups() {
        if (cleanups == null) {
            return;
        }
        java.util.List<Runnable> todo = cleanups;
        cleanups = null;
        for (Runnable r : todo) {
            r.run();
        }
    }

    /**
     * The request body read in full (nginx's r->request_body): kept for the
     * request's life, so that an upstream reached after an internal redirect
     * (error_page, X-Accel-Redirect) gets it again; null until then.
     */
    public Object readRequestBody() {
        return readRequestBody;
    }

    public void setReadRequestBody(Object body) {
        this.readRequestBody = body;
    }

    private Object readRequestBody;

    /** The rest of the request body will be read and dropped, as ngx_http_discard_request_body. */
    public void discardRequestBody() {
        this.bodyConsumer = null;
    }
}
