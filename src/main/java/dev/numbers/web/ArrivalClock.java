package dev.numbers.web;

import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * When did a request arrive? The moment the servlet sees it, unless the process has just been stopped: a request that
 * reached the server during a stop-the-world collection, or while the host did not run this machine, waited in the
 * kernel, so one that enters within twice a pause's length after its end is dated back into it, by less the later it
 * enters. Pauses are the collectors' own, and the stalls a {@link StallWatch} notices; the earlier of the two arrivals
 * wins. See docs/design.md#arrival-after-a-pause.
 *
 * <p>Pauses come from the platform's {@code com.sun.management.GarbageCollectorMXBean}s that time pauses; beans named
 * for concurrent cycles ({@code "ZGC Cycles"}, {@code "Shenandoah Cycles"}, …) are left out. The request path reads
 * each collector's count; the first request to find a count moved reads that collector's last pause under this
 * object's lock, which its racers wait for instead of deciding on the old pause.
 *
 * <p>Collectors time their pauses on a base offset from {@link RuntimeMXBean#getUptime()}'s by a constant the JDK does
 * not publish. It is learnt as the smallest "uptime minus pause end" seen when a pause is noticed, which errs only
 * towards a pause that ended later: that can only shorten budgets.
 */
final class ArrivalClock implements AutoCloseable {

    /** The collectors' side of the clock: the platform's beans, or a script in tests. */
    interface PauseSource {
        /** @return how many stop-the-world collectors there are */
        int collectors();

        /** @return collector {@code index}'s count of collections so far */
        long count(int index);

        /** @return collector {@code index}'s last pause, in ms on the collectors' time base; null before its first */
        Pause lastPause(int index);

        /** @return {@link RuntimeMXBean#getUptime()} */
        long uptimeMillis();

        /** @return {@link System#nanoTime()} */
        long nanoTime();
    }

    /** A pause as a collector reports it: start and end in milliseconds on the collectors' time base. */
    record Pause(long startMillis, long endMillis) {
    }

    private static final ArrivalClock ENTRY = new ArrivalClock(null, null, Duration.ZERO);
    private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);

    private final PauseSource source;
    private final StallWatch stalls;
    /** The longest wait assumed: a request that waited longer is past its budget however it is dated. */
    private final long maxWaitNanos;
    /** Sum of the counts last looked at under the lock; a request that reads another sum takes the lock to look. */
    private volatile long known;
    /** Per collector, the count last looked at. Guarded by this. */
    private final long[] counts;
    /** The latest pause, on {@link System#nanoTime()}'s base: {start, end}; {0, 0} before any. */
    private volatile long[] pauseNanos = {0, 0};
    /** Smallest uptime minus pause end seen when noticing a pause; see the class comment. Guarded by this. */
    private long offsetMillis = Long.MAX_VALUE;

    private ArrivalClock(PauseSource source, StallWatch stalls, Duration maxWait) {
        this.source = source;
        this.stalls = stalls;
        this.maxWaitNanos = maxWait.toNanos();
        this.counts = new long[source == null ? 0 : source.collectors()];
        long sum = 0;
        for (int i = 0; i < counts.length; i++) {
            counts[i] = source.count(i);
            sum += counts[i];
        }
        this.known = sum; // of the very counts kept: a collection in between is noticed by the first request
    }

    /** @return a clock that takes every request's entry as its arrival */
    static ArrivalClock entryTime() {
        return ENTRY;
    }

    /**
     * @param budget the budget: a pause or stall counts for at most that long, so that a long one (a host suspended
     *               for minutes) shortens the budgets of the requests after it for no longer than twice the budget
     * @return a clock that allows for this JVM's stop-the-world pauses and the stalls of a {@link StallWatch} it
     *         starts, which {@link #close()} stops; without {@code com.sun.management} beans for the collectors, for
     *         the stalls alone
     */
    static ArrivalClock pauseAware(Duration budget) {
        return over(collectorPauses(), StallWatch.start(), budget);
    }

    /** @return the platform's collectors that time pauses, or null when it has no beans for them */
    private static PauseSource collectorPauses() {
        List<com.sun.management.GarbageCollectorMXBean> beans;
        try {
            beans = ManagementFactory.getPlatformMXBeans(com.sun.management.GarbageCollectorMXBean.class).stream()
                    .filter(bean -> !bean.getName().contains("Cycles"))
                    .toList();
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
        if (beans.isEmpty()) {
            return null;
        }
        beans.forEach(com.sun.management.GarbageCollectorMXBean::getLastGcInfo); // loads its classes now, not mid-request
        return new PlatformPauses(beans, ManagementFactory.getRuntimeMXBean());
    }

    /**
     * @param source the collectors' pauses, or null for none
     * @param stalls  the stalls noticed, or null for none; closed with this clock
     * @param maxWait the longest a pause or stall counts for
     * @return a clock over them (tests script both)
     */
    static ArrivalClock over(PauseSource source, StallWatch stalls, Duration maxWait) {
        return new ArrivalClock(source, stalls, maxWait);
    }

    /**
     * @param entryNanos {@link System#nanoTime()} when the servlet saw the request
     * @return the earliest the request may have arrived, on the same base; {@code entryNanos} when no pause is near
     */
    long arrivalNanos(long entryNanos) {
        long arrival = entryNanos;
        if (source != null) {
            long[] pause = total() == known ? pauseNanos : notice();
            arrival = arrival(entryNanos, pause[0], pause[1], maxWaitNanos);
        }
        if (stalls != null) {
            // A collection's pause is also a stall for the watch, noticed later and less exactly: the earlier wins.
            long[] stall = stalls.latest(entryNanos);
            arrival = Math.min(arrival, arrival(entryNanos, stall[0], stall[1], maxWaitNanos));
        }
        return arrival;
    }

    /** The estimate itself: the whole pause when entering at its end, nothing from twice its length after. */
    private static long arrival(long entryNanos, long pauseStartNanos, long pauseEndNanos, long maxWaitNanos) {
        long length = Math.min(pauseEndNanos - pauseStartNanos, maxWaitNanos);
        long waited = length - Math.max(0, entryNanos - pauseEndNanos) / 2;
        return waited > 0 ? entryNanos - waited : entryNanos;
    }

    /** Stops the stall watch, if this clock has one. */
    @Override
    public void close() {
        if (stalls != null) {
            stalls.close();
        }
    }

    /** @return the latest pause noticed so far, {start, end} on {@link System#nanoTime()}'s base (for tests) */
    long[] latestPauseNanos() {
        return pauseNanos.clone();
    }

    private long total() {
        long total = 0;
        for (int i = 0; i < counts.length; i++) {
            total += source.count(i);
        }
        return total;
    }

    /** Reads the pauses of the collectors whose counts moved, and keeps the latest. */
    private synchronized long[] notice() {
        // Both clocks first, as near the detection as possible: the pauses are placed relative to this moment.
        long nanos = source.nanoTime();
        long uptime = source.uptimeMillis();
        List<Pause> seen = new ArrayList<>(counts.length);
        long sum = 0;
        for (int i = 0; i < counts.length; i++) {
            long count = source.count(i);
            sum += count;
            Pause pause = count == counts[i] ? null : source.lastPause(i);
            counts[i] = count;
            if (pause != null) {
                seen.add(pause);
                offsetMillis = Math.min(offsetMillis, uptime - pause.endMillis());
            }
        }
        seen.sort(Comparator.comparingLong(Pause::endMillis));
        long[] latest = pauseNanos;
        for (Pause pause : seen) {
            long end = nanos - TimeUnit.MILLISECONDS.toNanos(uptime - offsetMillis - pause.endMillis());
            long start = end - TimeUnit.MILLISECONDS.toNanos(pause.endMillis() - pause.startMillis());
            if (end <= latest[1]) {
                continue;
            }
            // Two collectors in one stop (Serial's young collection failing into a full one) report back-to-back
            // pauses: within the beans' millisecond, the later extends the earlier.
            latest = start - latest[1] <= MILLI ? new long[] {latest[0], end} : new long[] {start, end};
        }
        pauseNanos = latest;
        known = sum;
        return latest;
    }

    /** The platform's beans as a {@link PauseSource}. */
    private static final class PlatformPauses implements PauseSource {

        private final List<com.sun.management.GarbageCollectorMXBean> beans;
        private final RuntimeMXBean runtime;

        PlatformPauses(List<com.sun.management.GarbageCollectorMXBean> beans, RuntimeMXBean runtime) {
            this.beans = List.copyOf(beans);
            this.runtime = runtime;
        }

        @Override
        public int collectors() {
            return beans.size();
        }

        @Override
        public long count(int index) {
            return beans.get(index).getCollectionCount();
        }

        @Override
        public Pause lastPause(int index) {
            com.sun.management.GcInfo info = beans.get(index).getLastGcInfo();
            return info == null ? null : new Pause(info.getStartTime(), info.getEndTime());
        }

        @Override
        public long uptimeMillis() {
            return runtime.getUptime();
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }
    }
}
