package dev.portico.files;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.files.AutoindexPage.Entry;
import dev.portico.files.AutoindexPage.Format;
import dev.portico.files.AutoindexPage.Options;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AutoindexPageTest {

    private static final long NOV_1994 = 784111777L; // Sun, 06 Nov 1994 08:49:37 GMT

    private static String html(String uri, List<Entry> entries, Options options) {
        return new String(AutoindexPage.render(Format.HTML, uri, entries, options), StandardCharsets.UTF_8);
    }

    @Test
    void htmlPageByteForByte() {
        List<Entry> entries = List.of(
            new Entry("b", false, 0, 0),
            new Entry("a.txt", false, 1234, NOV_1994),
            new Entry("sub", true, 4096, 0));
        String expected = "<html>\r\n<head><title>Index of /x/</title></head>\r\n<body>\r\n"
            + "<h1>Index of /x/</h1><hr><pre><a href=\"../\">../</a>\r\n"
            + "<a href=\"sub/\">sub/</a>                                              "
            + " 01-Jan-1970 00:00                   -\r\n"
            + "<a href=\"a.txt\">a.txt</a>                                             "
            + " 06-Nov-1994 08:49                1234\r\n"
            + "<a href=\"b\">b</a>                                                 "
            + " 01-Jan-1970 00:00                   0\r\n"
            + "</pre><hr></body>\r\n</html>\r\n";
        assertThat(html("/x/", entries, Options.DEFAULTS)).isEqualTo(expected);
    }

    @Test
    void emptyDirectory() {
        assertThat(html("/", List.of(), Options.DEFAULTS)).isEqualTo(
            "<html>\r\n<head><title>Index of /</title></head>\r\n<body>\r\n"
            + "<h1>Index of /</h1><hr><pre><a href=\"../\">../</a>\r\n</pre><hr></body>\r\n</html>\r\n");
    }

    @Test
    void columnsLineUp() {
        String page = html("/", List.of(new Entry("a", false, 1, 0), new Entry("dir", true, 0, 0),
            new Entry("x".repeat(50), false, 5, 0)), Options.DEFAULTS);
        List<String> rows = page.lines().filter(l -> l.startsWith("<a href=\"") && !l.contains("../"))
            .map(l -> l.substring(l.indexOf("\">") + 2)).collect(Collectors.toList());
        // Visible text: 50-column name field, a space, 17-char date, a space, 19-char size.
        assertThat(rows).hasSize(3).allSatisfy(r -> assertThat(r.replace("</a>", "")).hasSize(50 + 1 + 17 + 1 + 19));
    }

    @Test
    void longNamesAreTruncated() {
        String name = "n".repeat(60);
        assertThat(html("/", List.of(new Entry(name, false, 1, 0)), Options.DEFAULTS))
            .contains("<a href=\"" + name + "\">" + "n".repeat(47) + "..&gt;</a> 01-Jan-1970 00:00 ");
    }

    @Test
    void fiftyCharacterDirectoryHasNoRoomForSlash() {
        String name = "d".repeat(50);
        assertThat(html("/", List.of(new Entry(name, true, 0, 0)), Options.DEFAULTS))
            .contains("<a href=\"" + name + "/\">" + name + "</a> 01-Jan-1970");
        String shorter = "d".repeat(49);
        assertThat(html("/", List.of(new Entry(shorter, true, 0, 0)), Options.DEFAULTS))
            .contains("<a href=\"" + shorter + "/\">" + shorter + "/</a> 01-Jan-1970");
        String name51 = "d".repeat(51);
        assertThat(html("/", List.of(new Entry(name51, true, 0, 0)), Options.DEFAULTS))
            .contains("<a href=\"" + name51 + "/\">" + "d".repeat(47) + "..&gt;</a> 01-Jan-1970");
    }

    @Test
    void namesAreEscaped() {
        assertThat(html("/<b>/", List.of(new Entry("a<b>&c d.txt", false, 1, 0)), Options.DEFAULTS))
            .contains("<title>Index of /&lt;b&gt;/</title>")
            .contains("<h1>Index of /&lt;b&gt;/</h1>")
            .contains("<a href=\"a%3Cb%3E%26c%20d.txt\">a&lt;b&gt;&amp;c d.txt</a>" + " ".repeat(38) + " 01-Jan");
    }

    @Test
    void nonAsciiNamesMeasuredInBytesUnlessUtf8() {
        String name = "é".repeat(30); // 30 characters, 60 bytes
        byte[] bytes = AutoindexPage.render(Format.HTML, "/", List.of(new Entry(name, false, 1, 0)), Options.DEFAULTS);
        String latin = new String(bytes, StandardCharsets.ISO_8859_1);
        String cut = new String(name.getBytes(StandardCharsets.UTF_8), 0, 47, StandardCharsets.ISO_8859_1);
        assertThat(latin).contains("\">" + cut + "..&gt;</a>");

        String utf8 = html("/", List.of(new Entry(name, false, 1, 0)), new Options(true, null, true));
        assertThat(utf8).contains("\">" + name + "</a>" + " ".repeat(20) + " 01-Jan");
        assertThat(utf8).contains("<a href=\"" + "%C3%A9".repeat(30) + "\">");

        String longName = "é".repeat(55);
        assertThat(html("/", List.of(new Entry(longName, false, 1, 0)), new Options(true, null, true)))
            .contains("\">" + "é".repeat(47) + "..&gt;</a>");
    }

    @Test
    void directoriesFirstThenByteOrder() {
        List<Entry> entries = List.of(new Entry("b", false, 0, 0), new Entry("a.txt", false, 0, 0),
            new Entry("a", false, 0, 0), new Entry("B", false, 0, 0), new Entry("é", false, 0, 0),
            new Entry("z", true, 0, 0), new Entry("A", true, 0, 0));
        String page = html("/", entries, Options.DEFAULTS);
        List<String> order = page.lines().filter(l -> l.startsWith("<a href=\"") && !l.contains("../"))
            .map(l -> l.substring(9, l.indexOf('"', 9))).collect(Collectors.toList());
        assertThat(order).containsExactly("A/", "z/", "B", "a", "a.txt", "b", "%C3%A9");
    }

    @Test
    void approximateSizes() {
        assertThat(AutoindexPage.humanSize(0)).isEqualTo("      0");
        assertThat(AutoindexPage.humanSize(9999)).isEqualTo("   9999");
        assertThat(AutoindexPage.humanSize(10000)).isEqualTo("    10K");
        assertThat(AutoindexPage.humanSize(10240 + 511)).isEqualTo("    10K");
        assertThat(AutoindexPage.humanSize(10240 + 512)).isEqualTo("    11K");
        assertThat(AutoindexPage.humanSize(1048575)).isEqualTo("  1024K");
        assertThat(AutoindexPage.humanSize(1048576)).isEqualTo("     1M");
        assertThat(AutoindexPage.humanSize(1048576 + 524287)).isEqualTo("     1M");
        assertThat(AutoindexPage.humanSize(1048576 + 524288)).isEqualTo("     2M");
        assertThat(AutoindexPage.humanSize(1073741824L)).isEqualTo("     1G");
        assertThat(AutoindexPage.humanSize(5L * 1073741824L + 536870912L)).isEqualTo("     6G");
    }

    @Test
    void inexactSizeColumn() {
        Options inexact = new Options(false, null, false);
        String page = html("/", List.of(new Entry("d", true, 0, 0), new Entry("f", false, 20480, 0)), inexact);
        assertThat(page).contains("<a href=\"d/\">d/</a>" + " ".repeat(48) + " 01-Jan-1970 00:00       -\r\n");
        assertThat(page).contains("<a href=\"f\">f</a>" + " ".repeat(49) + " 01-Jan-1970 00:00     20K\r\n");
    }

    @Test
    void localtimeShiftsByTheGivenOffset() {
        String page = html("/", List.of(new Entry("f", false, 1, 0)), new Options(true, ZoneOffset.ofHours(2), false));
        assertThat(page).contains(" 01-Jan-1970 02:00 ");
        String west = html("/", List.of(new Entry("f", false, 1, 0)), new Options(true, ZoneOffset.ofHours(-5), false));
        assertThat(west).contains(" 31-Dec-1969 19:00 ");
    }

    @Test
    void json() {
        List<Entry> entries = List.of(new Entry("a\"b.txt", false, 5, 0), new Entry("sub", true, 4096, NOV_1994),
            new Entry("sock", false, 0, 0, false));
        String out = new String(AutoindexPage.render(Format.JSON, "/", entries, Options.DEFAULTS), StandardCharsets.UTF_8);
        assertThat(out).isEqualTo("[\r\n"
            + "{ \"name\":\"sub\", \"type\":\"directory\", \"mtime\":\"Sun, 06 Nov 1994 08:49:37 GMT\" },\r\n"
            + "{ \"name\":\"a\\\"b.txt\", \"type\":\"file\", \"mtime\":\"Thu, 01 Jan 1970 00:00:00 GMT\", \"size\":5 },\r\n"
            + "{ \"name\":\"sock\", \"type\":\"other\", \"mtime\":\"Thu, 01 Jan 1970 00:00:00 GMT\" }\r\n"
            + "]");
        assertThat(new String(AutoindexPage.render(Format.JSON, "/", List.of(), Options.DEFAULTS), StandardCharsets.UTF_8))
            .isEqualTo("[\r\n]");
    }

    @Test
    void jsonEscaping() {
        assertThat(AutoindexPage.escapeJson("a\\b\"c")).isEqualTo("a\\\\b\\\"c");
        assertThat(AutoindexPage.escapeJson("\n\r\t\b\f")).isEqualTo("\\n\\r\\t\\b\\f");
        assertThat(AutoindexPage.escapeJson("\u0001\u001f")).isEqualTo("\\u0001\\u001f");
        assertThat(AutoindexPage.escapeJson("é/<")).isEqualTo("é/<");
    }

    @Test
    void xml() {
        List<Entry> entries = List.of(new Entry("a\"<b>.txt", false, 5, 0), new Entry("sub", true, 4096, NOV_1994),
            new Entry("sock", false, 0, 0, false));
        String out = new String(AutoindexPage.render(Format.XML, "/", entries, Options.DEFAULTS), StandardCharsets.UTF_8);
        assertThat(out).isEqualTo("<?xml version=\"1.0\"?>\r\n<list>\r\n"
            + "<directory mtime=\"1994-11-06T08:49:37Z\">sub</directory>\r\n"
            + "<file mtime=\"1970-01-01T00:00:00Z\" size=\"5\">a&quot;&lt;b&gt;.txt</file>\r\n"
            + "<other mtime=\"1970-01-01T00:00:00Z\">sock</other>\r\n"
            + "</list>\r\n");
    }

    @Test
    void listReadsADirectory(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("f.txt"), "abc");
        Files.setLastModifiedTime(dir.resolve("f.txt"), FileTime.fromMillis(NOV_1994 * 1000 + 500));
        Files.createDirectory(dir.resolve("d"));
        Files.writeString(dir.resolve(".hidden"), "x");
        Files.createSymbolicLink(dir.resolve("broken"), dir.resolve("missing"));
        Files.createSymbolicLink(dir.resolve("link"), dir.resolve("f.txt"));

        List<Entry> entries = AutoindexPage.list(dir);
        assertThat(entries).extracting(Entry::name).containsExactlyInAnyOrder("f.txt", "d", "broken", "link");
        Entry file = entries.stream().filter(e -> e.name().equals("f.txt")).findFirst().orElseThrow();
        assertThat(file).isEqualTo(new Entry("f.txt", false, 3, NOV_1994, true));
        Entry link = entries.stream().filter(e -> e.name().equals("link")).findFirst().orElseThrow();
        assertThat(link.size()).isEqualTo(3);
        assertThat(link.regularFile()).isTrue();
        Entry d = entries.stream().filter(e -> e.name().equals("d")).findFirst().orElseThrow();
        assertThat(d.directory()).isTrue();
        Entry broken = entries.stream().filter(e -> e.name().equals("broken")).findFirst().orElseThrow();
        assertThat(broken.directory()).isFalse();
        assertThat(broken.regularFile()).isFalse();
    }
}
