package dev.numbers.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class StallWatchTest {

    private static final long MS = 1_000_000;
    private static final long ORIGIN = 3_000_000 * MS; // any nanoTime origin

    private final StallWatch watch = StallWatch.scripted(10, ORIGIN);

    @Test
    void wakesOnTimeAreNoStall() {
        for (long at = 1; at <= 100; at++) {
            watch.beat(ORIGIN + at * MS);
        }
        assertArrayEquals(new long[] {0, 0}, watch.latest(ORIGIN + 100 * MS));
    }

    @Test
    void aWakeLaterThanTheThresholdIsAStallFromWhenItWasDue() {
        watch.beat(ORIGIN + MS);
        watch.beat(ORIGIN + 40 * MS); // due at 2 ms
        assertArrayEquals(new long[] {ORIGIN + 2 * MS, ORIGIN + 40 * MS}, watch.latest(ORIGIN + 40 * MS));
    }

    @Test
    void aWakeLateByLessThanTheThresholdIsNoStall() {
        watch.beat(ORIGIN + MS);
        watch.beat(ORIGIN + 11 * MS); // due at 2 ms: 9 ms late
        assertArrayEquals(new long[] {0, 0}, watch.latest(ORIGIN + 11 * MS));
    }

    @Test
    void onlyTheLatestStallIsKept() {
        watch.beat(ORIGIN + 30 * MS);
        watch.beat(ORIGIN + 31 * MS);
        watch.beat(ORIGIN + 60 * MS);
        assertArrayEquals(new long[] {ORIGIN + 32 * MS, ORIGIN + 60 * MS}, watch.latest(ORIGIN + 61 * MS));
    }

    @Test
    void aStallNotYetOverForTheWatchRunsUntilNow() {
        watch.beat(ORIGIN + MS);
        // The watch has not woken since 1 ms: at 25 ms it is 23 ms overdue.
        assertArrayEquals(new long[] {ORIGIN + 2 * MS, ORIGIN + 25 * MS}, watch.latest(ORIGIN + 25 * MS));
        assertArrayEquals(new long[] {0, 0}, watch.latest(ORIGIN + 5 * MS), "overdue by less than the threshold");
    }

    @Test
    @Timeout(10)
    void closingStopsItsThread() {
        long before = watchThreads(); // another test's watch, still running, is not this one's
        StallWatch running = StallWatch.start();
        assertEquals(before + 1, watchThreads(), "no watch thread after start");
        running.close();
        assertEquals(before, watchThreads(), "the watch thread outlived close()");
    }

    private static long watchThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("numbers-stall-watch")).count();
    }
}
