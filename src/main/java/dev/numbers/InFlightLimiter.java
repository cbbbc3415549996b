package dev.numbers;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

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
    private final long budgetNanos;
    private final LongSupplier nanoClock;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger limit;
    /** nanoTime of the last decrease; starts a full interval in the past so the first late answer counts. */
    private final AtomicLong lastDecreaseNanos;

    private InFlightLimiter(int floor, int ceiling, Duration budget, LongSupplier nanoClock) {
        this.floor = floor;
        this.ceiling = ceiling;
        this.budgetNanos = budget.toNanos();
        this.nanoClock = nanoClock;
        this.limit = new AtomicInteger(ceiling);
        this.lastDecreaseNanos = new AtomicLong(nanoClock.getAsLong() - DECREASE_INTERVAL_NANOS);
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

    /** @return a slot, to be released exactly once, or {@code null} when the limit is reached */
    Slot tryAcquire() {
        int current;
        do {
            current = inFlight.get();
            if (current >= limit.get()) {
                return null;
            }
        } while (!inFlight.compareAndSet(current, current + 1));
        return new Taken();
    }

    private void answered(Duration took) {
        if (floor == ceiling) {
            return;
        }
        if (took.toNanos() > budgetNanos) {
            long now = nanoClock.getAsLong();
            long last = lastDecreaseNanos.get();
            if (now - last >= DECREASE_INTERVAL_NANOS && lastDecreaseNanos.compareAndSet(last, now)) {
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
