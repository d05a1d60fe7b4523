package dev.portico.http;

/** What a phase handler tells the phase runner. */
public enum Flow {
    /** Go on with the next handler. */
    NEXT,
    /** The request is answered, redirected or waiting on I/O; stop running handlers. */
    DONE
}
