package dev.portico.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NginxDirectivesTest {

    @Test
    void knowsNginxDirectivesOfEveryOpenSourceModuleFamily() {
        for (String name : new String[] {"proxy_pass", "worker_connections", "ssl_preread", "smtp_auth",
                "grpc_pass", "add_trailer", "open_log_file_cache", "http2", "stream", "mail", "load_module"}) {
            assertThat(NginxDirectives.isNginxDirective(name)).as(name).isTrue();
        }
        assertThat(NginxDirectives.isNginxDirective("proxy_passs")).isFalse();
        assertThat(NginxDirectives.isNginxDirective("spdy_chunk_size")).isFalse();
    }

    @Test
    void valuesAcceptUnitsWithoutSpaces() {
        assertThat(Values.seconds("15h30m")).isEqualTo(15 * 3600 + 30 * 60);
        assertThat(Values.millis("1m30s500ms")).isEqualTo(90_500);
        assertThat(Values.seconds("1h 30m")).isEqualTo(5400);
        assertThat(Values.seconds("1hx")).isEqualTo(-1);
        assertThat(Values.seconds("30m1h")).isEqualTo(-1);
    }
}
