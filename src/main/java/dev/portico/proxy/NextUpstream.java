package dev.portico.proxy;

/**
 * Why a try failed, as proxy_next_upstream names it (nginx's
 * NGX_HTTP_UPSTREAM_FT_*), and {@link #NON_IDEMPOTENT}, which lets a
 * POST, LOCK or PATCH that was already sent go to the next peer too.
 */
public enum NextUpstream {
    ERROR("error", 502),
    TIMEOUT("timeout", 504),
    INVALID_HEADER("invalid_header", 502),
    HTTP_500("http_500", 500),
    HTTP_502("http_502", 502),
    HTTP_503("http_503", 502),
    HTTP_504("http_504", 502),
    HTTP_403("http_403", 403),
    HTTP_404("http_404", 404),
    HTTP_429("http_429", 429),
    NON_IDEMPOTENT("non_idempotent", 0);

    private final String word;
    private final int status;

    NextUpstream(String word, int status) {
        this.word = word;
        this.status = status;
    }

    /** The word in proxy_next_upstream. */
    public String word() {
        return word;
    }

    /**
     * The status the client gets when no try is left (ngx_http_upstream_next's
     * switch: 503 and 504 from the upstream become 502, as there).
     */
    int status() {
        return status;
    }

    /** The failure an upstream response status stands for, or null (ngx_http_upstream_next_errors). */
    static NextUpstream ofStatus(int code) {
        return switch (code) {
            case 500 -> HTTP_500;
            case 502 -> HTTP_502;
            case 503 -> HTTP_503;
            case 504 -> HTTP_504;
            case 403 -> HTTP_403;
            case 404 -> HTTP_404;
            case 429 -> HTTP_429;
            default -> null;
        };
    }

    /** The value of a proxy_next_upstream word, or null for one with no failure of its own here. */
    public static NextUpstream of(String word) {
        for (NextUpstream n : values()) {
            if (n.word.equals(word)) {
                return n;
            }
        }
        return null;
    }
}
