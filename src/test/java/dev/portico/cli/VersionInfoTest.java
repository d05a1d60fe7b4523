package dev.portico.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class VersionInfoTest {

    @Test
    void versionLineNamesPortico() {
        // Tests run from classes, which carry no manifest version.
        assertThat(VersionInfo.VERSION).isEqualTo("0.1.0");
        assertThat(VersionInfo.versionLine()).isEqualTo("portico version: portico/0.1.0");
    }

    @Test
    void configureReportListsRuntimeAndArguments() {
        String report = VersionInfo.configureReport(
                List.of("--prefix=/opt/portico", "--with-http_v2_module", "--without-http_ssi_module"), true);
        assertThat(report).isEqualTo("portico version: portico/0.1.0\n"
                + "built with Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ")\n"
                + "TLS SNI support enabled\n"
                + "configure arguments: --prefix=/opt/portico --with-http_v2_module --without-http_ssi_module\n");
    }

    @Test
    void configureReportWithoutSniOrArguments() {
        String report = VersionInfo.configureReport(List.of());
        assertThat(report).doesNotContain("SNI");
        assertThat(report).endsWith(")\nconfigure arguments:\n");
    }
}
