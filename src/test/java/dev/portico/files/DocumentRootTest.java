package dev.portico.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DocumentRootTest {

    @TempDir
    Path dir;

    @Test
    void dotSegmentsAreFoundOnlyWhereTheRequestReaches() {
        String root = "/data/pics/";
        assertThat(DocumentRoot.hasDotSegment(root + "../etc/passwd", root.length())).isTrue();
        assertThat(DocumentRoot.hasDotSegment(root + "./x", root.length())).isTrue();
        assertThat(DocumentRoot.hasDotSegment("/data/" + "..", "/data/".length())).isTrue();
        assertThat(DocumentRoot.hasDotSegment(root + "..x/y", root.length())).isFalse();
        assertThat(DocumentRoot.hasDotSegment(root + "a/b...", root.length())).isFalse();
        // The configured part may say what it likes.
        assertThat(DocumentRoot.hasDotSegment("/srv/../www/index.html", "/srv/../www".length())).isFalse();
        // A name that merely starts inside the root's last segment is not a dot segment.
        assertThat(DocumentRoot.hasDotSegment("/data/img../x", "/data/img".length())).isFalse();
    }

    @Test
    void fullNameAppliesThePrefixToRelativeNames() {
        assertThat(DocumentRoot.fullName("/usr/local/portico", "html")).isEqualTo("/usr/local/portico/html");
        assertThat(DocumentRoot.fullName("/usr/local/portico/", "html")).isEqualTo("/usr/local/portico/html");
        assertThat(DocumentRoot.fullName("/usr/local/portico", "/srv/www/")).isEqualTo("/srv/www/");
    }

    @Test
    void statReportsNginxErrnoValues() throws Exception {
        Path file = Files.writeString(dir.resolve("f.txt"), "x");
        assertThat(DocumentRoot.stat(file.toString()).isRegularFile()).isTrue();
        assertThat(DocumentRoot.stat(dir.toString()).isDirectory()).isTrue();
        assertThat(DocumentRoot.stat(dir + "/none").error()).isEqualTo(DocumentRoot.Errno.ENOENT);
        assertThat(DocumentRoot.stat(file + "/x").error()).isEqualTo(DocumentRoot.Errno.ENOTDIR);
        assertThat(DocumentRoot.stat(file + "/").error()).isEqualTo(DocumentRoot.Errno.ENOTDIR);
        assertThat(DocumentRoot.stat(dir + "/a\0b").error()).isEqualTo(DocumentRoot.Errno.ENOENT);
        assertThat(DocumentRoot.Errno.ENOENT.describe()).isEqualTo(" (2: No such file or directory)");
    }
}
