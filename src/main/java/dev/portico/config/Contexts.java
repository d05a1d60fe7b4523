package dev.portico.config;

import java.util.EnumSet;
import java.util.Set;

/** The context sets that recur in directive tables. */
public final class Contexts {
    public static final Set<Context> MAIN = EnumSet.of(Context.MAIN);
    public static final Set<Context> EVENTS = EnumSet.of(Context.EVENTS);
    public static final Set<Context> HTTP = EnumSet.of(Context.HTTP);
    public static final Set<Context> SERVER = EnumSet.of(Context.SERVER);
    public static final Set<Context> LOCATION = EnumSet.of(Context.LOCATION);
    public static final Set<Context> HTTP_SERVER = EnumSet.of(Context.HTTP, Context.SERVER);
    public static final Set<Context> SERVER_LOCATION = EnumSet.of(Context.SERVER, Context.LOCATION);
    public static final Set<Context> HTTP_SERVER_LOCATION = EnumSet.of(Context.HTTP, Context.SERVER, Context.LOCATION);
    /** http, server, location and "if" inside a location. */
    public static final Set<Context> HTTP_SERVER_LOCATION_IF =
            EnumSet.of(Context.HTTP, Context.SERVER, Context.LOCATION, Context.LOCATION_IF);
    /** The rewrite module's contexts: server, location and both kinds of "if". */
    public static final Set<Context> SERVER_LOCATION_IFS =
            EnumSet.of(Context.SERVER, Context.LOCATION, Context.SERVER_IF, Context.LOCATION_IF);
    public static final Set<Context> LOCATION_IF = EnumSet.of(Context.LOCATION, Context.LOCATION_IF);
    public static final Set<Context> UPSTREAM = EnumSet.of(Context.UPSTREAM);

    private Contexts() {
    }
}
