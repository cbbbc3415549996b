package dev.numbers.answer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ServerTimingTest {

    private static final Pattern ARRIVAL = Pattern.compile("arrival;desc=\"(\\d+)\"$");

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
        assertTrue(timing.matches("total;dur=\\d+\\.\\d, upstreams;desc=\"2/3\", arrival;desc=\"\\d+\""), timing);
    }

    @Test
    void givesTheCutoffFromArrival() {
        long arrival = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(500);
        String timing = ServerTiming.of(arrival, arrival + 470_049_999L, 1, 2);
        assertTrue(timing.matches("total;dur=\\d+\\.\\d, cutoff;dur=470\\.0, upstreams;desc=\"1/2\", arrival;desc=\"\\d+\""),
                timing);
    }

    @Test
    void datesArrivalOnTheWallClockByTheTimeSinceIt() {
        long before = epochMicros(Instant.now());
        long arrival = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(300);
        String timing = ServerTiming.of(arrival);
        long after = epochMicros(Instant.now());
        Matcher m = ARRIVAL.matcher(timing);
        assertTrue(m.find(), timing);
        long micros = Long.parseLong(m.group(1));
        // 300 ms before the call, within the time the call took (and a millisecond for the two clocks' rounding)
        assertTrue(micros >= before - 301_000 && micros <= after - 299_000, timing + " not 300 ms before " + before);
    }

    private static long epochMicros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }
}
