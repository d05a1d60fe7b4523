package dev.portico.status;

import dev.portico.http.ConnectionCounters;
import dev.portico.http.Flow;
import dev.portico.http.HeaderNames;
import dev.portico.http.HttpExchange;
import dev.portico.http.RequestProcessor;
import dev.portico.http.ResponseBody;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * nginx's stub_status page (ngx_http_stub_status_handler): GET and HEAD only, a
 * request body is dropped, text/plain, no caching headers.
 */
final class StubStatus {

    private StubStatus() {
    }

    static Flow handle(HttpExchange x) {
        if (!readOnly(x)) {
            RequestProcessor.finish(x, 405);
            return Flow.DONE;
        }
        x.discardRequestBody();
        byte[] page = render(totals()).getBytes(StandardCharsets.US_ASCII);
        x.responseHeaders().set(HeaderNames.CONTENT_TYPE, "text/plain");
        RequestProcessor.send(x, 200, new ResponseBody.Bytes(Unpooled.wrappedBuffer(page)));
        return Flow.DONE;
    }

    /** nginx's text, its spaces before each line feed included. */
    static String render(ConnectionCounters.Totals t) {
        return "Active connections: " + t.active() + " \n"
                + "server accepts handled requests\n"
                + " " + t.accepted() + " " + t.handled() + " " + t.requests() + " \n"
                + "Reading: " + t.reading() + " Writing: " + t.writing() + " Waiting: " + t.waiting() + " \n";
    }

    static boolean readOnly(HttpExchange x) {
        String method = x.method();
        return method.equals("GET") || method.equals("HEAD");
    }

    /** The counters of the server this request came to (its event loop's). */
    static ConnectionCounters.Totals totals() {
        ConnectionCounters counters = ConnectionCounters.ofCurrentThread();
        return counters == null ? new ConnectionCounters.Totals(0, 0, 0, 0, 0, 0, 0) : counters.read();
    }
}
