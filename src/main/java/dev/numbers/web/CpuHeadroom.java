package dev.numbers.web;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Whether the process has CPU to spare for optional work. Extra upstream attempts are optional: a retry or a hedge
 * costs about what a first attempt does, and on a core that is nearly full that CPU is taken from the answers due in
 * time, whose lateness the margin cannot see coming. So they are sent only while the process used at most
 * {@code numbers.extraAttemptCpuPercent} of the processors it may run on, over its last sample. See
 * docs/design.md#retries-and-hedges.
 *
 * <p>The process's CPU time is the JVM's own figure ({@code com.sun.management.OperatingSystemMXBean}); a JVM that does
 * not offer it leaves the process always counted as having CPU to spare. A sample is taken by whoever asks once the
 * last is {@value #SAMPLE_MILLIS} ms old, claimed by a compare-and-set so that two askers do not both take it; a long
 * quiet interval is measured whole, so the first sample after it says "spare".
 */
final class CpuHeadroom {

    /**
     * How often the CPU time is read: once a second follows a load that lasts, and smooths out the burst of one
     * collection.
     */
    static final long SAMPLE_MILLIS = 1_000;
    private static final long SAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(SAMPLE_MILLIS);

    private record Sample(long atNanos, long cpuNanos, boolean busy) {
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
        this.last = new AtomicReference<>(new Sample(nanoClock.getAsLong(), cpuClock.getAsLong(), false));
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
     * @return the headroom, counted as spare until the first sample
     */
    static CpuHeadroom of(LongSupplier nanoClock, LongSupplier cpuClock, int processors, int busyPercent) {
        return new CpuHeadroom(nanoClock, cpuClock, processors, busyPercent);
    }

    /** @return whether the process used at most its busy share of its processors over the last sample */
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
        boolean busy = (cpu - sample.cpuNanos()) * 100 > (long) busyPercent * processors * (now - sample.atNanos());
        // One asker takes the sample; the others read the one taken.
        return last.compareAndSet(sample, new Sample(now, cpu, busy)) ? !busy : !last.get().busy();
    }
}
