package dev.numbers.aggregation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SafetyMarginTest {

    private static final long MS = 1_000_000;
    private static final long START = 1_000_000 * 1_000 * MS; // any nanoTime origin

    private final SafetyMargin margin = SafetyMargin.between(Duration.ofMillis(10), Duration.ofMillis(150));

    @Test
    void staysAtItsFloorWhileAnswersLeaveInTime() {
        margin.record(0, START);
        margin.record(-5 * MS, START);
        margin.record(3 * MS, START); // 1.5 × 3 + 2 = 6.5 ms, below the floor
        assertEquals(10 * MS, margin.currentNanos(START));
    }

    @Test
    void growsToOneAndAHalfTimesTheWorstRecentLagPlusHeadroom() {
        margin.record(20 * MS, START);
        margin.record(40 * MS, START + 500 * MS);
        margin.record(30 * MS, START + 1_500 * MS);
        assertEquals(62 * MS, margin.currentNanos(START + 2_000 * MS));
    }

    @Test
    void neverExceedsItsCeiling() {
        margin.record(400 * MS, START);
        assertEquals(150 * MS, margin.currentNanos(START));
    }

    @Test
    void remembersALagSeenOnceUntilTheWindowAfterItsOwnEnds() {
        margin.record(40 * MS, START); // window [0 s, 5 s)
        assertEquals(62 * MS, margin.currentNanos(START + 9_999 * MS));
        assertEquals(10 * MS, margin.currentNanos(START + 10_000 * MS));
    }

    @Test
    void remembersALagThatCameBackForThirtySecondsThenDecaysToItsFloor() {
        margin.record(40 * MS, START);
        margin.record(45 * MS, START + 12_000 * MS); // a second window as bad: the lag recurs
        assertEquals(62 * MS, margin.currentNanos(START + 29_000 * MS));
        assertEquals(10 * MS, margin.currentNanos(START + 30_000 * MS)); // the first window is gone, one remains
        // a slot reused thirty seconds later starts afresh
        margin.record(4 * MS, START + 30_000 * MS);
        assertEquals(10 * MS, margin.currentNanos(START + 30_000 * MS));
    }

    @Test
    void manyLagsOfOneWindowAreOneLagNotOneThatCameBack() {
        margin.record(40 * MS, START);
        margin.record(40 * MS, START + 1_000 * MS); // the same pause or stall, reported by every answer it delayed
        margin.record(40 * MS, START + 4_999 * MS);
        assertEquals(10 * MS, margin.currentNanos(START + 10_000 * MS));
    }

    @Test
    void aLagThatCameBackSmallerIsRememberedAtTheSizeItCameBack() {
        margin.record(50 * MS, START);
        margin.record(20 * MS, START + 6_000 * MS);
        margin.record(30 * MS, START + 11_000 * MS);
        // at 21 s no window is recent; 30 ms is the largest lag that two windows saw
        assertEquals(47 * MS, margin.currentNanos(START + 21_000 * MS));
    }

    @Test
    void aFixedMarginIgnoresLags() {
        SafetyMargin fixed = SafetyMargin.between(Duration.ofMillis(25), Duration.ofMillis(25));
        fixed.record(200 * MS, START);
        assertEquals(25 * MS, fixed.currentNanos(START));
    }

    @Test
    void refusesAFloorAboveTheCeiling() {
        assertThrows(IllegalArgumentException.class, () -> SafetyMargin.between(Duration.ofMillis(20), Duration.ofMillis(10)));
    }
}
