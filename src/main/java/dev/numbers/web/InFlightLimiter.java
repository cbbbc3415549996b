package dev.numbers.web;

import com.netflix.concurrency.limits.limit.AIMDLimit;
import dev.numbers.aggregation.Slot;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Bounds how many aggregations run at once; a request that finds no free slot is shed with a fast {@code 503}. The
 * limit is Netflix concurrency-limits' {@link AIMDLimit} between {@code numbers.minInFlight} and
 * {@code numbers.maxInFlight}, starting at the ceiling: an answer handed over after the budget (the AIMD timeout)
 * cuts it by a quarter, at most once per {@value #DECREASE_INTERVAL_MILLIS} ms; an answer in time while at least half
 * the slots are taken raises it by one. See docs/design.md#load-shedding.
 *
 * <p>The slots are counted here rather than by the library's limiters: a slot is held from the servlet until the
 * container completes the exchange, while the sample that drives the limit is taken earlier, when the answer's body is
 * handed over, so that a client that reads slowly does not move the limit.
 *
 * <p>Thread safety: the count is an atomic and {@link AIMDLimit} updates under its own lock; a request racing a limit
 * change may be admitted one slot over the new limit, which the next answers correct.
 *
 * <p>{@link #calm()} tells the aggregations whether they may add load with extra upstream attempts: not while load is
 * shed, nor while the limit is backing off (docs/design.md#retries-and-hedges).
 */
final class InFlightLimiter {

    /** A late answer cuts the limit to this share of itself. */
    static final double BACKOFF_RATIO = 0.75;
    /** The late answers of one stall cut the limit once. */
    static final long DECREASE_INTERVAL_MILLIS = 100;
    private static final long DECREASE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(DECREASE_INTERVAL_MILLIS);
    /**
     * A request shed, or the limit cut, this recently means the service is overloaded now: as long as the
     * {@code Retry-After}, and ten times the interval between two cuts, which a lasting overload keeps making.
     */
    static final long RECENTLY_MILLIS = 1_000;
    private static final long RECENTLY_NANOS = TimeUnit.MILLISECONDS.toNanos(RECENTLY_MILLIS);

    private final AIMDLimit limit;
    private final int ceiling;
    private final long budgetNanos;
    private final LongSupplier nanoClock;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** nanoTime of the last decrease; starts a full interval in the past so the first late answer counts. */
    private final AtomicLong lastDecreaseNanos;
    /** nanoTime of the last request shed; starts long enough in the past not to count. */
    private final AtomicLong lastShedNanos;

    private InFlightLimiter(int floor, int ceiling, Duration budget, LongSupplier nanoClock) {
        this.limit = AIMDLimit.newBuilder()
                .initialLimit(ceiling)
                .minLimit(floor)
                .maxLimit(ceiling)
                .backoffRatio(BACKOFF_RATIO)
                .timeout(budget.toNanos(), TimeUnit.NANOSECONDS)
                .build();
        this.ceiling = ceiling;
        this.budgetNanos = budget.toNanos();
        this.nanoClock = nanoClock;
        this.lastDecreaseNanos = new AtomicLong(nanoClock.getAsLong() - DECREASE_INTERVAL_NANOS);
        this.lastShedNanos = new AtomicLong(nanoClock.getAsLong() - RECENTLY_NANOS);
    }

    /**
     * @param floor   the smallest limit, however late answers are; clamped to {@code ceiling}
     * @param ceiling the largest limit, and the starting one
     * @param budget  an answer handed over later than this after arrival is late
     * @return a limiter adapting between the two
     */
    static InFlightLimiter between(int floor, int ceiling, Duration budget) {
        return between(floor, ceiling, budget, System::nanoTime);
    }

    /** As {@link #between(int, int, Duration)}, on the given clock (tests). */
    static InFlightLimiter between(int floor, int ceiling, Duration budget, LongSupplier nanoClock) {
        if (floor < 1 || ceiling < 1) {
            throw new IllegalArgumentException("limits must be positive: " + floor + ", " + ceiling);
        }
        return new InFlightLimiter(Math.min(floor, ceiling), ceiling, budget, nanoClock);
    }

    /** @return a slot, to be released once the exchange is complete, or {@code null} when the limit is reached */
    Slot tryAcquire() {
        int current;
        do {
            current = inFlight.get();
            if (current >= limit.getLimit()) {
                lastShedNanos.set(nanoClock.getAsLong());
                return null;
            }
        } while (!inFlight.compareAndSet(current, current + 1));
        return new Taken();
    }

    private void answered(Duration took) {
        long tookNanos = took.toNanos();
        long now = nanoClock.getAsLong();
        if (tookNanos > budgetNanos) {
            // AIMDLimit backs off on every sample over its timeout; the late answers of one stall count once.
            long last = lastDecreaseNanos.get();
            if (now - last < DECREASE_INTERVAL_NANOS || !lastDecreaseNanos.compareAndSet(last, now)) {
                return;
            }
        }
        limit.onSample(now - tookNanos, tookNanos, inFlight.get(), false);
    }

    /**
     * Whether the service may add load now: no request was shed in the last {@value #RECENTLY_MILLIS} ms, and the
     * limit is at its ceiling or was last cut longer ago than that. A limit below its ceiling that has stopped moving
     * is no sign of overload: {@link AIMDLimit} raises a limit only while half of it is used, so after a cut it
     * settles at about twice the load, below its ceiling for as long as the load stays what it is, answered in time.
     *
     * @return whether extra upstream attempts may be made now
     */
    boolean calm() {
        long now = nanoClock.getAsLong();
        if (now - lastShedNanos.get() < RECENTLY_NANOS) {
            return false;
        }
        return limit.getLimit() >= ceiling || now - lastDecreaseNanos.get() >= RECENTLY_NANOS;
    }

    /** @return aggregations running now */
    int inFlight() {
        return inFlight.get();
    }

    /** @return the limit in force now */
    int limit() {
        return limit.getLimit();
    }

    int ceiling() {
        return ceiling;
    }

    /** One slot taken. */
    private final class Taken implements Slot {

        private final AtomicBoolean released = new AtomicBoolean();

        @Override
        public void answered(Duration took) {
            InFlightLimiter.this.answered(took);
        }

        @Override
        public void release() {
            if (released.compareAndSet(false, true)) {
                inFlight.decrementAndGet();
            }
        }
    }
}
