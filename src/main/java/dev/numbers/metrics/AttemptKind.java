package dev.numbers.metrics;

import java.util.Locale;

/**
 * Why an upstream request was sent. Every distinct upstream URL of a request gets one first attempt and at most one
 * extra attempt: a retry after a failure worth retrying, or a hedge when the first has not answered after a delay.
 */
public enum AttemptKind {
    /** The upstream's first request. */
    FIRST,
    /** Sent after the first failed with a {@code 502}, {@code 503} or {@code 504}, or a connection refused or reset. */
    RETRY,
    /** Sent while the first was still pending, after a delay learnt from the upstream's origin. */
    HEDGE;

    /** @return the lower-case label used in logs and metrics */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
