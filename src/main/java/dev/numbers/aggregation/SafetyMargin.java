package dev.numbers.aggregation;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The part of the budget reserved for getting the answer out: pending upstreams are abandoned at
 * {@code budget - margin} after arrival.
 *
 * <p>The budget is the client's: from the moment the request reaches the machine until its last byte leaves it. Part of
 * that path the service can time, part it cannot. What it can time is each answer's <em>lag</em>: how long after its
 * cutoff its last byte was handed to the container (the timer waking late, the hand-over to a pool thread, rendering
 * and writing, pauses). What it cannot time is the request's way in — from the kernel through the container's
 * selector and thread pool to the servlet — and the kernel's part of the way out; no portable API dates them. So the
 * margin is 1.5 times the largest lag worth remembering plus 2 ms, but never less than the floor, which covers the
 * unseen path, and never more than the ceiling. Worth remembering is a lag of the current five-second window or the
 * one before, or one that came back within thirty seconds: lags that recur (collections under a steady load, the
 * host's stops) must not be learnt afresh each time, while one that did not (a cold JVM's, a collection after a burst
 * of new connections) would otherwise cut every upstream short for half a minute.
 * See docs/design.md#deadline-and-safety-margin.
 *
 * <p>Lags are kept as maxima of five-second windows in a ring of six ({@link RecentMaximum}); a lag came back when a
 * second window holds one as large. No lock on the request path: two reports racing over a window's reset can lose one
 * lag, which only delays the reaction by one answer.
 */
public final class SafetyMargin {

    private static final long HEADROOM_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** How many of the newest windows count in full; older ones only through a lag that came back. */
    private static final int RECENT_WINDOWS = 2;

    private final long floorNanos;
    private final long ceilingNanos;
    private final RecentMaximum lags = RecentMaximum.over(6, Duration.ofSeconds(5));

    private SafetyMargin(Duration floor, Duration ceiling) {
        this.floorNanos = floor.toNanos();
        this.ceilingNanos = ceiling.toNanos();
    }

    /**
     * @param floor   the smallest margin, kept even when the machine is idle
     * @param ceiling the largest margin, however bad the lags; equal to {@code floor} for a fixed margin
     * @return a margin at its floor, adapting between the two
     */
    public static SafetyMargin between(Duration floor, Duration ceiling) {
        if (floor.compareTo(ceiling) > 0) {
            throw new IllegalArgumentException("floor " + floor + " above ceiling " + ceiling);
        }
        return new SafetyMargin(floor, ceiling);
    }

    /** @return the margin to use for a request arriving now, in nanoseconds */
    public long currentNanos() {
        return currentNanos(System.nanoTime());
    }

    long currentNanos(long nowNanos) {
        if (floorNanos == ceilingNanos) {
            return floorNanos;
        }
        long worst = lags.largestRecentOrRecurring(nowNanos, RECENT_WINDOWS);
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
