package dev.numbers.web;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The busy share is 50 % in these tests, the default of {@code numbers.extraAttemptCpuPercent}. */
class CpuHeadroomTest {

    private static final long MS = 1_000_000;

    private final AtomicLong now = new AtomicLong(1_000_000 * MS);
    private final AtomicLong cpu = new AtomicLong(5_000 * MS);

    private CpuHeadroom onProcessors(int processors) {
        return CpuHeadroom.of(now::get, cpu::get, processors, 50);
    }

    /** The process runs for {@code busyMs} of CPU time while {@code wallMs} pass. */
    private void run(long wallMs, long busyMs) {
        now.addAndGet(wallMs * MS);
        cpu.addAndGet(busyMs * MS);
    }

    @Test
    void hasCpuToSpareBeforeItsFirstSample() {
        assertTrue(onProcessors(1).spare());
    }

    @Test
    void hasNoneOnceTheProcessUsedMoreThanItsBusyShareOfOneProcessor() {
        CpuHeadroom headroom = onProcessors(1);
        run(1_000, 640); // 64 %
        assertFalse(headroom.spare());
    }

    @Test
    void hasSomeWhileTheProcessUsedLessThanItsBusyShare() {
        CpuHeadroom headroom = onProcessors(1);
        run(1_000, 440); // 44 %
        assertTrue(headroom.spare());
    }

    @Test
    void countsEveryProcessorTheProcessMayRunOn() {
        CpuHeadroom headroom = onProcessors(2);
        run(1_000, 900); // 45 % of two processors
        assertTrue(headroom.spare());
        run(1_000, 1_600); // 80 %
        assertFalse(headroom.spare());
    }

    @Test
    void keepsItsAnswerUntilTheNextSampleIsDue() {
        CpuHeadroom headroom = onProcessors(1);
        run(1_000, 1_000);
        assertFalse(headroom.spare());
        run(900, 0); // idle, but the sample is 900 ms old
        assertFalse(headroom.spare());
        run(200, 0); // a new sample over the 1 100 ms since: 0 %
        assertTrue(headroom.spare());
    }

    @Test
    void measuresALongQuietIntervalWhole() {
        CpuHeadroom headroom = onProcessors(1);
        run(10_000, 2_000); // two busy seconds within ten quiet ones: 20 %
        assertTrue(headroom.spare());
    }

    @Test
    void alwaysHasCpuToSpareWhenTheJvmDoesNotTellItsCpuTime() {
        CpuHeadroom headroom = CpuHeadroom.of(now::get, () -> -1, 1, 50);
        now.addAndGet(1_000 * MS);
        assertTrue(headroom.spare());
    }

    @Test
    void alwaysHasCpuToSpareAtAHundredPercent() {
        CpuHeadroom headroom = CpuHeadroom.of(now::get, cpu::get, 1, 100);
        run(1_000, 1_000);
        assertTrue(headroom.spare());
    }
}
