package dev.portico.http;

import dev.portico.config.ConfSet;
import dev.portico.config.ConfigBuild;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The frozen http block: the sockets to bind with their servers, the phase
 * handlers and header filters that modules joined, in module order. One per
 * configuration snapshot.
 */
public final class HttpConfig {

    /**
     * Work a configuration does off the request path for as long as the server serves it
     * (active health checks): started when the configuration goes live, stopped when a reload
     * replaces it or the server stops.
     */
    public interface LiveTask {
        /**
         * Starts on the server's event loops. {@code replaced} is the task of the same class of
         * the configuration this one replaces (already stopped), or null.
         */
        void start(io.netty.channel.EventLoopGroup loops, LiveTask replaced);

        /** Stops: nothing of it acts after this returns. */
        void stop();
    }

    /** Collects handlers and filters while modules post-configure. */
    public static final class Registry {
        private final Map<Phase, List<PhaseHandler>> phases = new EnumMap<>(Phase.class);
        private final List<HeaderFilter> headerFilters = new ArrayList<>();
        private final List<LiveTask> liveTasks = new ArrayList<>();

        public void add(Phase phase, PhaseHandler handler) {
            phases.computeIfAbsent(phase, p -> new ArrayList<>()).add(handler);
        }

        public void addHeaderFilter(HeaderFilter filter) {
            headerFilters.add(filter);
        }

        public void addLiveTask(LiveTask task) {
            liveTasks.add(task);
        }
    }

    public static Registry registry(ConfigBuild build) {
        return build.shared(Registry.class, Registry::new);
    }

    private final List<ListenSocket> sockets;
    private final ConfSet httpConf;
    private final PhaseHandler[][] phases;
    private final HeaderFilter[] headerFilters;
    private final int variableSlots;
    private final List<LiveTask> liveTasks;

    HttpConfig(List<ListenSocket> sockets, ConfSet httpConf, Registry registry, int variableSlots) {
        this.sockets = Collections.unmodifiableList(sockets);
        this.httpConf = httpConf;
        this.phases = new PhaseHandler[Phase.values().length][];
        for (Phase p : Phase.values()) {
            phases[p.ordinal()] = registry.phases.getOrDefault(p, List.of()).toArray(new PhaseHandler[0]);
        }
        this.headerFilters = registry.headerFilters.toArray(new HeaderFilter[0]);
        this.variableSlots = variableSlots;
        this.liveTasks = List.copyOf(registry.liveTasks);
    }

    /** What this configuration runs while it is served ({@link LiveTask}). */
    public List<LiveTask> liveTasks() {
        return liveTasks;
    }

    public List<ListenSocket> sockets() {
        return sockets;
    }

    public ConfSet httpConf() {
        return httpConf;
    }

    PhaseHandler[] handlers(Phase phase) {
        return phases[phase.ordinal()];
    }

    HeaderFilter[] headerFilters() {
        return headerFilters;
    }

    int variableSlots() {
        return variableSlots;
    }
}
