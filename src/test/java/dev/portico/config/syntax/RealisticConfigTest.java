package dev.portico.config.syntax;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RealisticConfigTest {

    @TempDir
    Path dir;

    private static AstArgument word(String value) {
        return new AstArgument(value, false);
    }

    private static AstArgument quoted(String value) {
        return new AstArgument(value, true);
    }

    @Test
    void parsesATypicalReverseProxyConfiguration() throws Exception {
        Files.writeString(dir.resolve("mime.types"), """
                types {
                    text/html  html htm;
                    image/gif  gif;
                }
                """);
        Path main = Files.writeString(dir.resolve("nginx.conf"), """
                user  nginx;
                worker_processes  auto;   # one per core

                events {
                    worker_connections  1024;
                }

                http {
                    include       mime.types;
                    log_format main '$remote_addr - $remote_user [$time_local] "$request" ';

                    map $http_upgrade $connection_upgrade {
                        default upgrade;
                        ''      close;
                    }

                    upstream backend {
                        server 127.0.0.1:8080 weight=5;
                    }

                    server {
                        listen 80;
                        server_name example.com *.example.com;
                        return 301 https://$host$request_uri;
                    }

                    server {
                        listen 443 ssl;

                        location / {
                            proxy_pass http://backend;
                            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                            proxy_set_header Connection $connection_upgrade;
                            if ($request_method = POST) {
                                return 405;
                            }
                        }

                        location ~* \\.(gif|jpg)$ {
                            expires 30d;
                        }
                    }
                }
                """);
        String file = main.toString();
        String mime = dir + "/mime.types";

        ParsedConfig config = ConfigParser.parseFile(main, dir);

        AstBlock expected = block(
                directive("user", 1, file, List.of(word("nginx"))),
                directive("worker_processes", 2, file, List.of(word("auto"))),
                directive("events", 4, file, List.of(), block(
                        directive("worker_connections", 5, file, List.of(word("1024"))))),
                directive("http", 8, file, List.of(), block(
                        directive("types", 1, mime, List.of(), block(
                                directive("text/html", 2, mime, List.of(word("html"), word("htm"))),
                                directive("image/gif", 3, mime, List.of(word("gif"))))),
                        directive("log_format", 10, file, List.of(word("main"),
                                quoted("$remote_addr - $remote_user [$time_local] \"$request\" "))),
                        directive("map", 12, file, List.of(word("$http_upgrade"), word("$connection_upgrade")),
                                block(
                                        directive("default", 13, file, List.of(word("upgrade"))),
                                        directive("", 14, file, List.of(word("close"))))),
                        directive("upstream", 17, file, List.of(word("backend")), block(
                                directive("server", 18, file, List.of(word("127.0.0.1:8080"), word("weight=5"))))),
                        directive("server", 21, file, List.of(), block(
                                directive("listen", 22, file, List.of(word("80"))),
                                directive("server_name", 23, file,
                                        List.of(word("example.com"), word("*.example.com"))),
                                directive("return", 24, file,
                                        List.of(word("301"), word("https://$host$request_uri"))))),
                        directive("server", 27, file, List.of(), block(
                                directive("listen", 28, file, List.of(word("443"), word("ssl"))),
                                directive("location", 30, file, List.of(word("/")), block(
                                        directive("proxy_pass", 31, file, List.of(word("http://backend"))),
                                        directive("proxy_set_header", 32, file,
                                                List.of(word("X-Forwarded-For"), word("$proxy_add_x_forwarded_for"))),
                                        directive("proxy_set_header", 33, file,
                                                List.of(word("Connection"), word("$connection_upgrade"))),
                                        directive("if", 34, file,
                                                List.of(word("($request_method"), word("="), word("POST)")),
                                                block(directive("return", 35, file, List.of(word("405"))))))),
                                directive("location", 39, file, List.of(word("~*"), word("\\.(gif|jpg)$")), block(
                                        directive("expires", 40, file, List.of(word("30d"))))))))));

        assertThat(config.root()).isEqualTo(expected);
        assertThat(config.files()).extracting(f -> f.path().toString()).containsExactly(file, mime);
    }

    private static AstBlock block(AstDirective... directives) {
        return new AstBlock(List.of(directives));
    }

    private static AstDirective directive(String name, int line, String file, List<AstArgument> args) {
        return new AstDirective(name, args, null, new SourceLocation(file, line));
    }

    private static AstDirective directive(String name, int line, String file, List<AstArgument> args, AstBlock block) {
        return new AstDirective(name, args, block, new SourceLocation(file, line));
    }
}
