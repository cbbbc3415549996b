package dev.numbers.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OriginLatenciesTest {

    @Test
    void hasNoPercentileWithoutSamples() {
        OriginLatencies.Snapshot none = new OriginLatencies().snapshot();
        assertEquals(0, none.count());
        assertEquals(-1, none.percentile(0.10));
    }

    @Test
    void takesTheNearestRankPercentile() {
        OriginLatencies latencies = new OriginLatencies();
        for (int i = 100; i >= 2; i -= 2) { // 50 samples, 2, 4, ... 100, recorded largest first
            latencies.record(i);
        }
        OriginLatencies.Snapshot snapshot = latencies.snapshot();
        assertEquals(50, snapshot.count());
        assertEquals(2, snapshot.percentile(0.01), "the smallest");
        assertEquals(10, snapshot.percentile(0.10), "5 of 50 at most 10");
        assertEquals(50, snapshot.percentile(0.50));
        assertEquals(96, snapshot.percentile(0.95), "ceil(47.5) = 48th sample");
        assertEquals(100, snapshot.percentile(1.0));
    }

    @Test
    void countsAMissAsLaterThanAnyAnswer() {
        OriginLatencies latencies = new OriginLatencies();
        for (int i = 1; i <= 10; i++) {
            latencies.record(i);
        }
        latencies.recordMissed();
        latencies.recordMissed();
        OriginLatencies.Snapshot snapshot = latencies.snapshot();
        assertEquals(1, snapshot.percentile(0.05));
        assertEquals(OriginLatencies.MISSED, snapshot.percentile(0.95), "2 of 12 missed");
        assertEquals(10, snapshot.percentile(0.8), "the 10th of 12");
    }

    @Test
    void keepsOnlyTheLastSixtyFourAttempts() {
        OriginLatencies latencies = new OriginLatencies();
        for (int i = 0; i < OriginLatencies.SIZE; i++) {
            latencies.recordMissed();
        }
        for (int i = 1; i <= OriginLatencies.SIZE; i++) {
            latencies.record(1_000 + i);
        }
        OriginLatencies.Snapshot snapshot = latencies.snapshot();
        assertEquals(OriginLatencies.SIZE, snapshot.count());
        assertEquals(1_000 + OriginLatencies.SIZE, snapshot.percentile(1.0), "every miss overwritten");
        latencies.record(5);
        assertEquals(5, latencies.snapshot().percentile(0.01), "the oldest answer gave way to the newest");
        assertEquals(OriginLatencies.SIZE, latencies.snapshot().count());
    }
}
