package dev.numbers.aggregation;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The largest value recorded within the last few windows of time, without a lock on the recording path.
 *
 * <p>Values are kept as maxima of fixed windows in a ring; a window is reset lazily by the first record that finds it
 * stale. Two records racing over such a reset can lose one value, which only delays a reaction by one record.
 */
final class RecentMaximum {

    private final int windows;
    private final long windowNanos;
    /** Per slot: the window number (nanoTime / window) it holds; Long.MIN_VALUE when never used. */
    private final AtomicLongArray epochs;
    /** Per slot: the largest value recorded in that window. */
    private final AtomicLongArray maxima;

    private RecentMaximum(int windows, long windowNanos) {
        this.windows = windows;
        this.windowNanos = windowNanos;
        this.epochs = new AtomicLongArray(windows);
        this.maxima = new AtomicLongArray(windows);
        for (int i = 0; i < windows; i++) {
            epochs.set(i, Long.MIN_VALUE);
        }
    }

    /**
     * @param windows how many windows are remembered
     * @param window  the length of one
     * @return a maximum with nothing recorded
     */
    static RecentMaximum over(int windows, Duration window) {
        return new RecentMaximum(windows, window.toNanos());
    }

    /**
     * @param nowNanos {@link System#nanoTime()} now
     * @return the largest value recorded in the current window and the {@code windows - 1} before it; 0 if none
     */
    long get(long nowNanos) {
        return largestRecentOrRecurring(nowNanos, windows); // every window recent: the largest of all
    }

    /**
     * The largest value that is either recent or came back: a value recorded once is remembered for the newest few
     * windows, a value recorded in two windows or more for all of them.
     *
     * @param nowNanos {@link System#nanoTime()} now
     * @param newest   how many of the newest windows (the current one included) count in full
     * @return the largest value of the newest {@code newest} windows or, if larger, the second largest of the maxima
     *         of all windows remembered; 0 if none
     */
    long largestRecentOrRecurring(long nowNanos, int newest) {
        long epoch = Math.floorDiv(nowNanos, windowNanos);
        long recent = 0;
        long largest = 0;
        long second = 0;
        for (int i = 0; i < windows; i++) {
            long age = epoch - epochs.get(i);
            if (age < 0 || age >= windows) {
                continue;
            }
            long value = maxima.get(i);
            if (age < newest) {
                recent = Math.max(recent, value);
            }
            if (value > largest) {
                second = largest;
                largest = value;
            } else {
                second = Math.max(second, value);
            }
        }
        return Math.max(recent, second);
    }

    /**
     * @param value    a positive value
     * @param nowNanos {@link System#nanoTime()} now
     */
    void record(long value, long nowNanos) {
        long epoch = Math.floorDiv(nowNanos, windowNanos);
        int slot = (int) Math.floorMod(epoch, (long) windows);
        long held = epochs.get(slot);
        if (held != epoch && epochs.compareAndSet(slot, held, epoch)) {
            maxima.set(slot, 0);
        }
        maxima.accumulateAndGet(slot, value, Math::max);
    }
}
