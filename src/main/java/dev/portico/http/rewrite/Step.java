package dev.portico.http.rewrite;

import dev.portico.http.HttpExchange;

/** One compiled rewrite directive of a level's script. */
interface Step {

    /** What the script does after a step. */
    enum Outcome {
        /** Go on with the next step. */
        NEXT,
        /** Stop the script; the request goes on with the next phase (break, last, a rewrite flag). */
        STOP,
        /** The request is answered or redirected; nothing more runs. */
        DONE
    }

    Outcome run(HttpExchange x, Script script);

    /** Runs {@code steps} in order until one stops the script. */
    static Outcome runAll(Step[] steps, HttpExchange x, Script script) {
        for (Step step : steps) {
            Outcome o = step.run(x, script);
            if (o != Outcome.NEXT) {
                return o;
            }
        }
        return Outcome.NEXT;
    }

    /** The state of one run of a script (nginx's script engine): whether it logs. */
    record Script(boolean log) {
    }
}
