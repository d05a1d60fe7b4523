package dev.portico.tls;

import dev.portico.http.Flow;
import dev.portico.http.HttpConnection;
import dev.portico.http.HttpExchange;
import dev.portico.http.RequestProcessor;
import dev.portico.http.VirtualServer;
import dev.portico.log.LogLevel;

/**
 * What nginx checks of a request on a TLS port once its server is chosen
 * (ngx_http_process_request): plain HTTP sent to the port (497) and the client
 * certificate (495, 496). Run first in the server-rewrite phase, once per
 * request. A Host other than the SNI name, for a server that verifies clients
 * (421), is refused where the server is chosen (RequestProcessor.start).
 */
final class RequestChecks {

    private RequestChecks() {
    }

    static Flow check(HttpExchange x) {
        if (x.isInternal()) {
            return Flow.NEXT;
        }
        HttpConnection connection = x.connection();
        if (!connection.listen().ssl()) {
            return Flow.NEXT;
        }
        if (!connection.secure()) {
            return refuse(x, 497, "client sent plain HTTP request to HTTPS port");
        }
        TlsSession tls = TlsSession.of(connection.channel());
        SslServerConf conf = x.server().serverConf().get(SslModule.SSL);
        if (tls == null || conf.verify == SslServerConf.Verify.OFF) {
            return Flow.NEXT;
        }
        ClientCertificates.Result result = tls.verification();
        if (result != null && !result.ok()
                && !(conf.verify == SslServerConf.Verify.OPTIONAL_NO_CA && result.onlyIssuerUnknown())) {
            tls.session().invalidate();
            return refuse(x, 495, "client SSL certificate verify error: (" + result.code() + ":" + result.reason()
                    + ")");
        }
        if (result == null && conf.verify == SslServerConf.Verify.ON) {
            tls.session().invalidate();
            return refuse(x, 496, "client sent no required SSL certificate");
        }
        return Flow.NEXT;
    }

    /** The servers that answer only the SNI name they were negotiated for (RequestProcessor's 421). */
    static boolean verifiesClients(VirtualServer server) {
        return server.serverConf().get(SslModule.SSL).verify != SslServerConf.Verify.OFF;
    }

    private static Flow refuse(HttpExchange x, int status, String reason) {
        RequestProcessor.logError(x, LogLevel.INFO, reason);
        RequestProcessor.finish(x, status);
        return Flow.DONE;
    }
}
