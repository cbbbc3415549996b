package dev.numbers.metrics;

import java.util.Locale;

/** How one {@code /numbers} request ended, from the client's point of view. */
public enum RequestResult {
    /** Every valid upstream was merged. */
    COMPLETE,
    /** At least one valid upstream failed or was too slow. */
    PARTIAL,
    /** No valid URL was named: an immediate empty answer. */
    EMPTY,
    /** A client error: {@code 400} or {@code 405}. */
    REJECTED,
    /** Load shed with a fast {@code 503}. */
    SHED;

    /** @return the lower-case label used in logs and metrics */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
