package dev.portico.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MimeTypesTest {

    private static final String DEFAULT = "application/octet-stream";
    private final MimeTypes types = MimeTypes.defaults();

    @Test
    void commonTypes() {
        assertThat(types.lookup("index.html", DEFAULT)).isEqualTo("text/html");
        assertThat(types.lookup("style.css", DEFAULT)).isEqualTo("text/css");
        assertThat(types.lookup("photo.jpg", DEFAULT)).isEqualTo("image/jpeg");
        assertThat(types.lookup("app.js", DEFAULT)).isEqualTo("application/javascript");
        assertThat(types.lookup("data.json", DEFAULT)).isEqualTo("application/json");
        assertThat(types.lookup("font.woff2", DEFAULT)).isEqualTo("font/woff2");
        assertThat(types.lookup("deck.pptx", DEFAULT))
            .isEqualTo("application/vnd.openxmlformats-officedocument.presentationml.presentation");
        assertThat(types.lookup("notes.txt", DEFAULT)).isEqualTo("text/plain");
    }

    @Test
    void extensionIsCaseInsensitive() {
        assertThat(types.lookup("A.HTML", DEFAULT)).isEqualTo("text/html");
        assertThat(types.lookup("x.JpG", DEFAULT)).isEqualTo("image/jpeg");
    }

    @Test
    void unknownOrMissingExtensionGetsDefault() {
        assertThat(types.lookup("archive.tar.gz", DEFAULT)).isEqualTo(DEFAULT);
        assertThat(types.lookup("README", "text/plain")).isEqualTo("text/plain");
        assertThat(types.lookup("file.", DEFAULT)).isEqualTo(DEFAULT);
        assertThat(types.lookup("/dir.html/file", DEFAULT)).isEqualTo(DEFAULT);
        assertThat(types.lookup(".html", DEFAULT)).isEqualTo(DEFAULT);
    }

    @Test
    void extensionRules() {
        assertThat(MimeTypes.extension("a.b.txt")).isEqualTo("txt");
        assertThat(MimeTypes.extension("/p/.hidden.css")).isEqualTo("css");
        assertThat(MimeTypes.extension("..x.js")).isEqualTo("js");
        assertThat(MimeTypes.extension(".bashrc")).isNull();
        assertThat(MimeTypes.extension("...")).isNull();
        assertThat(MimeTypes.extension("file.")).isEmpty();
        assertThat(MimeTypes.extension("/a.d/file")).isNull();
    }

    @Test
    void ofCopiesAndLowercases() {
        MimeTypes custom = MimeTypes.of(Map.of("MD", "text/markdown"));
        assertThat(custom.lookup("x.md", DEFAULT)).isEqualTo("text/markdown");
        assertThat(custom.asMap()).containsOnlyKeys("md");
    }

    @Test
    void laterExtensionWins() {
        assertThat(MimeTypes.readTypesBlock("types {\n a/b x y;\n c/d X; # comment ; here\n}\n"))
            .containsExactlyInAnyOrderEntriesOf(Map.of("x", "c/d", "y", "a/b"));
    }

    @Test
    void bundledFileCoversTheWholeNginxList() {
        Map<String, String> map = types.asMap();
        assertThat(map).hasSize(110);
        assertThat(map).containsEntry("shtml", "text/html").containsEntry("msm", DEFAULT)
            .containsEntry("avi", "video/x-msvideo").containsEntry("wasm", "application/wasm");
    }

    @Test
    void resourceIsTheSameFileAsConf() throws Exception {
        String conf = Files.readString(Path.of("conf/mime.types"), StandardCharsets.UTF_8);
        try (InputStream in = MimeTypes.class.getResourceAsStream(MimeTypes.DEFAULT_RESOURCE)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(conf);
        }
    }
}
