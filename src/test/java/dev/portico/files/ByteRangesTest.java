package dev.portico.files;

import static dev.portico.files.ByteRanges.UNLIMITED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portico.files.ByteRanges.Kind;
import dev.portico.files.ByteRanges.Range;
import dev.portico.files.ByteRanges.Result;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ByteRangesTest {

    private static Result parse(String header) {
        return ByteRanges.parse(header, 10, UNLIMITED);
    }

    private static Result ranges(long... bounds) {
        Range[] list = new Range[bounds.length / 2];
        for (int i = 0; i < list.length; i++) {
            list[i] = new Range(bounds[2 * i], bounds[2 * i + 1]);
        }
        return new Result(Kind.RANGES, List.of(list));
    }

    @Test
    void singleRanges() {
        assertThat(parse("bytes=0-4")).isEqualTo(ranges(0, 4));
        assertThat(parse("bytes=0-0")).isEqualTo(ranges(0, 0));
        assertThat(parse("bytes=7-")).isEqualTo(ranges(7, 9));
        assertThat(parse("bytes=-3")).isEqualTo(ranges(7, 9));
        assertThat(parse("bytes=9-9")).isEqualTo(ranges(9, 9));
    }

    @Test
    void endsAndSuffixesAreClipped() {
        assertThat(parse("bytes=5-99")).isEqualTo(ranges(5, 9));
        assertThat(parse("bytes=-100")).isEqualTo(ranges(0, 9));
        assertThat(parse("bytes=0-")).isEqualTo(ranges(0, 9));
    }

    @Test
    void multipleRangesKeepRequestOrder() {
        assertThat(parse("bytes=0-0,-1")).isEqualTo(ranges(0, 0, 9, 9));
        assertThat(parse("bytes=6-7,1-2")).isEqualTo(ranges(6, 7, 1, 2));
        assertThat(parse("bytes=0-0,-1").isMultipart()).isTrue();
        assertThat(parse("bytes=0-0").isMultipart()).isFalse();
    }

    @Test
    void notSatisfiable() {
        assertThat(parse("bytes=5-2")).isEqualTo(Result.NOT_SATISFIABLE);
        assertThat(parse("bytes=-0")).isEqualTo(Result.NOT_SATISFIABLE);
        assertThat(parse("bytes=10-")).isEqualTo(Result.NOT_SATISFIABLE);
        assertThat(parse("bytes=10-20")).isEqualTo(Result.NOT_SATISFIABLE);
        assertThat(parse("bytes=15-16,20-")).isEqualTo(Result.NOT_SATISFIABLE);
    }

    @Test
    void unsatisfiableRangesAmongGoodOnesAreDropped() {
        assertThat(parse("bytes=0-1,20-30")).isEqualTo(ranges(0, 1));
        assertThat(parse("bytes=20-30,0-1")).isEqualTo(ranges(0, 1));
        assertThat(parse("bytes=5-2,3-4")).isEqualTo(ranges(3, 4));
    }

    @Test
    void spacesAreAllowedAroundTokens() {
        assertThat(parse("bytes= 0-1")).isEqualTo(ranges(0, 1));
        assertThat(parse("bytes=0 - 1 , 3 - 4")).isEqualTo(ranges(0, 1, 3, 4));
        assertThat(parse("bytes=0-1, -2")).isEqualTo(ranges(0, 1, 8, 9));
        assertThat(parse("bytes=3- ")).isEqualTo(ranges(3, 9));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "bytes=\t0-1", "bytes=0-1,", "bytes=a", "bytes=1", "bytes=-", "bytes=1-2x", "bytes=1-2;3-4",
        "bytes=- 1", "bytes=0-1,,2-3", "bytes=99999999999999999999-", "bytes=0-99999999999999999999",
        "bytes=--1",
    })
    void syntaxErrorsAre416(String header) {
        assertThat(parse(header)).isEqualTo(Result.NOT_SATISFIABLE);
    }

    @Test
    void unitIsCaseInsensitive() {
        assertThat(parse("Bytes=0-1")).isEqualTo(ranges(0, 1));
        assertThat(parse("BYTES=0-1")).isEqualTo(ranges(0, 1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bytes=", "items=0-1", "bytes 0-1", "0-1"})
    void otherHeadersAreIgnored(String header) {
        assertThat(parse(header)).isEqualTo(Result.NONE);
    }

    @Test
    void missingHeaderIsIgnored() {
        assertThat(parse(null)).isEqualTo(Result.NONE);
    }

    @Test
    void heavyOverlapServesWholeBody() {
        // nginx sums the range lengths; more than the body means "ignore".
        assertThat(parse("bytes=0-5,3-8")).isEqualTo(Result.NONE);
        assertThat(parse("bytes=0-9,0-9")).isEqualTo(Result.NONE);
        assertThat(parse("bytes=0-4,3-5")).isEqualTo(ranges(0, 4, 3, 5));
        assertThat(parse("bytes=0-4,0-4")).isEqualTo(ranges(0, 4, 0, 4));
    }

    @Test
    void maxRanges() {
        assertThat(ByteRanges.parse("bytes=0-1,3-4", 10, 1)).isEqualTo(Result.NONE);
        assertThat(ByteRanges.parse("bytes=0-1,3-4", 10, 2)).isEqualTo(ranges(0, 1, 3, 4));
        assertThat(ByteRanges.parse("bytes=0-1", 10, 1)).isEqualTo(ranges(0, 1));
        assertThat(ByteRanges.parse("bytes=0-1", 10, 0)).isEqualTo(Result.NONE);
        // Only satisfiable ranges count against the limit.
        assertThat(ByteRanges.parse("bytes=0-1,20-30", 10, 1)).isEqualTo(ranges(0, 1));
        // max_ranges 0 disables ranges even when they would be unsatisfiable.
        assertThat(ByteRanges.parse("bytes=20-30", 10, 0)).isEqualTo(Result.NONE);
    }

    @Test
    void emptyBody() {
        assertThat(ByteRanges.parse("bytes=0-", 0, UNLIMITED)).isEqualTo(Result.NONE);
        assertThat(ByteRanges.parse("bytes=0-5", 0, UNLIMITED)).isEqualTo(Result.NONE);
        assertThat(ByteRanges.parse("bytes=-5", 0, UNLIMITED)).isEqualTo(Result.NONE);
        assertThat(ByteRanges.parse("bytes=1-2", 0, UNLIMITED)).isEqualTo(Result.NOT_SATISFIABLE);
    }

    @Test
    void headerValues() {
        assertThat(new Range(0, 0).contentRange(10)).isEqualTo("bytes 0-0/10");
        assertThat(new Range(7, 9).contentRange(10)).isEqualTo("bytes 7-9/10");
        assertThat(new Range(7, 9).length()).isEqualTo(3);
        assertThat(ByteRanges.unsatisfiableContentRange(10)).isEqualTo("bytes */10");
        assertThatThrownBy(() -> new Range(5, 4)).isInstanceOf(IllegalArgumentException.class);
    }

    private static final long LM = 784111777L;
    private static final String TAG = "\"2ebc3c01-a\"";

    @Test
    void ifRangeWithEtag() {
        assertThat(ByteRanges.evaluate("bytes=0-1", TAG, 10, LM, TAG, UNLIMITED)).isEqualTo(ranges(0, 1));
        assertThat(ByteRanges.evaluate("bytes=0-1", "\"other\"", 10, LM, TAG, UNLIMITED)).isEqualTo(Result.NONE);
        assertThat(ByteRanges.evaluate("bytes=0-1", "W/" + TAG, 10, LM, TAG, UNLIMITED)).isEqualTo(Result.NONE);
        assertThat(ByteRanges.evaluate("bytes=0-1", TAG, 10, LM, null, UNLIMITED)).isEqualTo(Result.NONE);
    }

    @Test
    void ifRangeWithDate() {
        assertThat(ByteRanges.evaluate("bytes=0-1", "Sun, 06 Nov 1994 08:49:37 GMT", 10, LM, TAG, UNLIMITED))
            .isEqualTo(ranges(0, 1));
        assertThat(ByteRanges.evaluate("bytes=0-1", "Sun, 06 Nov 1994 08:49:38 GMT", 10, LM, TAG, UNLIMITED))
            .isEqualTo(Result.NONE);
        assertThat(ByteRanges.evaluate("bytes=0-1", "Sun, 06 Nov 1994 08:49:37 GMT", 10, -1, TAG, UNLIMITED))
            .isEqualTo(Result.NONE);
        assertThat(ByteRanges.evaluate("bytes=0-1", "garbage", 10, LM, TAG, UNLIMITED)).isEqualTo(Result.NONE);
    }

    @Test
    void ifRangeMismatchAlsoSkips416() {
        assertThat(ByteRanges.evaluate("bytes=50-", "\"other\"", 10, LM, TAG, UNLIMITED)).isEqualTo(Result.NONE);
        assertThat(ByteRanges.evaluate("bytes=50-", TAG, 10, LM, TAG, UNLIMITED)).isEqualTo(Result.NOT_SATISFIABLE);
        assertThat(ByteRanges.evaluate("bytes=50-", null, 10, LM, TAG, UNLIMITED)).isEqualTo(Result.NOT_SATISFIABLE);
    }
}
