package dev.portico.config;

/**
 * The block being parsed: its context and the configuration objects that its
 * directives write to. A child block shares its parent's sets for the levels
 * above it and owns the sets of its own level, as nginx's ngx_http_conf_ctx_t.
 */
public final class ConfFrame {

    private final Context context;
    private final ConfSet root;
    private final ConfSet http;
    private final ConfSet server;
    private final ConfSet location;
    private final Object state;

    private ConfFrame(Context context, ConfSet root, ConfSet http, ConfSet server, ConfSet location, Object state) {
        this.context = context;
        this.root = root;
        this.http = http;
        this.server = server;
        this.location = location;
        this.state = state;
    }

    static ConfFrame main() {
        return new ConfFrame(Context.MAIN, new ConfSet(ConfLevel.ROOT), null, null, null, null);
    }

    /** The frame of an http block: new HTTP, SERVER and LOCATION sets. */
    public ConfFrame openHttp() {
        return new ConfFrame(Context.HTTP, root, new ConfSet(ConfLevel.HTTP),
                new ConfSet(ConfLevel.SERVER), new ConfSet(ConfLevel.LOCATION), null);
    }

    /** The frame of a server block: new SERVER and LOCATION sets. */
    public ConfFrame openServer() {
        return new ConfFrame(Context.SERVER, root, http, new ConfSet(ConfLevel.SERVER),
                new ConfSet(ConfLevel.LOCATION), null);
    }

    /** The frame of a location (or an "if" in a location): a new LOCATION set. */
    public ConfFrame openLocation(Context context) {
        return new ConfFrame(context, root, http, server, new ConfSet(ConfLevel.LOCATION), null);
    }

    /** A frame that keeps this frame's sets but changes context and carries a block's own state. */
    public ConfFrame withContext(Context context, Object state) {
        return new ConfFrame(context, root, http, server, location, state);
    }

    public Context context() {
        return context;
    }

    public ConfSet rootSet() {
        return root;
    }

    public ConfSet httpSet() {
        return http;
    }

    public ConfSet serverSet() {
        return server;
    }

    public ConfSet locationSet() {
        return location;
    }

    public Object state() {
        return state;
    }

    /** The object for {@code key} at this frame, whatever level the key lives at. */
    public <T> T get(ConfKey<T> key) {
        ConfSet set = switch (key.level()) {
            case ROOT -> root;
            case HTTP -> http;
            case SERVER -> server;
            case LOCATION -> location;
        };
        if (set == null) {
            throw new IllegalStateException(key + " is not available in " + context);
        }
        return set.get(key);
    }
}
