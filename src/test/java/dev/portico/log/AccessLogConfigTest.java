package dev.portico.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.portico.config.ConfigException;
import dev.portico.core.Snapshot;
import dev.portico.testing.TestServer;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLogConfigTest {

    @TempDir
    Path dir;

    /** Line 3 is the first line of {@code httpBody}. */
    private String fails(String httpBody) {
        String conf = "events {}\nhttp {\n" + httpBody + "\n    server { listen 127.0.0.1:1; }\n}\n";
        Throwable t = catchThrowable(() -> TestServer.load(dir, conf));
        assertThat(t).isInstanceOf(ConfigException.class);
        return t.getMessage();
    }

    private String at(int line) {
        return " in " + dir.resolve("nginx.conf") + ":" + line;
    }

    @Test
    void logFormatErrors() {
        assertThat(fails("log_format combined '$remote_addr';"))
                .isEqualTo("duplicate \"log_format\" name \"combined\"" + at(3));
        assertThat(fails("log_format a '$uri';\nlog_format a '$uri';"))
                .isEqualTo("duplicate \"log_format\" name \"a\"" + at(4));
        assertThat(fails("log_format a escape=xml '$uri';")).isEqualTo("unknown log format escaping \"xml\"" + at(3));
        assertThat(fails("log_format a '$nosuchvariable';")).isEqualTo("unknown \"nosuchvariable\" variable" + at(3));
        assertThat(fails("log_format a;")).isEqualTo("invalid number of arguments in \"log_format\" directive" + at(3));
        assertThat(fails("server { log_format a b; }")).isEqualTo("\"log_format\" directive is not allowed here"
                + at(3));
    }

    @Test
    void accessLogErrors() {
        assertThat(fails("access_log logs/a.log nosuch;")).isEqualTo("unknown log format \"nosuch\"" + at(3));
        assertThat(fails("access_log logs/a.log main;\nlog_format main '$uri';"))
                .isEqualTo("unknown log format \"main\"" + at(3));
        assertThat(fails("access_log off combined;")).isEqualTo("invalid parameter \"combined\"" + at(3));
        assertThat(fails("access_log logs/a.log combined flush=1s;"))
                .isEqualTo("no buffer is defined for access_log \"logs/a.log\"" + at(3));
        assertThat(fails("access_log logs/a.log combined buffer=0;")).isEqualTo("invalid buffer size \"0\"" + at(3));
        assertThat(fails("access_log logs/a.log combined buffer=1x;")).isEqualTo("invalid buffer size \"1x\"" + at(3));
        assertThat(fails("access_log logs/a.log combined buffer=1k flush=0;"))
                .isEqualTo("invalid flush time \"0\"" + at(3));
        assertThat(fails("access_log logs/a.log combined weird=1;")).isEqualTo("invalid parameter \"weird=1\"" + at(3));
        assertThat(fails("access_log logs/a.log combined buffer=1k;\naccess_log logs/a.log combined buffer=2k;"))
                .isEqualTo("access_log \"logs/a.log\" already defined with conflicting parameters" + at(4));
        assertThat(fails("access_log logs/a.log combined gzip;"))
                .isEqualTo("gzip compression of access logs is not supported by portico" + at(3));
        assertThat(fails("access_log syslog:server=127.0.0.1;"))
                .isEqualTo("\"syslog:\" logging is not supported by portico" + at(3));
        assertThat(fails("access_log logs/$host.log;"))
                .isEqualTo("variables in \"access_log\" file names are not supported by portico" + at(3));
        assertThat(fails("access_log logs/a.log combined if=$nosuch;")).isEqualTo("unknown \"nosuch\" variable" + at(3));
    }

    @Test
    void openLogFileCacheIsCheckedAsNginx() throws Exception {
        assertThat(fails("open_log_file_cache inactive=20s;"))
                .isEqualTo("\"open_log_file_cache\" must have \"max\" parameter" + at(3));
        assertThat(fails("open_log_file_cache max=x;"))
                .isEqualTo("invalid \"open_log_file_cache\" parameter \"max=x\"" + at(3));
        assertThat(fails("open_log_file_cache max=10 later;"))
                .isEqualTo("invalid \"open_log_file_cache\" parameter \"later\"" + at(3));
        assertThat(fails("open_log_file_cache off;\nopen_log_file_cache off;"))
                .isEqualTo("\"open_log_file_cache\" directive is duplicate" + at(4));
        TestServer.load(dir, "events {}\nhttp { open_log_file_cache max=1000 inactive=20s valid=1m min_uses=2;\n"
                + " server { listen 127.0.0.1:1; open_log_file_cache off; } }\n").close();
    }

    @Test
    void sameBufferTwiceIsFine() throws Exception {
        TestServer.load(dir, "events {}\nhttp { access_log logs/a.log combined buffer=1k flush=2s;\n"
                + " server { listen 127.0.0.1:1; access_log logs/a.log combined buffer=1k flush=2s;"
                + " access_log logs/a.log; } }\n").close();
    }

    @Test
    void anUnopenableFileStopsTheStartWithNginxsMessage() throws Exception {
        Snapshot s = TestServer.load(dir, "events {}\nhttp { access_log nodir/a.log;\n"
                + " server { listen 127.0.0.1:1; } }\n");
        try {
            Throwable t = catchThrowable(s::prepare);
            assertThat(t).isInstanceOf(IOException.class).hasMessage("open() \"" + dir.resolve("nodir/a.log")
                    + "\" failed (2: No such file or directory)");
        } finally {
            s.close();
        }
    }
}
