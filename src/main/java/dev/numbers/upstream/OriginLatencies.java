package dev.numbers.upstream;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The latencies of an origin's last {@value #SIZE} answered or missed attempts, for percentiles: a ring of fixed size,
 * written without a lock. A miss (an attempt still unanswered at its deadline) is kept as {@link #MISSED}, larger than
 * any latency, so that it counts in the percentiles as what it is: an answer later than the deadline.
 *
 * <p>Thread safety: a writer takes a place with one atomic increment and then writes it. A reader copies the ring and
 * sorts the copy; it may see a place taken but not yet written (skipped: it holds {@link #EMPTY} or the value it
 * held one round before), which only shifts a percentile by one sample. See docs/design.md#retries-and-hedges.
 */
public final class OriginLatencies {

    /** How many attempts are remembered. */
    public static final int SIZE = 64;
    /** The value of an attempt that missed its deadline. */
    public static final long MISSED = Long.MAX_VALUE;
    private static final long EMPTY = -1;

    private final AtomicLongArray samples = new AtomicLongArray(SIZE);
    private final AtomicLong writes = new AtomicLong();

    OriginLatencies() {
        for (int i = 0; i < SIZE; i++) {
            samples.set(i, EMPTY);
        }
    }

    /** @param nanos how long an attempt took to be answered, whatever its status */
    public void record(long nanos) {
        samples.set((int) (writes.getAndIncrement() % SIZE), Math.max(0, nanos));
    }

    /** An attempt was still unanswered when its deadline came. */
    public void recordMissed() {
        samples.set((int) (writes.getAndIncrement() % SIZE), MISSED);
    }

    /** @return the samples now, sorted, for {@link Snapshot#percentile} */
    public Snapshot snapshot() {
        long[] copy = new long[SIZE];
        int n = 0;
        for (int i = 0; i < SIZE; i++) {
            long sample = samples.get(i);
            if (sample != EMPTY) {
                copy[n++] = sample;
            }
        }
        long[] sorted = Arrays.copyOf(copy, n);
        Arrays.sort(sorted);
        return new Snapshot(sorted);
    }

    /** The samples of one moment, sorted ascending. */
    public static final class Snapshot {

        private final long[] sorted;

        Snapshot(long[] sorted) {
            this.sorted = sorted;
        }

        /** @return how many samples there are, at most {@value OriginLatencies#SIZE} */
        public int count() {
            return sorted.length;
        }

        /**
         * The nearest-rank percentile: the smallest sample that at least {@code share} of the samples do not exceed.
         *
         * @param share between 0 (exclusive) and 1
         * @return that sample, in nanoseconds, or {@link OriginLatencies#MISSED}; {@code -1} without any sample
         */
        public long percentile(double share) {
            if (sorted.length == 0) {
                return -1;
            }
            int rank = (int) Math.ceil(share * sorted.length);
            return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
        }
    }
}
