package dev.portico.files;

import java.util.ArrayList;
import java.util.List;

/**
 * Range request evaluation as nginx's range header filter
 * ({@code ngx_http_range_filter_module}) does it for a body of known length.
 */
public final class ByteRanges {

    /** nginx's default {@code max_ranges}: unlimited. */
    public static final int UNLIMITED = Integer.MAX_VALUE;

    /** One satisfiable range; {@code last} is inclusive as in Content-Range. */
    public record Range(long first, long last) {
        public Range {
            if (first < 0 || last < first) {
                throw new IllegalArgumentException("bad range " + first + "-" + last);
            }
        }

        public long length() {
            return last - first + 1;
        }

        /** The Content-Range value for this range: {@code bytes S-E/LEN}. */
        public String contentRange(long contentLength) {
            return "bytes " + first + '-' + last + '/' + contentLength;
        }
    }

    /** How to answer. */
    public enum Kind {
        /** Ignore the Range header and send the whole body with 200. */
        NONE,
        /** 416 with {@code Content-Range: bytes *}{@code /LEN}. */
        NOT_SATISFIABLE,
        /** 206 with one range, or a multipart/byteranges body for several. */
        RANGES
    }

    public record Result(Kind kind, List<Range> ranges) {
        public static final Result NONE = new Result(Kind.NONE, List.of());
        public static final Result NOT_SATISFIABLE = new Result(Kind.NOT_SATISFIABLE, List.of());

        public Result {
            ranges = List.copyOf(ranges);
        }

        public boolean isMultipart() {
            return ranges.size() > 1;
        }
    }

    private ByteRanges() {
    }

    /** The Content-Range value of a 416 response. */
    public static String unsatisfiableContentRange(long contentLength) {
        return "bytes */" + contentLength;
    }

    /**
     * Evaluates Range together with If-Range, as the range header filter does.
     *
     * @param range               the Range header, or null
     * @param ifRange             the If-Range header, or null
     * @param contentLength       the full body length
     * @param lastModifiedSeconds the Last-Modified time sent, or -1 when none
     * @param etag                the ETag sent, or null when none
     * @param maxRanges           the {@code max_ranges} setting ({@link #UNLIMITED} by default)
     */
    public static Result evaluate(String range, String ifRange, long contentLength,
                                  long lastModifiedSeconds, String etag, int maxRanges) {
        if (!isByteRangeHeader(range) || maxRanges == 0) {
            return Result.NONE;
        }
        if (ifRange != null && !ifRangeMatches(ifRange, lastModifiedSeconds, etag)) {
            return Result.NONE;
        }
        return parse(range, contentLength, maxRanges);
    }

    /**
     * Whether If-Range allows the range: a value ending in {@code "} is an
     * entity tag compared byte for byte with the ETag (so weak tags never
     * match a strong one); anything else is a date that must equal the
     * modification time exactly.
     */
    public static boolean ifRangeMatches(String ifRange, long lastModifiedSeconds, String etag) {
        if (ifRange.length() >= 2 && ifRange.charAt(ifRange.length() - 1) == '"') {
            return etag != null && ifRange.equals(etag);
        }
        if (lastModifiedSeconds == -1) {
            return false;
        }
        return HttpDates.parse(ifRange) == lastModifiedSeconds;
    }

    private static boolean isByteRangeHeader(String range) {
        return range != null && range.length() >= 7 && range.regionMatches(true, 0, "bytes=", 0, 6);
    }

    /**
     * Parses a Range header for a body of {@code contentLength} bytes with
     * nginx's rules ({@code ngx_http_range_parse}):
     * <ul>
     * <li>only spaces (not tabs) are allowed around numbers, dashes and commas;</li>
     * <li>any syntax error, or no satisfiable range at all, gives 416;</li>
     * <li>ranges that start at or past the end are skipped, ends past the end
     *     are clipped;</li>
     * <li>an empty range starting at 0 (a zero-length body) makes nginx
     *     ignore the header;</li>
     * <li>more than {@code maxRanges} satisfiable ranges, or ranges whose
     *     lengths add up to more than the body (heavy overlap), make nginx
     *     ignore the header and send the whole body;</li>
     * <li>ranges are kept in request order; overlapping ranges are not merged.</li>
     * </ul>
     */
    public static Result parse(String range, long contentLength, int maxRanges) {
        if (!isByteRangeHeader(range) || maxRanges == 0) {
            return Result.NONE;
        }
        List<Range> ranges = new ArrayList<>();
        long size = 0;
        long remaining = maxRanges;
        int p = 6;
        final long cutoff = Long.MAX_VALUE / 10;
        final long cutlim = Long.MAX_VALUE % 10;

        for (;;) {
            long start = 0;
            long end = 0;
            boolean suffix = false;
            boolean open = false;

            while (at(range, p) == ' ') {
                p++;
            }

            if (at(range, p) != '-') {
                if (!isDigit(at(range, p))) {
                    return Result.NOT_SATISFIABLE;
                }
                while (isDigit(at(range, p))) {
                    int d = at(range, p++) - '0';
                    if (start >= cutoff && (start > cutoff || d > cutlim)) {
                        return Result.NOT_SATISFIABLE;
                    }
                    start = start * 10 + d;
                }
                while (at(range, p) == ' ') {
                    p++;
                }
                if (at(range, p++) != '-') {
                    return Result.NOT_SATISFIABLE;
                }
                while (at(range, p) == ' ') {
                    p++;
                }
                if (at(range, p) == ',' || at(range, p) == '\0') {
                    end = contentLength;
                    open = true;
                }
            } else {
                suffix = true;
                p++;
            }

            if (!open) {
                if (!isDigit(at(range, p))) {
                    return Result.NOT_SATISFIABLE;
                }
                while (isDigit(at(range, p))) {
                    int d = at(range, p++) - '0';
                    if (end >= cutoff && (end > cutoff || d > cutlim)) {
                        return Result.NOT_SATISFIABLE;
                    }
                    end = end * 10 + d;
                }
                while (at(range, p) == ' ') {
                    p++;
                }
                if (at(range, p) != ',' && at(range, p) != '\0') {
                    return Result.NOT_SATISFIABLE;
                }
                if (suffix) {
                    start = end < contentLength ? contentLength - end : 0;
                    end = contentLength - 1;
                }
                // From here on "end" is exclusive.
                end = end >= contentLength ? contentLength : end + 1;
            }

            if (start < end) {
                ranges.add(new Range(start, end - 1));
                if (size > Long.MAX_VALUE - (end - start)) {
                    return Result.NOT_SATISFIABLE;
                }
                size += end - start;
                if (remaining-- == 0) {
                    return Result.NONE;
                }
            } else if (start == 0) {
                return Result.NONE;
            }

            if (at(range, p++) != ',') {
                break;
            }
        }

        if (ranges.isEmpty()) {
            return Result.NOT_SATISFIABLE;
        }
        if (size > contentLength) {
            return Result.NONE;
        }
        return new Result(Kind.RANGES, ranges);
    }

    // Past the end reads as NUL, like the C string nginx scans.
    private static char at(String s, int i) {
        return i < s.length() ? s.charAt(i) : '\0';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
