package dev.portico.files;

/** Entity tags as nginx makes ({@code ngx_http_set_etag}) and compares them. */
public final class ETag {

    private ETag() {
    }

    /**
     * nginx's strong ETag for a static file: lower-case hex of the
     * modification time in seconds and of the size, {@code "5f3a1b2c-1a4"}.
     */
    public static String of(long mtimeSeconds, long size) {
        return '"' + Long.toHexString(mtimeSeconds) + '-' + Long.toHexString(size) + '"';
    }

    /**
     * Whether an If-Match / If-None-Match value matches {@code etag}, as
     * {@code ngx_http_test_if_match}: {@code *} alone matches anything
     * (even with no etag); otherwise the value is a comma-separated list of
     * tags compared byte for byte. With {@code weakComparison} (used for
     * If-None-Match) a {@code W/} prefix is ignored on both sides; without it
     * (If-Match) a weak tag never equals a strong one.
     */
    public static boolean matches(String list, String etag, boolean weakComparison) {
        if (list == null) {
            return false;
        }
        if (list.equals("*")) {
            return true;
        }
        if (etag == null) {
            return false;
        }
        if (weakComparison && etag.length() > 2 && etag.startsWith("W/")) {
            etag = etag.substring(2);
        }

        int start = 0;
        int end = list.length();
        while (start < end) {
            if (weakComparison && end - start > 2
                    && list.charAt(start) == 'W' && list.charAt(start + 1) == '/') {
                start += 2;
            }
            if (etag.length() > end - start) {
                return false;
            }
            if (list.startsWith(etag, start)) {
                int p = start + etag.length();
                while (p < end && (list.charAt(p) == ' ' || list.charAt(p) == '\t')) {
                    p++;
                }
                if (p == end || list.charAt(p) == ',') {
                    return true;
                }
                start = p;
            }
            // Skip to the next list element.
            while (start < end && list.charAt(start) != ',') {
                start++;
            }
            while (start < end) {
                char ch = list.charAt(start);
                if (ch == ' ' || ch == '\t' || ch == ',') {
                    start++;
                    continue;
                }
                break;
            }
        }
        return false;
    }
}
