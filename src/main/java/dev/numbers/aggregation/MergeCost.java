package dev.numbers.aggregation;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How long merging one upstream's numbers into an answer's set takes, measured on the service's own large merges, so
 * that an upstream whose merge would still run at the cutoff is left out instead of making the answer wait for it.
 *
 * <p>The writer waits for merges under way (whole upstreams or nothing: see {@link Aggregation}). With a few numbers
 * that wait is negligible; with hundreds of thousands it is long enough that an upstream that began merging just
 * before the cutoff would make the answer late by that much. See docs/design.md#large-payloads.
 *
 * <p>The rate per number is measured as the merging thread's CPU time, which large merges running together on one core
 * do not inflate, as they would each other's wall times. The estimate for a new merge is the slowest rate of the last
 * ten seconds (or the last one measured, when none is that recent), times its numbers, times the large merges that
 * would share each processor with it, itself included. When no large merge has been measured for ten seconds, the last
 * rate counts, halved for every further ten seconds: refused merges are not measured, so a rate that was too high must
 * not refuse them for good, and forgetting it at once would admit the next merges at any cost. Merges below
 * {@link #MEASURED_FROM} numbers are never left out for it, nor is any merge before the first large one has been
 * measured, or where the JVM cannot time threads. GC pauses and other work on the same processors are not in the
 * estimate: the safety margin, which measures how late answers leave, covers those.
 */
final class MergeCost {

    /** Merges of fewer numbers are neither measured nor refused: they take microseconds. */
    static final int MEASURED_FROM = 10_000;
    /** Rates are kept in picoseconds per number, so that a rate of a few nanoseconds keeps its precision. */
    private static final long PICOS_PER_NANO = 1000;
    /** With no recent measure, the last rate is halved for every such span since it was measured. */
    private static final long HALVING_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final RecentMaximum slowest = RecentMaximum.over(10, Duration.ofSeconds(1));
    private final int processors;
    /** The last rate measured and when, for when none is recent. */
    private volatile Measure last = new Measure(0, 0);
    /** Large merges under way. */
    private final AtomicInteger merging = new AtomicInteger();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    /** Whether this JVM times threads; if not, nothing is measured and no merge is left out. */
    private final boolean timed;

    private record Measure(long picosPerNumber, long atNanos) {
    }

    /** A large merge under way; see {@link #begin}. */
    static final class Merge {

        private final int numbers;
        private final long cpuStartNanos;

        private Merge(int numbers, long cpuStartNanos) {
            this.numbers = numbers;
            this.cpuStartNanos = cpuStartNanos;
        }
    }

    private MergeCost(int processors) {
        this.processors = processors;
        this.timed = threads.isCurrentThreadCpuTimeSupported();
    }

    /** @return a cost with nothing measured yet, for the processors this JVM may use */
    static MergeCost measured() {
        return onProcessors(Runtime.getRuntime().availableProcessors());
    }

    static MergeCost onProcessors(int processors) {
        return new MergeCost(Math.max(1, processors));
    }

    /**
     * @param numbers  how many numbers the merge would insert
     * @param nowNanos {@link System#nanoTime()} now
     * @return how long such a merge, begun now, is expected to take at worst, in nanoseconds; 0 when it is small or
     *         nothing has been measured yet
     */
    long estimateNanos(int numbers, long nowNanos) {
        if (numbers < MEASURED_FROM) {
            return 0;
        }
        long rate = slowest.get(nowNanos);
        if (rate == 0) {
            Measure measure = last;
            long halvings = (nowNanos - measure.atNanos()) / HALVING_NANOS - 1; // the first span is the window's
            rate = halvings >= Long.SIZE - 1 ? 0 : measure.picosPerNumber() >> Math.max(0, halvings);
        }
        int sharing = (merging.get() + processors) / processors; // this merge and those under way, per processor
        return rate * numbers / PICOS_PER_NANO * sharing;
    }

    /**
     * Whether a merge begun now would run past the cutoff. Reads the clock only for a large merge: small ones, every
     * merge of the standard loads, cost one comparison.
     *
     * @param numbers     how many numbers the merge would insert
     * @param cutoffNanos {@link System#nanoTime()} at which the answer is written
     * @return the merge's expected time in nanoseconds when it would end after the cutoff, otherwise 0
     */
    long estimateIfPast(int numbers, long cutoffNanos) {
        if (numbers < MEASURED_FROM) {
            return 0;
        }
        long now = System.nanoTime();
        long expected = estimateNanos(numbers, now);
        return expected > cutoffNanos - now ? expected : 0; // nanoTime values compared by their difference
    }

    /**
     * Begins a merge on the calling thread, which must also {@link #end} it.
     *
     * @param numbers how many numbers the merge inserts
     * @return the merge, to be given to {@link #end}; {@code null} for a small one
     */
    Merge begin(int numbers) {
        if (numbers < MEASURED_FROM || !timed) {
            return null;
        }
        long cpuStart = threads.getCurrentThreadCpuTime(); // -1 while thread timing is switched off
        if (cpuStart < 0) {
            return null;
        }
        merging.incrementAndGet();
        return new Merge(numbers, cpuStart);
    }

    /**
     * Ends a merge from {@link #begin}, on the thread that began it, and measures it.
     *
     * @param merge the merge, or {@code null} for a small one (then nothing is read, not even the clock)
     */
    void end(Merge merge) {
        if (merge != null) {
            end(merge, System.nanoTime());
        }
    }

    void end(Merge merge, long nowNanos) {
        if (merge == null) {
            return;
        }
        merging.decrementAndGet();
        record(merge.numbers, threads.getCurrentThreadCpuTime() - merge.cpuStartNanos, nowNanos);
    }

    /** Records the processor time a large merge took. */
    void record(int numbers, long nanos, long nowNanos) {
        if (numbers >= MEASURED_FROM && nanos > 0) {
            long rate = Math.max(1, nanos * PICOS_PER_NANO / numbers);
            last = new Measure(rate, nowNanos);
            slowest.record(rate, nowNanos);
        }
    }
}
