package dev.portico.http.rewrite;

import java.util.ArrayList;
import java.util.List;

/**
 * The rewrite module's location-level settings (ngx_http_rewrite_loc_conf_t):
 * the script of one server or location level, which is not inherited by
 * nested locations, and the two flags, which are.
 */
public final class RewriteConf {

    /** The steps written at this level, in file order; null when there are none. */
    List<Step> steps;
    /** The frozen script, built by the merge. */
    Step[] script;
    Boolean log;
    Boolean uninitializedVariableWarn;

    void add(Step step) {
        if (steps == null) {
            steps = new ArrayList<>();
        }
        steps.add(step);
    }

    static void merge(RewriteConf parent, RewriteConf child) {
        child.log = child.log != null ? child.log : parent.log != null ? parent.log : Boolean.FALSE;
        child.uninitializedVariableWarn = child.uninitializedVariableWarn != null ? child.uninitializedVariableWarn
                : parent.uninitializedVariableWarn != null ? parent.uninitializedVariableWarn : Boolean.TRUE;
        // nginx's rewrite codes belong to their own level: a nested location does not run its parent's.
        child.script = child.steps == null ? null : child.steps.toArray(new Step[0]);
    }

    /** rewrite_log: matches and rewrites are logged at the notice level. */
    public boolean log() {
        return log != null && log;
    }

    public boolean uninitializedVariableWarn() {
        return uninitializedVariableWarn == null || uninitializedVariableWarn;
    }

    /** The compiled script of this level, or null. */
    Step[] script() {
        return script;
    }
}
