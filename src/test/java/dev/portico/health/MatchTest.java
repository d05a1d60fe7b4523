package dev.portico.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.config.syntax.AstBlock;
import dev.portico.config.syntax.ConfigParser;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** NGINX Plus's match tests against responses: null is a pass, else where the response failed. */
class MatchTest {

    private static Match match(String entries) throws Exception {
        AstBlock block = ConfigParser.parseString("match m {\n" + entries + "\n}", "test", Path.of(".")).root();
        return Match.parse("m", block.directives().get(0).block().directives());
    }

    private static HttpHeaders headers(String... nameValues) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (int i = 0; i < nameValues.length; i += 2) {
            h.add(nameValues[i], nameValues[i + 1]);
        }
        return h;
    }

    private static final HttpHeaders NONE = headers();

    @Test
    void defaultIs2xxOr3xx() {
        assertThat(Match.DEFAULT.failure(200, NONE, "")).isNull();
        assertThat(Match.DEFAULT.failure(204, NONE, "")).isNull();
        assertThat(Match.DEFAULT.failure(302, NONE, "")).isNull();
        assertThat(Match.DEFAULT.failure(399, NONE, "")).isNull();
        assertThat(Match.DEFAULT.failure(199, NONE, "")).isEqualTo(Match.STATUS);
        assertThat(Match.DEFAULT.failure(404, NONE, "")).isEqualTo(Match.STATUS);
        assertThat(Match.DEFAULT.failure(503, NONE, "")).isEqualTo(Match.STATUS);
        assertThat(Match.DEFAULT.readsBody()).isFalse();
        assertThat(Match.DEFAULT.lastStage()).isEqualTo("checking status code");
        assertThat(Match.DEFAULT.name()).isEmpty();
    }

    @Test
    void statusCodesRangesAndNegation() throws Exception {
        Match m = match("status 200 204;");
        assertThat(m.failure(200, NONE, "")).isNull();
        assertThat(m.failure(204, NONE, "")).isNull();
        assertThat(m.failure(201, NONE, "")).isEqualTo(Match.STATUS);

        Match not = match("status ! 500;");
        assertThat(not.failure(503, NONE, "")).isNull();
        assertThat(not.failure(500, NONE, "")).isEqualTo(Match.STATUS);

        Match mixed = match("status 301-303 307;");
        assertThat(mixed.failure(302, NONE, "")).isNull();
        assertThat(mixed.failure(307, NONE, "")).isNull();
        assertThat(mixed.failure(304, NONE, "")).isEqualTo(Match.STATUS);

        Match notRange = match("status ! 400-599;");
        assertThat(notRange.failure(399, NONE, "")).isNull();
        assertThat(notRange.failure(400, NONE, "")).isEqualTo(Match.STATUS);
        assertThat(notRange.failure(599, NONE, "")).isEqualTo(Match.STATUS);

        // Several status lines: every one must hold.
        Match both = match("status 200-399; status ! 301 302;");
        assertThat(both.failure(200, NONE, "")).isNull();
        assertThat(both.failure(301, NONE, "")).isEqualTo(Match.STATUS);
    }

    @Test
    void headerTests() throws Exception {
        HttpHeaders html = headers("Content-Type", "text/html", "Connection", "close");
        assertThat(match("header Content-Type = text/html;").failure(200, html, "")).isNull();
        assertThat(match("header Content-Type = text/plain;").failure(200, html, "")).isEqualTo(Match.HEADERS);
        assertThat(match("header Content-Type != text/plain;").failure(200, html, "")).isNull();
        assertThat(match("header Content-Type != text/html;").failure(200, html, "")).isEqualTo(Match.HEADERS);
        // != needs the header: it "contains Content-Type with value other than".
        assertThat(match("header X-Missing != a;").failure(200, html, "")).isEqualTo(Match.HEADERS);
        assertThat(match("header Connection ~ clo;").failure(200, html, "")).isNull();
        assertThat(match("header Connection ~ ^keep;").failure(200, html, "")).isEqualTo(Match.HEADERS);
        assertThat(match("header Connection !~ ^keep;").failure(200, html, "")).isNull();
        assertThat(match("header Connection !~ close;").failure(200, html, "")).isEqualTo(Match.HEADERS);
        // Names compare without case, as HTTP's do.
        assertThat(match("header content-type;").failure(200, html, "")).isNull();
        assertThat(match("header X-Accel-Redirect;").failure(200, html, "")).isEqualTo(Match.HEADERS);
        assertThat(match("header ! X-Accel-Redirect;").failure(200, html, "")).isNull();
        assertThat(match("header ! Connection;").failure(200, html, "")).isEqualTo(Match.HEADERS);
        assertThat(match("header ! Connection;").lastStage()).isEqualTo("checking headers");
    }

    @Test
    void bodyTests() throws Exception {
        Match welcome = match("body ~ \"Welcome to nginx!\";");
        assertThat(welcome.readsBody()).isTrue();
        assertThat(welcome.failure(200, NONE, "<h1>Welcome to nginx!</h1>")).isNull();
        assertThat(welcome.failure(200, NONE, "It works")).isEqualTo(Match.BODY);
        Match notMaintenance = match("body !~ \"maintenance mode\";");
        assertThat(notMaintenance.failure(200, NONE, "all fine")).isNull();
        assertThat(notMaintenance.failure(200, NONE, "in maintenance mode")).isEqualTo(Match.BODY);
        assertThat(notMaintenance.lastStage()).isEqualTo("checking body");
    }

    @Test
    void everyTestMustPassAndStatusIsCheckedFirst() throws Exception {
        Match m = match("status 200; header Content-Type = application/json; body ~ \"\\\"healthy\\\": true\";");
        HttpHeaders json = headers("Content-Type", "application/json");
        assertThat(m.failure(200, json, "{\"healthy\": true}")).isNull();
        assertThat(m.failure(503, json, "{\"healthy\": true}")).isEqualTo(Match.STATUS);
        assertThat(m.failure(200, headers("Content-Type", "text/html"), "{\"healthy\": true}"))
                .isEqualTo(Match.HEADERS);
        assertThat(m.failure(200, json, "{\"healthy\": false}")).isEqualTo(Match.BODY);
        // No tests at all: any response matches.
        assertThat(match("").failure(500, NONE, "")).isNull();
    }
}
