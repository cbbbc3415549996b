package dev.numbers;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds how many aggregations run at once. A request that finds no free slot is shed at once with a {@code 503},
 * so that overload turns into fast refusals rather than late answers (SPEC, "Safety").
 *
 * <p>The limit adapts between a floor and a ceiling (additive increase, multiplicative decrease), driven by the one
 * signal that matters here: answers leaving after their budget. A late answer means the process could not keep up —
 * a cold JVM still compiling, a burst beyond what the core can do, a long GC pause — so the limit is cut by a quarter,
 * at most once per {@value #DECREASE_INTERVAL_MILLIS} ms (the late answers of one stall count once). Every answer in
 * time while at least half the slots are taken raises it by one, back to the ceiling within a few hundred answers.
 * The in-flight count that keeps answers on time differs by an order of magnitude between workloads (many slow
 * upstreams need many slots; fast ones need few but cost more CPU per second), which is why a fixed number is the
 * wrong knob; the ceiling still bounds memory. With {@code floor == ceiling} the limit is fixed.
 *
 * <p>Thread safety: the count and the limit are atomics; a request racing a limit change may be admitted one slot
 * over the new limit, which the next answers correct.
 */
final class InFlightLimiter {

    static final long DECREASE_INTERVAL_MILLIS = 100;
    private static final long DECREASE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(DECREASE_INTERVAL_MILLIS);

    private final int floor;
    private final int ceiling;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger limit;
    /** nanoTime of the last decrease; starts a full interval in the past so the first late answer counts. */
    private final AtomicLong lastDecreaseNanos;

    private InFlightLimiter(int floor, int ceiling, long nowNanos) {
        this.floor = floor;
        this.ceiling = ceiling;
        this.limit = new AtomicInteger(ceiling);
        this.lastDecreaseNanos = new AtomicLong(nowNanos - DECREASE_INTERVAL_NANOS);
    }

    /**
     * @param floor   the smallest limit, however late answers are; clamped to {@code ceiling}
     * @param ceiling the largest limit, and the starting one
     * @return a limiter adapting between the two
     */
    static InFlightLimiter between(int floor, int ceiling) {
        return between(floor, ceiling, System.nanoTime());
    }

    static InFlightLimiter between(int floor, int ceiling, long nowNanos) {
        if (floor < 1 || ceiling < 1) {
            throw new IllegalArgumentException("limits must be positive: " + floor + ", " + ceiling);
        }
        return new InFlightLimiter(Math.min(floor, ceiling), ceiling, nowNanos);
    }

    /** @return whether a slot was taken; the caller must {@link #release()} it exactly once */
    boolean tryAcquire() {
        int current;
        do {
            current = inFlight.get();
            if (current >= limit.get()) {
                return false;
            }
        } while (!inFlight.compareAndSet(current, current + 1));
        return true;
    }

    void release() {
        inFlight.decrementAndGet();
    }

    /**
     * Feeds back how an admitted aggregation's answer left.
     *
     * @param late whether it was written after the budget
     */
    void answered(boolean late) {
        answered(late, System.nanoTime());
    }

    void answered(boolean late, long nowNanos) {
        if (floor == ceiling) {
            return;
        }
        if (late) {
            long last = lastDecreaseNanos.get();
            if (nowNanos - last >= DECREASE_INTERVAL_NANOS && lastDecreaseNanos.compareAndSet(last, nowNanos)) {
                limit.updateAndGet(l -> Math.max(floor, l - Math.max(1, l / 4)));
            }
        } else if (inFlight.get() * 2 >= limit.get()) {
            limit.updateAndGet(l -> Math.min(ceiling, l + 1));
        }
    }

    /** @return aggregations running now */
    int inFlight() {
        return inFlight.get();
    }

    /** @return the limit in force now */
    int limit() {
        return limit.get();
    }

    int ceiling() {
        return ceiling;
    }
}
