package dev.numbers.upstream;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * A budget for extra upstream attempts (retries and hedges), in the style of Finagle's {@code RetryBudget}: every first
 * attempt deposits {@code percent / 100} of a token, every extra attempt withdraws a whole one, and an extra attempt
 * is allowed only while a whole token is there. Deposits and withdrawals count for {@value #WINDOWS} seconds, kept in
 * a ring of one-second windows, so extra attempts are at most {@code percent} % of the first attempts of the last ten
 * seconds, and a long calm stores up no extra attempts for a later storm.
 *
 * <p>Thread safety: lock-free. Checking and withdrawing are two steps, so extra attempts decided at the same moment
 * may overdraw the budget by as many as decide at once; the next deposits pay it back. A window is reset by the first
 * count that finds it stale; counts racing that reset may be lost, a deposit or a withdrawal at a window's turn.
 */
public final class AttemptBudget {

    /** How many one-second windows are remembered. */
    static final int WINDOWS = 10;
    private static final long WINDOW_NANOS = Duration.ofSeconds(1).toNanos();

    private final long percent;
    private final LongSupplier nanoClock;
    /** Per slot: the window number (nanoTime / window) it counts; Long.MIN_VALUE when never used. */
    private final AtomicLongArray epochs = new AtomicLongArray(WINDOWS);
    private final AtomicLongArray deposits = new AtomicLongArray(WINDOWS);
    private final AtomicLongArray withdrawals = new AtomicLongArray(WINDOWS);

    private AttemptBudget(int percent, LongSupplier nanoClock) {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("share out of 0..100: " + percent);
        }
        this.percent = percent;
        this.nanoClock = nanoClock;
        for (int i = 0; i < WINDOWS; i++) {
            epochs.set(i, Long.MIN_VALUE);
        }
    }

    /**
     * @param percent extra attempts allowed per hundred first attempts, 0 to 100
     * @return an empty budget
     */
    public static AttemptBudget of(int percent) {
        return of(percent, System::nanoTime);
    }

    /** As {@link #of(int)}, on the given clock (tests). */
    static AttemptBudget of(int percent, LongSupplier nanoClock) {
        return new AttemptBudget(percent, nanoClock);
    }

    /** A first attempt was sent. */
    public void deposit() {
        count(deposits);
    }

    /** @return whether an extra attempt may be sent now: a whole token is left of the last ten seconds' deposits */
    public boolean allows() {
        long epoch = Math.floorDiv(nanoClock.getAsLong(), WINDOW_NANOS);
        long deposited = 0;
        long withdrawn = 0;
        for (int i = 0; i < WINDOWS; i++) {
            long age = epoch - epochs.get(i);
            if (age >= 0 && age < WINDOWS) {
                deposited += deposits.get(i);
                withdrawn += withdrawals.get(i);
            }
        }
        return percent * deposited - 100 * withdrawn >= 100;
    }

    /** An extra attempt, which {@link #allows()} allowed, is being sent. */
    public void withdraw() {
        count(withdrawals);
    }

    private void count(AtomicLongArray counts) {
        long epoch = Math.floorDiv(nanoClock.getAsLong(), WINDOW_NANOS);
        int slot = (int) Math.floorMod(epoch, (long) WINDOWS);
        long held = epochs.get(slot);
        if (held != epoch && epochs.compareAndSet(slot, held, epoch)) {
            deposits.set(slot, 0);
            withdrawals.set(slot, 0);
        }
        counts.incrementAndGet(slot);
    }
}
