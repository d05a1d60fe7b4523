package dev.portico.filter.headers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portico.files.HttpDates;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ExpiresTest {

    private static final long NOW = 1_700_000_000L;  // Tue, 14 Nov 2023 22:13:20 GMT

    private static String[] compute(String text, boolean modified, long lastModified) throws Exception {
        Expires e = Expires.parse(text, modified);
        return e.compute(NOW, lastModified, e.time() < 0, ZoneOffset.UTC);
    }

    @Test
    void keywords() throws Exception {
        assertThat(compute("epoch", false, -1)).containsExactly("Thu, 01 Jan 1970 00:00:01 GMT", "no-cache");
        assertThat(compute("max", false, -1)).containsExactly("Thu, 31 Dec 2037 23:55:55 GMT", "max-age=315360000");
        assertThat(Expires.parse("off", false).type()).isEqualTo(Expires.Type.OFF);
    }

    @Test
    void relativeToAccess() throws Exception {
        assertThat(compute("1h", false, -1)).containsExactly(HttpDates.formatSeconds(NOW + 3600), "max-age=3600");
        assertThat(compute("+30m", false, -1)).containsExactly(HttpDates.formatSeconds(NOW + 1800), "max-age=1800");
        assertThat(compute("-1", false, -1)).containsExactly(HttpDates.formatSeconds(NOW - 1), "no-cache");
        assertThat(compute("0", false, -1)).containsExactly(HttpDates.formatSeconds(NOW), "max-age=0");
    }

    @Test
    void modifiedUsesLastModifiedAndFallsBackToAccess() throws Exception {
        long lm = NOW - 600;
        assertThat(compute("1h", true, lm)).containsExactly(HttpDates.formatSeconds(lm + 3600), "max-age=3000");
        assertThat(compute("5m", true, lm)).containsExactly(HttpDates.formatSeconds(lm + 300), "no-cache");
        assertThat(compute("1h", true, -1)).containsExactly(HttpDates.formatSeconds(NOW + 3600), "max-age=3600");
    }

    @Test
    void dailyIsTheNextTimeOfDay() throws Exception {
        // NOW is 22:13:20 UTC: @23h is later today, @1h30m is tomorrow.
        assertThat(compute("@23h", false, -1)).containsExactly("Tue, 14 Nov 2023 23:00:00 GMT", "max-age=2800");
        assertThat(compute("@1h30m", false, -1))
                .containsExactly("Wed, 15 Nov 2023 01:30:00 GMT", "max-age=" + (3600 + 1800 + 6400));
        assertThat(Expires.nextTime(3600, NOW, ZoneId.of("UTC"))).isEqualTo(1_700_010_000L);
    }

    @Test
    void nginxErrors() {
        assertThatThrownBy(() -> Expires.parse("abc", false)).hasMessage("invalid value");
        assertThatThrownBy(() -> Expires.parse("@25h", false))
                .hasMessage("daily time value must be less than 24 hours");
        assertThatThrownBy(() -> Expires.parse("@1h", true))
                .hasMessage("daily time cannot be used with \"modified\" parameter");
        assertThatThrownBy(() -> Expires.parse("epoch", true)).hasMessage("invalid value");
    }
}
