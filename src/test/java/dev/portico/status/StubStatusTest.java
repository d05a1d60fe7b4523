package dev.portico.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.http.ConnectionCounters;
import org.junit.jupiter.api.Test;

class StubStatusTest {

    @Test
    void pageIsNginxsTextWithItsSpaces() {
        String page = StubStatus.render(new ConnectionCounters.Totals(16630948, 16630947, 31070465, 291, 6, 179, 106));
        assertThat(page).isEqualTo("Active connections: 291 \n"
                + "server accepts handled requests\n"
                + " 16630948 16630947 31070465 \n"
                + "Reading: 6 Writing: 179 Waiting: 106 \n");
    }

    @Test
    void zeroes() {
        assertThat(StubStatus.render(new ConnectionCounters.Totals(0, 0, 0, 0, 0, 0, 0))).isEqualTo(
                "Active connections: 0 \nserver accepts handled requests\n 0 0 0 \nReading: 0 Writing: 0 Waiting: 0 \n");
    }
}
