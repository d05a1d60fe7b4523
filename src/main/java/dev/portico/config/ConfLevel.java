package dev.portico.config;

/**
 * Where a module's configuration object lives, like nginx's main/srv/loc conf
 * offsets. A LOCATION-level object exists in http, every server and every
 * location and is merged downwards; a SERVER-level one in http and every
 * server; an HTTP-level one once in http; a ROOT-level one once, outside http.
 */
public enum ConfLevel {
    ROOT, HTTP, SERVER, LOCATION
}
