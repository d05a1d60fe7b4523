package dev.portico.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ValuesTest {

    @Test
    void sizes() {
        assertThat(Values.size("512")).isEqualTo(512);
        assertThat(Values.size("1k")).isEqualTo(1024);
        assertThat(Values.size("10M")).isEqualTo(10L * 1024 * 1024);
        assertThat(Values.size("1g")).isEqualTo(-1);
        assertThat(Values.offset("1g")).isEqualTo(1024L * 1024 * 1024);
        assertThat(Values.size("")).isEqualTo(-1);
        assertThat(Values.size("k")).isEqualTo(-1);
        assertThat(Values.size("1.5m")).isEqualTo(-1);
    }

    @Test
    void timesInMilliseconds() {
        assertThat(Values.millis("60")).isEqualTo(60_000);
        assertThat(Values.millis("60s")).isEqualTo(60_000);
        assertThat(Values.millis("500ms")).isEqualTo(500);
        assertThat(Values.millis("1h 30m")).isEqualTo(90L * 60 * 1000);
        assertThat(Values.millis("30d")).isEqualTo(30L * 24 * 3600 * 1000);
        assertThat(Values.millis("1y")).isEqualTo(365L * 24 * 3600 * 1000);
        assertThat(Values.millis("1M")).isEqualTo(30L * 24 * 3600 * 1000);
        assertThat(Values.millis("2w")).isEqualTo(14L * 24 * 3600 * 1000);
        assertThat(Values.millis("1m1h")).isEqualTo(-1);
        assertThat(Values.millis("5x")).isEqualTo(-1);
        assertThat(Values.millis("")).isEqualTo(-1);
    }

    @Test
    void timesInSeconds() {
        assertThat(Values.seconds("1d")).isEqualTo(86_400);
        assertThat(Values.seconds("90")).isEqualTo(90);
        assertThat(Values.seconds("10ms")).isEqualTo(-1);
    }

    @Test
    void flags() {
        assertThat(Values.flag("on")).isTrue();
        assertThat(Values.flag("OFF")).isFalse();
        assertThat(Values.flag("yes")).isNull();
    }
}
