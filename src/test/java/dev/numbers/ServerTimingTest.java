package dev.numbers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ServerTimingTest {

    @Test
    void writesMillisecondsWithOneDecimalRoundedHalfUp() {
        assertEquals("total;dur=0.0", ServerTiming.total(0).toString());
        assertEquals("total;dur=0.0", ServerTiming.total(49_999).toString());
        assertEquals("total;dur=0.1", ServerTiming.total(50_000).toString());
        assertEquals("total;dur=12.3", ServerTiming.total(12_349_999).toString());
        assertEquals("total;dur=12.4", ServerTiming.total(12_350_000).toString());
        assertEquals("total;dur=1000.0", ServerTiming.total(999_950_000).toString());
    }

    @Test
    void neverWritesANegativeDuration() {
        assertEquals("total;dur=0.0", ServerTiming.total(-3_000_000).toString());
    }

    @Test
    void addsTheUpstreamTallyAfterTheTotal() {
        String timing = ServerTiming.of(System.nanoTime(), 2, 3);
        assertTrue(timing.matches("total;dur=\\d+\\.\\d, upstreams;desc=\"2/3\""), timing);
    }
}
