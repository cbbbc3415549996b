package dev.numbers.web;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Notices when this process's threads were held up: a thread that asks to sleep one millisecond and wakes much later
 * was not run in between, and neither was whatever else was due then — a request whose bytes had reached the kernel
 * waited as long. Garbage collectors time their own pauses ({@link ArrivalClock} reads them); this sees the stops they
 * do not report: a safepoint of another kind, or the host not running the machine's processors at all, which on a
 * small virtual machine holds every thread up for tens of milliseconds at a time, idle or not.
 *
 * <p>One daemon thread per web application wakes every {@value #PERIOD_MILLIS} ms; a wake later than the period by
 * at least the threshold is a stall, from when it should have woken until it did. Only the latest stall is kept. A
 * request that enters while the watch is itself overdue is in a stall not yet over for the watch: {@link #latest}
 * reports it as running until then, so that a request the stall's end lets through first is not missed.
 *
 * <p>Thread safety: the watch thread is the only writer; the request path reads two volatile fields.
 */
final class StallWatch implements AutoCloseable {

    static final long PERIOD_MILLIS = 1;
    /** A wake this much later than due is a stall: less is a busy core's ordinary wait, which the margin's floor holds. */
    static final long THRESHOLD_MILLIS = 10;
    private static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS);

    private final long thresholdNanos;
    /** When the watch last woke, on {@link System#nanoTime()}'s base. */
    private volatile long lastBeatNanos;
    /** The latest stall, {start, end}; {0, 0} before any. */
    private volatile long[] latest = {0, 0};
    private volatile boolean closed;
    private final Thread thread;

    private StallWatch(long thresholdNanos, long nowNanos, boolean run) {
        this.thresholdNanos = thresholdNanos;
        this.lastBeatNanos = nowNanos;
        this.thread = run ? new Thread(this::watch, "numbers-stall-watch") : null;
    }

    /** @return a running watch with the {@value #THRESHOLD_MILLIS} ms threshold; {@link #close()} stops its thread */
    static StallWatch start() {
        StallWatch watch = new StallWatch(TimeUnit.MILLISECONDS.toNanos(THRESHOLD_MILLIS), System.nanoTime(), true);
        watch.thread.setDaemon(true);
        watch.thread.start();
        return watch;
    }

    /** @return a watch without a thread, whose wakes a test reports with {@link #beat(long)} */
    static StallWatch scripted(long thresholdMillis, long nowNanos) {
        return new StallWatch(TimeUnit.MILLISECONDS.toNanos(thresholdMillis), nowNanos, false);
    }

    private void watch() {
        while (!closed) {
            LockSupport.parkNanos(PERIOD_NANOS);
            beat(System.nanoTime());
        }
    }

    /** The watch woke at {@code nowNanos}, having slept from its last wake. */
    void beat(long nowNanos) {
        long due = lastBeatNanos + PERIOD_NANOS;
        if (nowNanos - due >= thresholdNanos) {
            latest = new long[] {due, nowNanos};
        }
        lastBeatNanos = nowNanos;
    }

    /**
     * @param nowNanos {@link System#nanoTime()} now
     * @return the latest stall as {start, end}, {0, 0} before any; one still going on for the watch ends now
     */
    long[] latest(long nowNanos) {
        long due = lastBeatNanos + PERIOD_NANOS;
        // Read after lastBeat: a beat that records a stall writes it first, so a stall just over is never missed.
        long[] stall = latest;
        return nowNanos - due >= thresholdNanos ? new long[] {due, nowNanos} : stall;
    }

    /** Stops the watch's thread and waits for it. */
    @Override
    public void close() {
        closed = true;
        if (thread != null) {
            LockSupport.unpark(thread);
            try {
                thread.join(TimeUnit.SECONDS.toMillis(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
