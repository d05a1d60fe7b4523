package dev.portico.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PidFileTest {

    @TempDir
    Path dir;

    @Test
    void writesPidAndLineFeedWithMode0644() throws Exception {
        Path file = dir.resolve("portico.pid");
        PidFile.write(file, 4242);
        assertThat(Files.readString(file)).isEqualTo("4242\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r--r--");
        assertThat(PidFile.read(file)).isEqualTo(4242);
        // No temporary file is left beside it.
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void writeReplacesAnOldFile() throws Exception {
        Path file = dir.resolve("portico.pid");
        Files.writeString(file, "99999999999\n");
        PidFile.write(file, 7);
        assertThat(Files.readString(file)).isEqualTo("7\n");
    }

    @Test
    void writeIntoMissingFolderFailsWithNginxWording() {
        Path file = dir.resolve("missing/portico.pid");
        assertThatThrownBy(() -> PidFile.write(file, 1))
                .isInstanceOf(IOException.class)
                .hasMessage("open() \"" + file + "\" failed (2: No such file or directory)");
    }

    @Test
    void readAcceptsCrLfAndNoLineFeed() throws Exception {
        Path file = dir.resolve("a.pid");
        Files.writeString(file, "123\r\n");
        assertThat(PidFile.read(file)).isEqualTo(123);
        Files.writeString(file, "456");
        assertThat(PidFile.read(file)).isEqualTo(456);
    }

    @Test
    void readMissingFileUsesNginxWording() {
        Path file = dir.resolve("none.pid");
        assertThatThrownBy(() -> PidFile.read(file))
                .isInstanceOf(IOException.class)
                .hasMessage("open() \"" + file + "\" failed (2: No such file or directory)");
    }

    @Test
    void readInvalidNumbersUsesNginxWording() throws Exception {
        Path file = dir.resolve("bad.pid");
        for (String content : new String[]{"abc\n", "", "\n", "-5\n", "12 \n", " 12\n", "99999999999999999999\n"}) {
            Files.writeString(file, content);
            String shown = content.replace("\n", "");
            assertThatThrownBy(() -> PidFile.read(file))
                    .as("content %s", content)
                    .isInstanceOf(IOException.class)
                    .hasMessage("invalid PID number \"" + shown + "\" in \"" + file + "\"");
        }
    }

    @Test
    void removeOnlyWhenItStillHoldsOurPid() throws Exception {
        Path file = dir.resolve("r.pid");
        PidFile.write(file, 10);
        assertThat(PidFile.remove(file, 11)).isFalse();
        assertThat(file).exists();
        assertThat(PidFile.remove(file, 10)).isTrue();
        assertThat(file).doesNotExist();
        assertThat(PidFile.remove(file, 10)).isFalse();
    }
}
