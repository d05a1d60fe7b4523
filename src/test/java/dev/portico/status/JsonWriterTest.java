package dev.portico.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JsonWriterTest {

    @Test
    void nestedObjectsAndArraysGetTheirCommas() {
        String json = new JsonWriter().beginObject()
                .name("a").value(1)
                .name("b").beginArray().value(true).value(false).nullValue().beginObject().endObject().endArray()
                .name("c").beginObject().name("d").value("x").name("e").value(-7).endObject()
                .name("f").beginArray().endArray()
                .endObject().toString();
        assertThat(json).isEqualTo("{\"a\":1,\"b\":[true,false,null,{}],\"c\":{\"d\":\"x\",\"e\":-7},\"f\":[]}");
    }

    @Test
    void stringsAreEscapedToAscii() {
        String json = new JsonWriter().beginArray()
                .value("quote \" backslash \\ slash /")
                .value("\n\r\t\b\f\u0000\u001f\u007f")
                .value("caf\u00e9 \u2028 \ud83d\ude00 \ud800")
                .value((String) null)
                .endArray().toString();
        assertThat(json).isEqualTo("[\"quote \\\" backslash \\\\ slash /\","
                + "\"\\n\\r\\t\\b\\f\\u0000\\u001f\\u007f\","
                + "\"caf\\u00e9 \\u2028 \\ud83d\\ude00 \\ud800\","
                + "null]");
    }

    @Test
    void namesAreEscapedToo() {
        assertThat(new JsonWriter().beginObject().name("a\"b").value(0).endObject().toString())
                .isEqualTo("{\"a\\\"b\":0}");
    }

    @Test
    void deepNestingGrowsTheStack() {
        JsonWriter w = new JsonWriter();
        for (int i = 0; i < 20; i++) {
            w.beginArray().value(i);
        }
        for (int i = 0; i < 20; i++) {
            w.endArray();
        }
        assertThat(w.toString()).startsWith("[0,[1,[2,").endsWith(",[19" + "]".repeat(20));
    }

    @Test
    void misuseIsRefused() {
        assertThatThrownBy(() -> new JsonWriter().name("top-level"))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new JsonWriter().beginObject().name("a").name("b"))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new JsonWriter().beginObject().name("a").endObject())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new JsonWriter().beginObject().toString())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new JsonWriter().endArray())
                .isInstanceOf(IllegalStateException.class);
    }
}
