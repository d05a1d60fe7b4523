package dev.portico.files;

/**
 * The decision of nginx's not-modified filter
 * ({@code ngx_http_not_modified_filter_module}) for a response that would
 * otherwise be 200.
 *
 * <p>nginx does not look at the request method here: a conditional POST or
 * PUT gets the same answer as a GET. Callers apply this only to 200
 * responses of the main request, as nginx does.
 */
public final class ConditionalRequest {

    /** What to send instead of (or as) the 200 response. */
    public enum Decision {
        PROCEED,
        NOT_MODIFIED,
        PRECONDITION_FAILED
    }

    /** The {@code if_modified_since} directive. */
    public enum IfModifiedSince {
        /** The header is ignored. */
        OFF,
        /** 304 only when the date equals the modification time (the default). */
        EXACT,
        /** 304 when the date is equal to or later than the modification time. */
        BEFORE
    }

    private ConditionalRequest() {
    }

    /**
     * @param ifModifiedSince     If-Modified-Since value, or null when absent
     * @param ifUnmodifiedSince   If-Unmodified-Since value, or null
     * @param ifNoneMatch         If-None-Match value, or null
     * @param ifMatch             If-Match value, or null
     * @param lastModifiedSeconds the resource's modification time, or -1 when unknown
     * @param etag                the response's ETag, or null when none is sent
     * @param mode                the {@code if_modified_since} setting
     */
    public static Decision evaluate(String ifModifiedSince, String ifUnmodifiedSince,
                                    String ifNoneMatch, String ifMatch,
                                    long lastModifiedSeconds, String etag,
                                    IfModifiedSince mode) {
        if (lastModifiedSeconds == -1) {
            return Decision.PROCEED;
        }

        if (ifUnmodifiedSince != null) {
            // An unparsable date is -1, which is before any real time: 412.
            long iums = HttpDates.parse(ifUnmodifiedSince);
            if (iums < lastModifiedSeconds) {
                return Decision.PRECONDITION_FAILED;
            }
        }

        if (ifMatch != null && !ETag.matches(ifMatch, etag, false)) {
            return Decision.PRECONDITION_FAILED;
        }

        if (ifModifiedSince != null || ifNoneMatch != null) {
            if (ifModifiedSince != null && modifiedSince(ifModifiedSince, lastModifiedSeconds, mode)) {
                return Decision.PROCEED;
            }
            if (ifNoneMatch != null && !ETag.matches(ifNoneMatch, etag, true)) {
                return Decision.PROCEED;
            }
            return Decision.NOT_MODIFIED;
        }

        return Decision.PROCEED;
    }

    private static boolean modifiedSince(String value, long lastModified, IfModifiedSince mode) {
        if (mode == IfModifiedSince.OFF) {
            return true;
        }
        long ims = HttpDates.parse(value);
        if (ims == lastModified) {
            return false;
        }
        return mode == IfModifiedSince.EXACT || ims < lastModified;
    }
}
