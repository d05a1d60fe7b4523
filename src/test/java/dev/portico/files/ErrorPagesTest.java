package dev.portico.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ErrorPagesTest {

    @Test
    void notFoundPage() {
        assertThat(ErrorPages.body(404, "portico")).isEqualTo("<html>\r\n"
            + "<head><title>404 Not Found</title></head>\r\n"
            + "<body>\r\n"
            + "<center><h1>404 Not Found</h1></center>\r\n"
            + "<hr><center>portico</center>\r\n"
            + "</body>\r\n"
            + "</html>\r\n");
    }

    @Test
    void requestHeaderTooLargePage() {
        assertThat(ErrorPages.body(494, "portico/0.1.0")).isEqualTo("<html>\r\n"
            + "<head><title>400 Request Header Or Cookie Too Large</title></head>\r\n"
            + "<body>\r\n"
            + "<center><h1>400 Bad Request</h1></center>\r\n"
            + "<center>Request Header Or Cookie Too Large</center>\r\n"
            + "<hr><center>portico/0.1.0</center>\r\n"
            + "</body>\r\n"
            + "</html>\r\n");
    }

    @Test
    void plainHttpToHttpsPage() {
        assertThat(ErrorPages.body(497, "portico"))
            .contains("<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>")
            .contains("<center>The plain HTTP request was sent to HTTPS port</center>\r\n<hr>");
    }

    @Test
    void headingsFollowNginxWording() {
        assertThat(ErrorPages.body(302, "p")).contains("<h1>302 Found</h1>");
        assertThat(ErrorPages.body(401, "p")).contains("<h1>401 Authorization Required</h1>");
        assertThat(ErrorPages.body(408, "p")).contains("<h1>408 Request Time-out</h1>");
        assertThat(ErrorPages.body(503, "p")).contains("<h1>503 Service Temporarily Unavailable</h1>");
        assertThat(ErrorPages.body(498, "p")).contains("<h1>404 Not Found</h1>");
    }

    @ParameterizedTest
    @ValueSource(ints = {301, 302, 303, 307, 308, 400, 401, 402, 403, 404, 405, 406, 408, 409, 410, 411, 412,
        413, 414, 415, 416, 421, 429, 494, 495, 496, 497, 500, 501, 502, 503, 504, 505, 507})
    void everyBuiltInPageHasTheSameShape(int status) {
        String body = ErrorPages.body(status, "portico");
        assertThat(ErrorPages.hasBody(status)).isTrue();
        assertThat(body).startsWith("<html>\r\n<head><title>" + ErrorPages.wireStatus(status) + " ")
            .contains("<center><h1>" + ErrorPages.wireStatus(status) + " ")
            .endsWith("<hr><center>portico</center>\r\n</body>\r\n</html>\r\n")
            .doesNotContain("nginx");
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 204, 206, 304, 407, 417, 499, 506, 999})
    void statusesWithoutBody(int status) {
        assertThat(ErrorPages.hasBody(status)).isFalse();
        assertThat(ErrorPages.body(status, "portico")).isEmpty();
    }

    @Test
    void signature() {
        assertThat(ErrorPages.signature(false, "0.1.0")).isEqualTo("portico");
        assertThat(ErrorPages.signature(true, "0.1.0")).isEqualTo("portico/0.1.0");
        assertThat(ErrorPages.signature(true, null)).isEqualTo("portico");
    }

    @Test
    void reasonPhrases() {
        assertThat(ErrorPages.reasonPhrase(200)).isEqualTo("OK");
        assertThat(ErrorPages.reasonPhrase(206)).isEqualTo("Partial Content");
        assertThat(ErrorPages.reasonPhrase(302)).isEqualTo("Moved Temporarily");
        assertThat(ErrorPages.reasonPhrase(304)).isEqualTo("Not Modified");
        assertThat(ErrorPages.reasonPhrase(401)).isEqualTo("Unauthorized");
        assertThat(ErrorPages.reasonPhrase(405)).isEqualTo("Not Allowed");
        assertThat(ErrorPages.reasonPhrase(416)).isEqualTo("Requested Range Not Satisfiable");
        assertThat(ErrorPages.reasonPhrase(501)).isEqualTo("Not Implemented");
        assertThat(ErrorPages.reasonPhrase(203)).isNull();
        assertThat(ErrorPages.reasonPhrase(407)).isNull();
        assertThat(ErrorPages.reasonPhrase(494)).isNull();
        assertThat(ErrorPages.reasonPhrase(ErrorPages.wireStatus(494))).isEqualTo("Bad Request");
    }

    @Test
    void wireStatus() {
        assertThat(ErrorPages.wireStatus(494)).isEqualTo(400);
        assertThat(ErrorPages.wireStatus(497)).isEqualTo(400);
        assertThat(ErrorPages.wireStatus(404)).isEqualTo(404);
        assertThat(ErrorPages.wireStatus(499)).isEqualTo(499);
    }

    @Test
    void bundledHtmlPages() throws Exception {
        for (String name : new String[] {"index.html", "50x.html"}) {
            String onDisk = Files.readString(Path.of("html", name), StandardCharsets.UTF_8);
            try (InputStream in = ErrorPages.class.getResourceAsStream("/dev/portico/html/" + name)) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(onDisk);
            }
        }
        assertThat(Files.readString(Path.of("html/index.html"))).contains("<h1>Welcome to Portico!</h1>");
        assertThat(Files.readString(Path.of("html/50x.html"))).contains("<h1>An error occurred.</h1>");
    }
}
