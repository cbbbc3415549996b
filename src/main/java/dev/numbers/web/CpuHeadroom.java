package dev.numbers.web;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Whether the process has CPU to spare for optional work. Extra upstream attempts are optional: a retry or a hedge
 * costs about what a first attempt does, and on a core that is nearly full that CPU is taken from the answers due in
 * time, whose lateness the margin cannot see coming. So they are sent only while the process uses at most
 * {@code numbers.extraAttemptCpuPercent} of the processors it may run on. See docs/design.md#retries-and-hedges.
 *
 * <p>The process's CPU time is the JVM's own figure ({@code com.sun.management.OperatingSystemMXBean}); a JVM that does
 * not offer it leaves the process always counted as having CPU to spare. A sample is taken by whoever asks once the
 * last is {@value #SAMPLE_MILLIS} ms old, claimed by a compare-and-set so that two askers do not both take it.
 *
 * <p>The verdict turns busy on one sample over the share, and spare again only on {@value #SPARE_SAMPLES} in a row at
 * most four fifths of it; in between it holds. A busy process that finds CPU to spare has extra attempts saved up in its
 * budget (its requests kept depositing while none were sent) and would send one for nearly every upstream at once,
 * hundreds, each on a connection opened for it. Without the band a load near the share would do so whenever a second
 * happened to fall under it, and without the row every load's first second would, as answers cut at the deadline are
 * written only from its second half on.
 *
 * <p>A sample nobody took for {@value #QUIET_MILLIS} ms after it was due spans a quiet stretch (under load every
 * request asks), whose idle CPU says nothing of the load that now returns. So the verdict from before the stretch holds
 * and the new load is measured from its first ask. Only once: the next sample counts even if late as well, so that
 * requests seconds apart find their spare CPU. Starting is such a return, and the verdict before it is busy: a JVM
 * that starts under load is at its slowest, and its first second of extra attempts opened a connection for each.
 */
final class CpuHeadroom {

    /**
     * How often the CPU time is read: once a second follows a load that lasts, and smooths out the burst of one
     * collection.
     */
    static final long SAMPLE_MILLIS = 1_000;
    private static final long SAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(SAMPLE_MILLIS);
    /** A sample this late was due while nobody asked: the process was quiet. */
    static final long QUIET_MILLIS = 250;
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(QUIET_MILLIS);
    /** Samples in a row at most four fifths of the share that turn a busy verdict to spare. */
    static final int SPARE_SAMPLES = 2;
    private static final long SPARE_BELOW_NUMERATOR = 4;
    private static final long SPARE_BELOW_DENOMINATOR = 5;

    /**
     * @param busy       the verdict since this sample
     * @param spareInRow measured samples in a row, up to this one, at most four fifths of the share (counted up to
     *                   {@link #SPARE_SAMPLES})
     * @param afterQuiet begun by the first ask after a quiet stretch: the verdict and the row are the previous one's
     */
    private record Sample(long atNanos, long cpuNanos, boolean busy, int spareInRow, boolean afterQuiet) {
    }

    private final LongSupplier nanoClock;
    private final LongSupplier cpuClock;
    private final int processors;
    private final int busyPercent;
    private final AtomicReference<Sample> last;

    private CpuHeadroom(LongSupplier nanoClock, LongSupplier cpuClock, int processors, int busyPercent) {
        this.nanoClock = nanoClock;
        this.cpuClock = cpuClock;
        this.processors = processors;
        this.busyPercent = busyPercent;
        long cpu = cpuClock.getAsLong();
        // Busy until measured, unless the CPU time is unknown: then never busy, from the start.
        this.last = new AtomicReference<>(new Sample(nanoClock.getAsLong(), cpu, cpu >= 0, 0, false));
    }

    /**
     * @param busyPercent above this share of its processors the process has no CPU to spare; 100: never
     * @return the headroom of this JVM's process, on the processors it may run on
     */
    static CpuHeadroom ofThisProcess(int busyPercent) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        LongSupplier cpu = os instanceof com.sun.management.OperatingSystemMXBean process
                ? process::getProcessCpuTime
                : () -> -1;
        return of(System::nanoTime, cpu, Runtime.getRuntime().availableProcessors(), busyPercent);
    }

    /**
     * @param nanoClock   {@link System#nanoTime()} or a test's clock
     * @param cpuClock    the process's CPU time in nanoseconds; negative when unknown
     * @param processors  the processors the process may run on
     * @param busyPercent above this share of them the process has no CPU to spare; 100: never
     * @return the headroom, counted as busy until measured otherwise: a JVM that starts under load is at its slowest
     */
    static CpuHeadroom of(LongSupplier nanoClock, LongSupplier cpuClock, int processors, int busyPercent) {
        return new CpuHeadroom(nanoClock, cpuClock, processors, busyPercent);
    }

    /** @return whether the process has CPU to spare: the verdict of the last sample, taking one if it is due */
    boolean spare() {
        if (busyPercent >= 100) {
            return true;
        }
        Sample sample = last.get();
        long now = nanoClock.getAsLong();
        if (now - sample.atNanos() < SAMPLE_NANOS) {
            return !sample.busy();
        }
        long cpu = cpuClock.getAsLong();
        if (cpu < 0 || sample.cpuNanos() < 0) {
            return true;
        }
        Sample next = next(sample, now, cpu);
        // One asker takes the sample; the others read the one taken.
        return last.compareAndSet(sample, next) ? !next.busy() : !last.get().busy();
    }

    private Sample next(Sample sample, long nowNanos, long cpuNanos) {
        if (nowNanos - sample.atNanos() >= SAMPLE_NANOS + QUIET_NANOS && !sample.afterQuiet()) {
            return new Sample(nowNanos, cpuNanos, sample.busy(), sample.spareInRow(), true);
        }
        long used = (cpuNanos - sample.cpuNanos()) * 100; // percent of one processor, times the wall time
        long share = (long) busyPercent * processors * (nowNanos - sample.atNanos());
        if (used > share) {
            return new Sample(nowNanos, cpuNanos, true, 0, false);
        }
        if (used * SPARE_BELOW_DENOMINATOR > share * SPARE_BELOW_NUMERATOR) {
            return new Sample(nowNanos, cpuNanos, sample.busy(), 0, false); // within the band: the verdict holds
        }
        int spareInRow = Math.min(SPARE_SAMPLES, sample.spareInRow() + 1);
        return new Sample(nowNanos, cpuNanos, sample.busy() && spareInRow < SPARE_SAMPLES, spareInRow, false);
    }
}
