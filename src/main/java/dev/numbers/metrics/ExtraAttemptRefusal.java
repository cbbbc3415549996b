package dev.numbers.metrics;

import java.util.Locale;

/** Why an extra attempt (a retry or a hedge) that was wanted was not sent. */
public enum ExtraAttemptRefusal {
    /** Less time is left before the cutoff than an attempt to that origin needs. */
    DEADLINE,
    /**
     * The service shed a request, or cut its in-flight limit, in the last second, or the process has no CPU to spare
     * ({@code numbers.extraAttemptCpuPercent}).
     */
    OVERLOAD,
    /** Extra attempts have used their share of first attempts, service-wide or for that origin. */
    BUDGET;

    /** @return the lower-case label used in logs and metrics */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
