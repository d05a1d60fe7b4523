package dev.portico.files;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.files.ByteRanges.Range;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MultipartByterangesTest {

    private static final String B = "00000000000000000001";

    @Test
    void boundaryIsTwentyZeroPaddedDigits() {
        assertThat(MultipartByteranges.formatBoundary(1)).isEqualTo(B);
        assertThat(MultipartByteranges.formatBoundary(1234567890123L)).isEqualTo("00000001234567890123");
        assertThat(MultipartByteranges.formatBoundary(-1)).isEqualTo("18446744073709551615");
        String a = MultipartByteranges.nextBoundary();
        String b = MultipartByteranges.nextBoundary();
        assertThat(a).hasSize(20).containsOnlyDigits().isNotEqualTo(b);
        assertThat(Long.parseLong(b)).isEqualTo(Long.parseLong(a) + 1);
    }

    @Test
    void framing() {
        MultipartByteranges m = new MultipartByteranges(B, "text/plain", 10,
            List.of(new Range(0, 0), new Range(9, 9)));
        assertThat(m.responseContentType()).isEqualTo("multipart/byteranges; boundary=" + B);
        assertThat(new String(m.partHeader(new Range(0, 0)), StandardCharsets.ISO_8859_1)).isEqualTo(
            "\r\n--" + B + "\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-0/10\r\n\r\n");
        assertThat(new String(m.closingDelimiter(), StandardCharsets.ISO_8859_1)).isEqualTo("\r\n--" + B + "--\r\n");
    }

    @Test
    void contentLengthMatchesAssembledBody() {
        byte[] data = "0123456789".getBytes(StandardCharsets.ISO_8859_1);
        List<Range> ranges = List.of(new Range(0, 0), new Range(9, 9));
        MultipartByteranges m = new MultipartByteranges(B, "text/plain", data.length, ranges);

        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Range r : ranges) {
            body.writeBytes(m.partHeader(r));
            body.write(data, (int) r.first(), (int) r.length());
        }
        body.writeBytes(m.closingDelimiter());

        // 83-byte part headers, one data byte each, 28-byte closing line.
        assertThat(m.bodyLength()).isEqualTo(196).isEqualTo(body.size());
        assertThat(body.toString(StandardCharsets.ISO_8859_1)).isEqualTo(
            "\r\n--" + B + "\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-0/10\r\n\r\n0"
            + "\r\n--" + B + "\r\nContent-Type: text/plain\r\nContent-Range: bytes 9-9/10\r\n\r\n9"
            + "\r\n--" + B + "--\r\n");
    }

    @Test
    void partsWithoutContentType() {
        MultipartByteranges m = new MultipartByteranges(B, null, 10, List.of(new Range(2, 3), new Range(5, 6)));
        assertThat(new String(m.partHeader(new Range(2, 3)), StandardCharsets.ISO_8859_1))
            .isEqualTo("\r\n--" + B + "\r\nContent-Range: bytes 2-3/10\r\n\r\n");
        assertThat(new MultipartByteranges(B, "", 10, List.of()).partHeader(new Range(2, 3)))
            .isEqualTo(m.partHeader(new Range(2, 3)));
    }

    @Test
    void charsetIsPartOfTheType() {
        MultipartByteranges m = new MultipartByteranges(B, "text/html; charset=utf-8", 100, List.of(new Range(10, 19)));
        assertThat(new String(m.partHeader(new Range(10, 19)), StandardCharsets.ISO_8859_1))
            .contains("Content-Type: text/html; charset=utf-8\r\nContent-Range: bytes 10-19/100\r\n\r\n");
    }
}
