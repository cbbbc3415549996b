package dev.numbers;

import java.util.concurrent.Semaphore;

/**
 * Bounds how many aggregations run at once. A request that finds no free slot is shed at once with a {@code 503},
 * so that overload never turns into late answers (SPEC, "Safety").
 */
final class InFlightLimiter {

    private final Semaphore slots;
    private final int limit;

    private InFlightLimiter(int limit) {
        this.limit = limit;
        this.slots = new Semaphore(limit);
    }

    static InFlightLimiter of(int limit) {
        return new InFlightLimiter(limit);
    }

    /** @return whether a slot was taken; the caller must {@link #release()} it exactly once */
    boolean tryAcquire() {
        return slots.tryAcquire();
    }

    void release() {
        slots.release();
    }

    /** @return aggregations running now */
    int inFlight() {
        return limit - slots.availablePermits();
    }

    int limit() {
        return limit;
    }
}
