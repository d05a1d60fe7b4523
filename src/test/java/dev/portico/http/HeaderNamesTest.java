package dev.portico.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.AsciiString;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HeaderNamesTest {

    @Test
    void anyCaseMatchesEveryCaseOfItsNamesAndNothingElse() {
        Set<String> names = HeaderNames.anyCase(List.of("x-accel-redirect", "Date", "server", "SERVER", "etag"));
        assertEquals(4, names.size(), "a name given twice in two cases counts once");
        for (String n : List.of("X-Accel-Redirect", "x-accel-redirect", "DATE", "date", "Server", "ETag")) {
            assertTrue(names.contains(n), n);
        }
        assertTrue(names.contains(AsciiString.of("dAtE")));
        for (String n : List.of("X-Accel-Redirec", "Dates", "", "content-type", "x-accel-redirect ")) {
            assertFalse(names.contains(n), n);
        }
        assertFalse(names.contains(42));
        assertTrue(HeaderNames.anyCase(List.of()).isEmpty());
        assertFalse(HeaderNames.anyCase(List.of()).contains("date"));
    }
}
