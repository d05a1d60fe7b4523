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

    /** Collects handlers and filters while modules post-configure. */
    public static final class Registry {
        private final Map<Phase, List<PhaseHandler>> phases = new EnumMap<>(Phase.class);
        private final List<HeaderFilter> headerFilters = new ArrayList<>();

        public void add(Phase phase, PhaseHandler handler) {
            phases.computeIfAbsent(phase, p -> new ArrayList<>()).add(handler);
        }

        public void addHeaderFilter(HeaderFilter filter) {
            headerFilters.add(filter);
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

    HttpConfig(List<ListenSocket> sockets, ConfSet httpConf, Registry registry, int variableSlots) {
        this.sockets = Collections.unmodifiableList(sockets);
        this.httpConf = httpConf;
        this.phases = new PhaseHandler[Phase.values().length][];
        for (Phase p : Phase.values()) {
            phases[p.ordinal()] = registry.phases.getOrDefault(p, List.of()).toArray(new PhaseHandler[0]);
        }
        this.headerFilters = registry.headerFilters.toArray(new HeaderFilter[0]);
        this.variableSlots = variableSlots;
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
