package dev.portico.files;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ETagTest {

    @Test
    void formatsAsNginx() {
        assertThat(ETag.of(0x5f3a1b2cL, 420)).isEqualTo("\"5f3a1b2c-1a4\"");
        assertThat(ETag.of(0, 0)).isEqualTo("\"0-0\"");
    }

    @Test
    void starMatchesEvenWithoutEtag() {
        assertThat(ETag.matches("*", null, false)).isTrue();
        assertThat(ETag.matches("*", "\"a\"", true)).isTrue();
        assertThat(ETag.matches("\"a\"", null, true)).isFalse();
        assertThat(ETag.matches(null, "\"a\"", true)).isFalse();
    }

    @Test
    void matchesListElements() {
        assertThat(ETag.matches("\"a\"", "\"a\"", false)).isTrue();
        assertThat(ETag.matches("\"x\", \"a\"", "\"a\"", false)).isTrue();
        assertThat(ETag.matches("\"x\",\t\"a\"\t", "\"a\"", false)).isTrue();
        assertThat(ETag.matches("\"a\" , \"b\"", "\"b\"", false)).isTrue();
        assertThat(ETag.matches("\"x\", \"y\"", "\"a\"", false)).isFalse();
    }

    @Test
    void requiresWholeElement() {
        assertThat(ETag.matches("\"a\"x", "\"a\"", false)).isFalse();
        assertThat(ETag.matches("\"ab\"", "\"a\"", false)).isFalse();
        assertThat(ETag.matches("\"a", "\"a\"", false)).isFalse();
    }

    @Test
    void leadingWhitespaceOfTheFirstElementIsNotSkipped() {
        // nginx relies on the header parser having trimmed the value.
        assertThat(ETag.matches(" \"a\"", "\"a\"", false)).isFalse();
    }

    @Test
    void weakComparisonIgnoresWPrefix() {
        assertThat(ETag.matches("W/\"a\"", "\"a\"", true)).isTrue();
        assertThat(ETag.matches("\"a\"", "W/\"a\"", true)).isTrue();
        assertThat(ETag.matches("\"x\", W/\"a\"", "\"a\"", true)).isTrue();
    }

    @Test
    void strongComparisonRejectsWeakTags() {
        assertThat(ETag.matches("W/\"a\"", "\"a\"", false)).isFalse();
        assertThat(ETag.matches("\"a\"", "W/\"a\"", false)).isFalse();
        assertThat(ETag.matches("W/\"a\"", "W/\"a\"", false)).isTrue();
    }
}
