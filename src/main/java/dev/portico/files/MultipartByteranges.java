package dev.portico.files;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The framing of a multipart/byteranges body as nginx writes it:
 *
 * <pre>
 * CRLF "--BOUNDARY" CRLF
 * "Content-Type: TYPE" CRLF          (omitted when the response has no type)
 * "Content-Range: bytes S-E/LEN" CRLF CRLF
 * ...data...
 * ...more parts...
 * CRLF "--BOUNDARY--" CRLF
 * </pre>
 */
public final class MultipartByteranges {

    /** nginx prints boundaries zero-padded to the width of a 64-bit atomic. */
    public static final int BOUNDARY_WIDTH = 20;

    private static final AtomicLong NEXT_BOUNDARY = new AtomicLong();

    private final String boundary;
    private final String partContentType;
    private final long contentLength;
    private final List<ByteRanges.Range> ranges;

    /**
     * @param boundary        the boundary, e.g. from {@link #nextBoundary()}
     * @param partContentType the entity's Content-Type including any
     *                        {@code ; charset=}, or null/empty for none
     * @param contentLength   the full entity length
     * @param ranges          the ranges, in the order they are sent
     */
    public MultipartByteranges(String boundary, String partContentType, long contentLength,
                               List<ByteRanges.Range> ranges) {
        this.boundary = boundary;
        this.partContentType = partContentType == null || partContentType.isEmpty() ? null : partContentType;
        this.contentLength = contentLength;
        this.ranges = List.copyOf(ranges);
    }

    /** A fresh boundary from a process-wide counter, as nginx's temp number. */
    public static String nextBoundary() {
        return formatBoundary(NEXT_BOUNDARY.getAndIncrement());
    }

    /** Formats a boundary number as nginx's {@code %0muA}: 20 digits, zero-padded. */
    public static String formatBoundary(long number) {
        String digits = Long.toUnsignedString(number);
        return "0".repeat(Math.max(0, BOUNDARY_WIDTH - digits.length())) + digits;
    }

    public String boundary() {
        return boundary;
    }

    public List<ByteRanges.Range> ranges() {
        return ranges;
    }

    /** The Content-Type of the 206 response. */
    public String responseContentType() {
        return "multipart/byteranges; boundary=" + boundary;
    }

    /** The bytes sent before the data of {@code range}. */
    public byte[] partHeader(ByteRanges.Range range) {
        StringBuilder sb = new StringBuilder(96);
        sb.append("\r\n--").append(boundary).append("\r\n");
        if (partContentType != null) {
            sb.append("Content-Type: ").append(partContentType).append("\r\n");
        }
        sb.append("Content-Range: bytes ")
          .append(range.first()).append('-').append(range.last()).append('/').append(contentLength)
          .append("\r\n\r\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The bytes that close the body. */
    public byte[] closingDelimiter() {
        return ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The Content-Length of the whole multipart body. */
    public long bodyLength() {
        long len = closingDelimiter().length;
        for (ByteRanges.Range range : ranges) {
            len += partHeader(range).length + range.length();
        }
        return len;
    }
}
