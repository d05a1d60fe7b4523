package dev.portico.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpDatesTest {

    private static final long SUN_06_NOV_1994 = 784111777L;

    @Test
    void formatsRfc1123() {
        assertThat(HttpDates.format(0)).isEqualTo("Thu, 01 Jan 1970 00:00:00 GMT");
        assertThat(HttpDates.format(Instant.parse("2026-11-23T10:00:00Z").toEpochMilli()))
            .isEqualTo("Mon, 23 Nov 2026 10:00:00 GMT");
        assertThat(HttpDates.formatSeconds(SUN_06_NOV_1994)).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
    }

    @Test
    void formatTruncatesToTheSecond() {
        assertThat(HttpDates.format(999)).isEqualTo("Thu, 01 Jan 1970 00:00:00 GMT");
        assertThat(HttpDates.format(-1)).isEqualTo("Wed, 31 Dec 1969 23:59:59 GMT");
    }

    @Test
    void parsesTheThreeFormats() {
        assertThat(HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT")).isEqualTo(SUN_06_NOV_1994);
        assertThat(HttpDates.parse("Sunday, 06-Nov-94 08:49:37 GMT")).isEqualTo(SUN_06_NOV_1994);
        assertThat(HttpDates.parse("Sun Nov  6 08:49:37 1994")).isEqualTo(SUN_06_NOV_1994);
        assertThat(HttpDates.parse("Sun Nov 6 08:49:37 1994")).isEqualTo(SUN_06_NOV_1994);
    }

    @Test
    void likeNginxIgnoresWeekdayAndZone() {
        assertThat(HttpDates.parse("Mon, 06 Nov 1994 08:49:37 GMT")).isEqualTo(SUN_06_NOV_1994);
        assertThat(HttpDates.parse("Sun, 06 Nov 1994 08:49:37 XYZ")).isEqualTo(SUN_06_NOV_1994);
        assertThat(HttpDates.parse("Sun, 06 Nov 1994 08:49:37")).isEqualTo(SUN_06_NOV_1994);
    }

    @Test
    void twoDigitYearsPivotAt70() {
        assertThat(HttpDates.parse("Thursday, 01-Jan-70 00:00:00 GMT")).isZero();
        assertThat(HttpDates.parse("Wednesday, 06-Nov-69 08:49:37 GMT")).isEqualTo(3150953377L);
    }

    @Test
    void leapDays() {
        assertThat(HttpDates.parse("Sat, 29 Feb 2020 00:00:00 GMT"))
            .isEqualTo(Instant.parse("2020-02-29T00:00:00Z").getEpochSecond());
        assertThat(HttpDates.parse("Tue, 29 Feb 2000 00:00:00 GMT"))
            .isEqualTo(Instant.parse("2000-02-29T00:00:00Z").getEpochSecond());
        assertThat(HttpDates.parse("Fri, 29 Feb 2019 00:00:00 GMT")).isEqualTo(-1);
        assertThat(HttpDates.parse("Thu, 29 Feb 1900 00:00:00 GMT")).isEqualTo(-1);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "garbage", "Sun, 06 Nov 1994", "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:60 GMT",
        "Thu, 31 Apr 2020 00:00:00 GMT", "Sun, 06 Xyz 1994 08:49:37 GMT", "Sun, 06-Nov-1994 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT", "Sun Nov  6 08:49:37 94", "Sun, 06 Nov 1994 08.49.37 GMT",
    })
    void rejectsInvalid(String value) {
        assertThat(HttpDates.parse(value)).isEqualTo(-1);
    }

    @Test
    void rejectsNull() {
        assertThat(HttpDates.parse(null)).isEqualTo(-1);
    }

    @Test
    void roundTrips() {
        for (long s : new long[] {0, 1, 86399, SUN_06_NOV_1994, 951782400L, 4102444799L}) {
            assertThat(HttpDates.parse(HttpDates.formatSeconds(s))).isEqualTo(s);
        }
    }

    @Test
    void nowIsCachedPerSecond() {
        String a = HttpDates.now(10_000);
        assertThat(HttpDates.now(10_999)).isSameAs(a);
        assertThat(HttpDates.now(11_000)).isEqualTo("Thu, 01 Jan 1970 00:00:11 GMT");
        assertThat(HttpDates.now()).endsWith(" GMT");
    }
}
