package dev.numbers;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The part of the budget reserved for getting the answer out: pending upstreams are abandoned at
 * {@code budget - margin} after arrival. Self-tuning, as the reference solution's author proposed.
 *
 * <p>Every answer reports its <em>lag</em>: how long after its cutoff its last byte was handed to the container
 * (timer lag, thread hand-over, rendering and writing, GC pauses — everything the cutoff did not foresee). The margin
 * is 1.5 times the largest lag seen in the last ten seconds plus 2 ms, kept within {@code [floor, ceiling]}. On an
 * idle machine lags are well under a millisecond and the margin sits at its floor, so no upstream is cut off earlier
 * than necessary; when the machine is loaded the first late-ish answer raises it for every following request, and it
 * decays back ten seconds after the load is gone.
 *
 * <p>Lags are kept as maxima of one-second windows in a ring of ten ({@link RecentMaximum}): no lock on the request
 * path, and two reports racing over a window's reset can lose one lag, which only delays the reaction by one answer.
 */
final class SafetyMargin {

    private static final long HEADROOM_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final long floorNanos;
    private final long ceilingNanos;
    private final RecentMaximum lags = RecentMaximum.over(10, Duration.ofSeconds(1));

    private SafetyMargin(Duration floor, Duration ceiling) {
        this.floorNanos = floor.toNanos();
        this.ceilingNanos = ceiling.toNanos();
    }

    /**
     * @param floor   the smallest margin, kept even when the machine is idle
     * @param ceiling the largest margin, however bad the lags; equal to {@code floor} for a fixed margin
     * @return a margin at its floor, adapting between the two
     */
    static SafetyMargin between(Duration floor, Duration ceiling) {
        if (floor.compareTo(ceiling) > 0) {
            throw new IllegalArgumentException("floor " + floor + " above ceiling " + ceiling);
        }
        return new SafetyMargin(floor, ceiling);
    }

    /** @return the margin to use for a request arriving now, in nanoseconds */
    long currentNanos() {
        return currentNanos(System.nanoTime());
    }

    long currentNanos(long nowNanos) {
        if (floorNanos == ceilingNanos) {
            return floorNanos;
        }
        long worst = lags.get(nowNanos);
        long wanted = worst == 0 ? 0 : worst + worst / 2 + HEADROOM_NANOS;
        return Math.min(ceilingNanos, Math.max(floorNanos, wanted));
    }

    /**
     * Reports an answer's lag.
     *
     * @param lagNanos how long after its cutoff the answer was written; zero or negative when it left in time
     *                 without needing the margin
     */
    void record(long lagNanos) {
        record(lagNanos, System.nanoTime());
    }

    void record(long lagNanos, long nowNanos) {
        if (lagNanos <= 0 || floorNanos == ceilingNanos) {
            return;
        }
        lags.record(lagNanos, nowNanos);
    }

    Duration floor() {
        return Duration.ofNanos(floorNanos);
    }

    Duration ceiling() {
        return Duration.ofNanos(ceilingNanos);
    }
}
