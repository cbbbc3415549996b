package dev.numbers.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ArrivalClockTest {

    private static final long MS = 1_000_000;
    private static final long ORIGIN = 7_000_000 * MS; // any nanoTime origin
    private static final Duration BUDGET = Duration.ofMillis(500);

    /**
     * Two collectors whose counts, pauses and clocks the test sets. The collectors' time base runs {@code offset} ms
     * behind the uptime, as HotSpot's does.
     */
    private static final class ScriptedPauses implements ArrivalClock.PauseSource {
        final long[] counts = new long[2];
        final ArrivalClock.Pause[] pauses = new ArrivalClock.Pause[2];
        final long offset = 85;
        long uptime = 10_000;
        int pauseReads;

        /** Collector {@code index} paused from {@code start} to {@code end}, uptime ms; the clock now reads {@code now}. */
        void pause(int index, long start, long end, long now) {
            counts[index]++;
            pauses[index] = new ArrivalClock.Pause(start - offset, end - offset);
            uptime = now;
        }

        long nanos(long uptimeMillis) {
            return ORIGIN + uptimeMillis * MS;
        }

        @Override
        public int collectors() {
            return 2;
        }

        @Override
        public long count(int index) {
            return counts[index];
        }

        @Override
        public ArrivalClock.Pause lastPause(int index) {
            pauseReads++;
            return pauses[index];
        }

        @Override
        public long uptimeMillis() {
            return uptime;
        }

        @Override
        public long nanoTime() {
            return nanos(uptime);
        }
    }

    private final ScriptedPauses pauses = new ScriptedPauses();
    private final ArrivalClock clock = ArrivalClock.over(pauses, null, BUDGET);

    @Test
    void aRequestFarFromAnyPauseArrivedWhenItEntered() {
        assertEquals(pauses.nanos(10_000), clock.arrivalNanos(pauses.nanos(10_000)));
        pauses.pause(0, 10_100, 10_140, 10_140);
        assertEquals(pauses.nanos(10_500), clock.arrivalNanos(pauses.nanos(10_500)));
    }

    @Test
    void aRequestEnteringAsAPauseEndsMayHaveWaitedTheWholePause() {
        pauses.pause(0, 10_100, 10_140, 10_140);
        assertEquals(pauses.nanos(10_100), clock.arrivalNanos(pauses.nanos(10_140)));
    }

    @Test
    void theAssumedWaitShrinksByHalfTheTimeSinceThePauseAndEndsAtTwiceItsLength() {
        pauses.pause(0, 10_100, 10_140, 10_140);
        clock.arrivalNanos(pauses.nanos(10_140)); // the first request after the pause notices it
        assertEquals(pauses.nanos(10_160 - 30), clock.arrivalNanos(pauses.nanos(10_160)));
        assertEquals(pauses.nanos(10_200 - 10), clock.arrivalNanos(pauses.nanos(10_200)));
        assertEquals(pauses.nanos(10_220), clock.arrivalNanos(pauses.nanos(10_220)));
    }

    @Test
    void aPauseNoticedLateCountsFromWhenItEndedNotFromWhenItWasNoticed() {
        pauses.pause(0, 10_100, 10_140, 10_140);
        clock.arrivalNanos(pauses.nanos(10_140)); // learns the collectors' time base under load
        pauses.pause(0, 11_000, 11_040, 11_900); // then a quiet spell: the next request comes long after the pause
        assertEquals(pauses.nanos(11_900), clock.arrivalNanos(pauses.nanos(11_900)));
    }

    @Test
    void backToBackPausesCountAsOne() {
        pauses.pause(0, 10_100, 10_110, 10_110);
        pauses.pause(1, 10_110, 10_310, 10_310); // a young collection failing into a full one, noticed together
        assertEquals(pauses.nanos(10_100), clock.arrivalNanos(pauses.nanos(10_310)));
    }

    @Test
    void aPauseAfterAGapIsAPauseOfItsOwn() {
        pauses.pause(0, 10_100, 10_110, 10_110);
        assertEquals(pauses.nanos(10_100), clock.arrivalNanos(pauses.nanos(10_110)));
        pauses.pause(0, 10_125, 10_135, 10_135);
        assertEquals(pauses.nanos(10_125), clock.arrivalNanos(pauses.nanos(10_135)));
    }

    @Test
    void theCollectorsAreAskedForTheirPauseOncePerCollection() {
        pauses.pause(0, 10_100, 10_140, 10_140);
        for (int i = 0; i < 100; i++) {
            clock.arrivalNanos(pauses.nanos(10_140 + i));
        }
        assertEquals(1, pauses.pauseReads);
    }

    @Test
    void theEntryTimeClockNeverMovesAnArrival() {
        assertEquals(123 * MS, ArrivalClock.entryTime().arrivalNanos(123 * MS));
    }

    @Test
    void thisJvmsCollectionsArePlacedWhereTheyHappened() {
        try (ArrivalClock jvm = ArrivalClock.pauseAware(BUDGET)) {
            long collections = collections();
            long before = System.nanoTime();
            // Allocate until a collection has happened (System.gc() may be disabled, or concurrent).
            while (collections() == collections) {
                garbage = new byte[64 * 1024];
            }
            jvm.arrivalNanos(System.nanoTime());
            long after = System.nanoTime(); // after the noticing, which a loaded machine may delay
            long[] pause = jvm.latestPauseNanos();
            // The beans give whole milliseconds on a base of their own, learnt from this first pause: allow 2 ms.
            assertTrue(pause[0] <= pause[1], "a pause that ends before it starts");
            assertTrue(pause[0] >= before - 2 * MS, "a pause placed before the allocation that caused it");
            assertTrue(pause[1] <= after + 2 * MS, "a pause placed after it was noticed");
        }
    }

    @Test
    void aRequestEnteringJustAfterAStallIsDatedBackIntoIt() {
        StallWatch stalls = StallWatch.scripted(10, ORIGIN);
        ArrivalClock watched = ArrivalClock.over(null, stalls, BUDGET);
        stalls.beat(ORIGIN + 31 * MS); // due at 1 ms: a 30 ms stall
        assertEquals(ORIGIN + MS, watched.arrivalNanos(ORIGIN + 31 * MS));
        for (long at = 32; at <= 51; at++) {
            stalls.beat(ORIGIN + at * MS);
        }
        assertEquals(ORIGIN + 31 * MS, watched.arrivalNanos(ORIGIN + 51 * MS)); // waited 30 less half of 20
        for (long at = 52; at <= 91; at++) {
            stalls.beat(ORIGIN + at * MS);
        }
        assertEquals(ORIGIN + 91 * MS, watched.arrivalNanos(ORIGIN + 91 * MS)); // twice its length after
    }

    @Test
    void theEarlierArrivalOfACollectorsPauseAndAStallDecides() {
        StallWatch stalls = StallWatch.scripted(10, pauses.nanos(1_000));
        ArrivalClock both = ArrivalClock.over(pauses, stalls, BUDGET);
        pauses.pause(0, 1_000, 1_040, 1_040); // a 40 ms collection, which the watch saw as a 39 ms stall
        stalls.beat(pauses.nanos(1_040));
        assertEquals(pauses.nanos(1_000), both.arrivalNanos(pauses.nanos(1_040)));
        stalls.beat(pauses.nanos(1_100)); // then a stall the collectors do not report: 1 041 to 1 100
        assertEquals(pauses.nanos(1_041), both.arrivalNanos(pauses.nanos(1_100)));
    }

    @Test
    void aStopLongerThanTheBudgetCountsForTheBudgetAndForTwiceItAfter() {
        StallWatch stalls = StallWatch.scripted(10, ORIGIN);
        ArrivalClock watched = ArrivalClock.over(null, stalls, BUDGET);
        long end = ORIGIN + 60_001 * MS; // the host suspended the machine for a minute
        stalls.beat(end);
        assertEquals(end - 500 * MS, watched.arrivalNanos(end));
        for (long at = 1; at <= 1_000; at++) {
            stalls.beat(end + at * MS);
        }
        assertEquals(end + 1_000 * MS, watched.arrivalNanos(end + 1_000 * MS));
    }

    private static volatile byte[] garbage;

    private static long collections() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(bean -> Math.max(0, bean.getCollectionCount())).sum();
    }
}
