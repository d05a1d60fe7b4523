package dev.portico.proxy.http;

import dev.portico.proxy.Peer;

/**
 * A parsed proxy_pass URL: the peer, the URI part (null when the URL has
 * none, so the client's URI goes as it came), and the $proxy_host and
 * $proxy_port values.
 */
record ProxyPass(String url, Peer peer, String uri, String proxyHost, String proxyPort) {
}
