package dev.numbers.metrics;

import java.util.Locale;

/** How one upstream fetch ended. Exactly one outcome is recorded per distinct upstream URL of a request. */
public enum UpstreamOutcome {
    /** 2xx with a valid body; its numbers are in the answer. */
    OK,
    /** Still pending when the answer was written (or its own deadline-bound timeout fired); abandoned. */
    LATE,
    /** A non-2xx status, or a redirect chain that failed (too many hops, a loop). */
    HTTP_ERROR,
    /** A 2xx whose body is not {@code {"numbers":[integers]}} within the limits. */
    INVALID_BODY,
    /** A body larger than {@code numbers.maxBodyBytes}; abandoned as soon as that was known. */
    TOO_LARGE,
    /** Connection refused or reset, DNS failure, TLS failure, malformed HTTP. */
    CONNECT_ERROR,
    /** The address policy refused every address of the host. */
    REFUSED,
    /**
     * Not sent: the client already keeps state for {@code numbers.maxOrigins} upstream origins and this one is not
     * among them ({@code OriginLimit}).
     */
    TOO_MANY_ORIGINS;

    /** @return the lower-case label used in logs and metrics, e.g. {@code http_error} */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
