package dev.portico.http;

/**
 * One status of an `error_page` directive: where to go, and which status the
 * client then sees: {@code overwrite} -1 keeps the original status, 0 takes
 * the status of the page's own response (`=` alone), anything else replaces it.
 */
public record ErrorPage(int status, int overwrite, Template target) {
}
