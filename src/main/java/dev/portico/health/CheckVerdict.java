package dev.portico.health;

/**
 * One check's verdict on one peer from its results, as NGINX Plus counts them: a healthy peer
 * becomes unhealthy after {@code fails} consecutive failures, an unhealthy one healthy after
 * {@code passes} consecutive passes; under {@code mandatory} a peer is "checking" (no traffic)
 * until its first result, which decides at once.
 */
final class CheckVerdict {

    /** What a result changed. */
    enum Change { NONE, HEALTHY, UNHEALTHY }

    private final int fails;
    private final int passes;
    private boolean up;
    private boolean checking;
    private int failed;
    private int passed;

    CheckVerdict(int fails, int passes, boolean mandatory) {
        this.fails = fails;
        this.passes = passes;
        this.checking = mandatory;
        this.up = !mandatory;
    }

    /** The peer may get traffic as far as this check is concerned. */
    boolean up() {
        return up;
    }

    /** persistent: the peer was healthy before the reload, so it starts healthy rather than "checking". */
    void resumeHealthy() {
        if (checking) {
            checking = false;
            up = true;
        }
    }

    /**
     * Counts one result. UNHEALTHY is also the first failure of a "checking" peer, which had no
     * traffic already but is now known to fail.
     */
    Change record(boolean pass) {
        boolean decides = checking;
        checking = false;
        if (pass) {
            failed = 0;
            passed++;
            if (!up && (decides || passed >= passes)) {
                up = true;
                return Change.HEALTHY;
            }
        } else {
            passed = 0;
            failed++;
            if (decides || (up && failed >= fails)) {
                up = false;
                return Change.UNHEALTHY;
            }
        }
        return Change.NONE;
    }
}
