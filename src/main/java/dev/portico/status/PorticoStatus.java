package dev.portico.status;

import dev.portico.balancer.UpstreamGroup;
import dev.portico.balancer.Upstreams;
import dev.portico.cli.VersionInfo;
import dev.portico.http.ConnectionCounters;
import dev.portico.http.ContentHandler;
import dev.portico.http.Flow;
import dev.portico.http.HeaderNames;
import dev.portico.http.HttpExchange;
import dev.portico.http.RequestProcessor;
import dev.portico.http.ResponseBody;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * The {@code portico_status} endpoint: a JSON document of the process (version, pid,
 * uptime), stub_status's connection and request counters, and every peer of every
 * upstream block of the configuration the request runs on. GET and HEAD only, read-only.
 */
final class PorticoStatus implements ContentHandler {

    private static final long PID = ProcessHandle.current().pid();
    /** When the process started; the class's loading time where the system does not say. */
    private static final long STARTED_MILLIS = ProcessHandle.current().info().startInstant()
            .orElseGet(Instant::now).toEpochMilli();

    /** The upstream blocks of the configuration load this location belongs to. */
    private final Upstreams upstreams;

    PorticoStatus(Upstreams upstreams) {
        this.upstreams = upstreams;
    }

    @Override
    public Flow handle(HttpExchange x) {
        if (!StubStatus.readOnly(x)) {
            RequestProcessor.finish(x, 405);
            return Flow.DONE;
        }
        x.discardRequestBody();
        String json = document(StubStatus.totals(), upstreams.blockGroups(), System.currentTimeMillis());
        x.responseHeaders().set(HeaderNames.CONTENT_TYPE, "application/json");
        RequestProcessor.send(x, 200, new ResponseBody.Bytes(
                Unpooled.wrappedBuffer(json.getBytes(StandardCharsets.US_ASCII))));
        return Flow.DONE;
    }

    static String document(ConnectionCounters.Totals t, List<UpstreamGroup> groups, long nowMillis) {
        JsonWriter w = new JsonWriter().beginObject();
        w.name("version").value(VersionInfo.VERSION);
        w.name("pid").value(PID);
        w.name("uptime_seconds").value(Math.max(0, nowMillis - STARTED_MILLIS) / 1000);
        w.name("connections").beginObject()
                .name("active").value(t.active())
                .name("reading").value(t.reading())
                .name("writing").value(t.writing())
                .name("waiting").value(t.waiting())
                .name("accepted").value(t.accepted())
                .name("handled").value(t.handled())
                .endObject();
        w.name("requests").beginObject().name("total").value(t.requests()).endObject();
        w.name("upstreams").beginObject();
        for (UpstreamGroup group : groups) {
            w.name(group.name()).beginObject().name("peers").beginArray();
            for (UpstreamGroup.PeerStats p : group.stats()) {
                peer(w, p);
            }
            w.endArray().endObject();
        }
        w.endObject();
        return w.endObject() + "\n";
    }

    private static void peer(JsonWriter w, UpstreamGroup.PeerStats p) {
        w.beginObject()
                .name("server").value(p.name())
                .name("backup").value(p.backup())
                .name("weight").value(p.weight())
                .name("state").value(state(p))
                .name("active").value(p.active())
                .name("requests").value(p.requests())
                .name("failures").value(p.failures());
        w.name("last_failure");
        if (p.lastFailure() == null) {
            w.nullValue();
        } else {
            w.beginObject()
                    .name("reason").value(p.lastFailure())
                    .name("time").value(Instant.ofEpochMilli(p.lastFailureMillis()).toString())
                    .endObject();
        }
        w.endObject();
    }

    /**
     * One word for whether the peer gets requests: "down" (marked so in the configuration),
     * "unhealthy" (active health checks failed it), "unavailable" (max_fails failures
     * within fail_timeout took it out), else "up".
     */
    static String state(UpstreamGroup.PeerStats p) {
        if (p.down()) {
            return "down";
        }
        if (p.unhealthy()) {
            return "unhealthy";
        }
        if (p.failed()) {
            return "unavailable";
        }
        return "up";
    }
}
