package dev.portico.config;

/** The blocks a directive may appear in, as nginx's NGX_*_CONF flags. */
public enum Context {
    MAIN("main"),
    EVENTS("events"),
    HTTP("http"),
    SERVER("server"),
    LOCATION("location"),
    UPSTREAM("upstream"),
    SERVER_IF("if"),
    LOCATION_IF("if"),
    LIMIT_EXCEPT("limit_except");

    private final String blockName;

    Context(String blockName) {
        this.blockName = blockName;
    }

    public String blockName() {
        return blockName;
    }
}
