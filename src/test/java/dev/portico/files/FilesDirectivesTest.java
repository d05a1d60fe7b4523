package dev.portico.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portico.config.ConfSet;
import dev.portico.config.ConfigException;
import dev.portico.core.Snapshot;
import dev.portico.http.HttpCoreModule;
import dev.portico.log.ErrorLog;
import dev.portico.log.LogLevel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing, checking and merging of the static-file directives, against nginx's rules and wording. */
class FilesDirectivesTest {

    @TempDir
    Path dir;

    private Snapshot load(String http) throws Exception {
        Path conf = Files.writeString(dir.resolve("portico.conf"), "events {}\nhttp {\n" + http + "\n}\n");
        return Snapshot.load(dir, Snapshot.Source.file(conf), null, new ErrorLog.Sink(null, LogLevel.ERROR));
    }

    /** Every merged location-level set: each server's own, then its locations depth first. */
    private List<ConfSet> sets(Snapshot s) {
        return HttpCoreModule.locationConfs(s.build());
    }

    private String loadError(String http) {
        try {
            load(http);
        } catch (ConfigException e) {
            return e.getMessage();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("configuration was accepted");
    }

    @Test
    void rootDefaultsToHtmlUnderThePrefixAndIsInherited() throws Exception {
        List<ConfSet> sets = sets(load("""
                server { listen 127.0.0.1:1; location / { } location /a/ { root /srv/a/; location /a/b/ { } } }
                """));
        assertThat(sets).hasSize(4);
        assertThat(sets.get(0).get(FilesModule.FILES).root()).isEqualTo(dir + "/html");
        assertThat(sets.get(1).get(FilesModule.FILES).root()).isEqualTo(dir + "/html");
        // root drops a trailing slash; nested locations inherit it.
        assertThat(sets.get(2).get(FilesModule.FILES).root()).isEqualTo("/srv/a");
        assertThat(sets.get(3).get(FilesModule.FILES).root()).isEqualTo("/srv/a");
        assertThat(sets.get(3).get(FilesModule.FILES).isAlias()).isFalse();
    }

    @Test
    void relativeRootResolvesAgainstThePrefix() throws Exception {
        List<ConfSet> sets = sets(load("root www; server { listen 127.0.0.1:1; }"));
        assertThat(sets.get(0).get(FilesModule.FILES).root()).isEqualTo(dir + "/www");
    }

    @Test
    void aliasKeepsItsSlashAndRemembersTheLocationNameLength() throws Exception {
        List<ConfSet> sets = sets(load("""
                server { listen 127.0.0.1:1; location /images/ { alias /data/pics/; location /images/x/ { } } }
                """));
        FilesConf alias = sets.get(1).get(FilesModule.FILES);
        assertThat(alias.root()).isEqualTo("/data/pics/");
        assertThat(alias.alias).isEqualTo("/images/".length());
        // A nested location inherits the alias with its parent's name length, as nginx.
        assertThat(sets.get(2).get(FilesModule.FILES).alias).isEqualTo("/images/".length());
    }

    @Test
    void aliasInARegexLocationIsTheWholePath() throws Exception {
        List<ConfSet> sets = sets(load("""
                server { listen 127.0.0.1:1; location ~ ^/d/(.*)$ { alias /data/$1; } }
                """));
        FilesConf conf = sets.get(1).get(FilesModule.FILES);
        assertThat(conf.alias).isEqualTo(FilesConf.ALIAS_REGEX);
        assertThat(conf.rootTemplate).isNotNull();
        assertThat(conf.root()).isNull();
    }

    @Test
    void rootAndAliasConflictsUseNginxWording() {
        assertThat(loadError("server { listen 127.0.0.1:1; location / { root /a; alias /b/; } }"))
                .startsWith("\"alias\" directive is duplicate, \"root\" directive was specified earlier");
        assertThat(loadError("server { listen 127.0.0.1:1; location / { alias /b/; root /a; } }"))
                .startsWith("\"root\" directive is duplicate, \"alias\" directive was specified earlier");
        assertThat(loadError("server { listen 127.0.0.1:1; root /a; root /b; }"))
                .startsWith("\"root\" directive is duplicate");
        assertThat(loadError("server { listen 127.0.0.1:1; location / { alias /a/; alias /b/; } }"))
                .startsWith("\"alias\" directive is duplicate in");
    }

    @Test
    void aliasIsRefusedInNamedLocationsAndOutsideLocations() {
        assertThat(loadError("server { listen 127.0.0.1:1; location @x { alias /a/; } }"))
                .startsWith("the \"alias\" directive cannot be used inside the named location");
        assertThat(loadError("server { listen 127.0.0.1:1; alias /a/; }"))
                .startsWith("\"alias\" directive is not allowed here");
    }

    @Test
    void documentRootCannotBeUsedInRoot() {
        assertThat(loadError("server { listen 127.0.0.1:1; root $document_root/x; }"))
                .startsWith("the $document_root variable cannot be used in the \"root\" directive");
        assertThat(loadError("server { listen 127.0.0.1:1; location / { alias \"${realpath_root}/x\"; } }"))
                .startsWith("the $realpath_root variable cannot be used in the \"alias\" directive");
    }

    @Test
    void indexDefaultsToIndexHtmlAndAccumulates() throws Exception {
        List<ConfSet> sets = sets(load("""
                server { listen 127.0.0.1:1;
                  location / { }
                  location /a/ { index a.html; index b.htm /fallback.html; }
                }
                """));
        assertThat(sets.get(1).get(IndexModule.INDEX).names()).containsExactly("index.html");
        assertThat(sets.get(2).get(IndexModule.INDEX).names()).containsExactly("a.html", "b.htm", "/fallback.html");
    }

    @Test
    void indexIsInheritedAndWarnsAboutAnAbsoluteNameNotLast() throws Exception {
        Snapshot s = load("index /x.html y.html; server { listen 127.0.0.1:1; location / { } }");
        assertThat(sets(s).get(1).get(IndexModule.INDEX).names()).containsExactly("/x.html", "y.html");
        assertThat(s.warnings()).anySatisfy(w ->
                assertThat(w.message()).isEqualTo("only the last index in \"index\" directive should be absolute"));
    }

    @Test
    void emptyIndexIsInvalid() {
        assertThat(loadError("server { listen 127.0.0.1:1; index a.html \"\"; }"))
                .startsWith("index \"a.html\" in \"index\" directive is invalid");
    }

    @Test
    void tryFilesArgumentForms() throws Exception {
        List<ConfSet> sets = sets(load("""
                server { listen 127.0.0.1:1;
                  location /a/ { try_files $uri $uri/ =404; }
                  location /b/ { try_files /static$uri @app; }
                  location /c/ { try_files $uri/ /index.php?q=$uri; }
                  location /d/ { }
                  location @app { }
                }
                """));
        FilesConf a = sets.get(1).get(FilesModule.FILES);
        assertThat(a.tryFiles()).extracting(TryFiles.Candidate::name).containsExactly("$uri", "$uri", "=404");
        assertThat(a.tryFiles()).extracting(TryFiles.Candidate::testDir).containsExactly(false, true, false);
        assertThat(a.tryFilesCode).isEqualTo(404);
        FilesConf b = sets.get(2).get(FilesModule.FILES);
        assertThat(b.tryFiles()).extracting(TryFiles.Candidate::name).containsExactly("/static$uri", "@app");
        assertThat(b.tryFilesCode).isEqualTo(-1);
        // A trailing slash on the last argument is part of the URI, not a directory test.
        FilesConf c = sets.get(3).get(FilesModule.FILES);
        assertThat(c.tryFiles()).extracting(TryFiles.Candidate::testDir).containsExactly(true, false);
        // try_files is not inherited.
        assertThat(sets.get(4).get(FilesModule.FILES).tryFiles()).isNull();
    }

    @Test
    void tryFilesErrors() {
        assertThat(loadError("server { listen 127.0.0.1:1; try_files $uri =4x4; }"))
                .startsWith("invalid code \"=4x4\"");
        assertThat(loadError("server { listen 127.0.0.1:1; try_files $uri =1000; }"))
                .startsWith("invalid code \"=1000\"");
        assertThat(loadError("server { listen 127.0.0.1:1; try_files $uri; }"))
                .startsWith("invalid number of arguments in \"try_files\" directive");
        assertThat(loadError("try_files $uri =404; server { listen 127.0.0.1:1; }"))
                .startsWith("\"try_files\" directive is not allowed here");
        assertThat(loadError("server { listen 127.0.0.1:1; try_files a =404; try_files b =404; }"))
                .startsWith("\"try_files\" directive is duplicate");
    }

    @Test
    void flagsEnumsAndNumbers() throws Exception {
        List<ConfSet> sets = sets(load("""
                etag off; if_modified_since before; max_ranges 2;
                autoindex on; autoindex_format json; autoindex_exact_size off;
                server { listen 127.0.0.1:1; location / { etag on; } }
                """));
        FilesConf server = sets.get(0).get(FilesModule.FILES);
        assertThat(server.etag()).isFalse();
        assertThat(server.ifModifiedSince()).isEqualTo(ConditionalRequest.IfModifiedSince.BEFORE);
        assertThat(server.maxRanges()).isEqualTo(2);
        assertThat(sets.get(1).get(FilesModule.FILES).etag()).isTrue();
        AutoindexModule.AutoindexConf auto = sets.get(1).get(AutoindexModule.AUTOINDEX);
        assertThat(auto.enabled()).isTrue();
        assertThat(auto.format).isEqualTo(AutoindexModule.Format.JSON);
        assertThat(auto.exactSize).isFalse();
        assertThat(auto.localtime).isFalse();
    }

    @Test
    void defaultsMatchNginx() throws Exception {
        List<ConfSet> sets = sets(load("server { listen 127.0.0.1:1; }"));
        FilesConf conf = sets.get(0).get(FilesModule.FILES);
        assertThat(conf.etag()).isTrue();
        assertThat(conf.ifModifiedSince()).isEqualTo(ConditionalRequest.IfModifiedSince.EXACT);
        assertThat(conf.maxRanges()).isEqualTo(ByteRanges.UNLIMITED);
        AutoindexModule.AutoindexConf auto = sets.get(0).get(AutoindexModule.AUTOINDEX);
        assertThat(auto.enabled()).isFalse();
        assertThat(auto.format).isEqualTo(AutoindexModule.Format.HTML);
        assertThat(auto.exactSize).isTrue();
    }

    @Test
    void valueErrorsUseNginxWording() {
        assertThat(loadError("etag maybe;"))
                .startsWith("invalid value \"maybe\" in \"etag\" directive, it must be \"on\" or \"off\"");
        assertThat(loadError("if_modified_since later;")).startsWith("invalid value \"later\" in ");
        assertThat(loadError("autoindex_format yaml;")).startsWith("invalid value \"yaml\" in ");
        assertThat(loadError("max_ranges many;")).startsWith("\"max_ranges\" directive invalid number");
        assertThat(loadError("max_ranges 1; max_ranges 2;")).startsWith("\"max_ranges\" directive is duplicate");
    }

    @Test
    void openFileCacheIsCheckedAsNginx() throws Exception {
        load("open_file_cache max=1000 inactive=20s; open_file_cache_valid 30s; open_file_cache_min_uses 2;"
                + " open_file_cache_errors on; open_file_cache_events off;"
                + " server { listen 127.0.0.1:1; location / { open_file_cache off; } }");
        assertThat(loadError("open_file_cache inactive=20s;"))
                .startsWith("\"open_file_cache\" must have the \"max\" parameter");
        assertThat(loadError("open_file_cache max=0;"))
                .startsWith("invalid \"open_file_cache\" parameter \"max=0\"");
        assertThat(loadError("open_file_cache max=10 size=1;"))
                .startsWith("invalid \"open_file_cache\" parameter \"size=1\"");
        assertThat(loadError("open_file_cache_valid soon;"))
                .startsWith("\"open_file_cache_valid\" directive invalid value");
    }

    @Test
    void onlyOffIsSupportedForSymlinksDirectioAndAio() throws Exception {
        load("disable_symlinks off; directio off; aio off; server { listen 127.0.0.1:1; }");
        assertThat(loadError("disable_symlinks on;"))
                .startsWith("\"disable_symlinks on\" is not supported by portico, only \"off\"");
        assertThat(loadError("disable_symlinks if_not_owner from=$document_root;"))
                .startsWith("\"disable_symlinks if_not_owner\" is not supported by portico");
        assertThat(loadError("disable_symlinks sometimes;")).startsWith("invalid parameter \"sometimes\"");
        assertThat(loadError("disable_symlinks off from=/x;"))
                .startsWith("\"from=\" cannot be used with \"off\" parameter");
        assertThat(loadError("directio 4m;")).startsWith("\"directio 4m\" is not supported by portico");
        assertThat(loadError("directio lots;")).startsWith("\"directio\" directive invalid value");
        assertThat(loadError("aio threads;")).startsWith("\"aio threads\" is not supported by portico");
    }
}
