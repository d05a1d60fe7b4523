package dev.portico.http;

/** nginx's request phases that modules can join, in the order they run. */
public enum Phase {
    /** Server-level rewrite directives, before the location is chosen. */
    SERVER_REWRITE,
    /** Location-level rewrite directives (return, set). */
    REWRITE,
    /** Access checks (allow/deny, limits). */
    ACCESS,
    /** try_files and the like: may redirect internally before content. */
    PRE_CONTENT,
    /** Default content handlers, tried in order when the location has none of its own. */
    CONTENT,
    /** After the response is complete (access log). */
    LOG
}
