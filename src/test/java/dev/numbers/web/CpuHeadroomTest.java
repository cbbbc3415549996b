package dev.numbers.web;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The busy share is 60 % in these tests, the default of {@code numbers.extraAttemptCpuPercent}. */
class CpuHeadroomTest {

    private static final long MS = 1_000_000;

    private final AtomicLong now = new AtomicLong(1_000_000 * MS);
    private final AtomicLong cpu = new AtomicLong(5_000 * MS);

    private CpuHeadroom onProcessors(int processors) {
        return CpuHeadroom.of(now::get, cpu::get, processors, 60);
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
        run(250, 160); // 64 %
        assertFalse(headroom.spare());
    }

    @Test
    void hasSomeWhileTheProcessUsedLessThanItsBusyShare() {
        CpuHeadroom headroom = onProcessors(1);
        run(250, 140); // 56 %
        assertTrue(headroom.spare());
    }

    @Test
    void countsEveryProcessorTheProcessMayRunOn() {
        CpuHeadroom headroom = onProcessors(2);
        run(250, 250); // one of two processors: 50 %
        assertTrue(headroom.spare());
        run(250, 400); // 80 %
        assertFalse(headroom.spare());
    }

    @Test
    void keepsItsAnswerUntilTheNextSampleIsDue() {
        CpuHeadroom headroom = onProcessors(1);
        run(250, 250);
        assertFalse(headroom.spare());
        run(100, 0); // idle, but the sample is 100 ms old
        assertFalse(headroom.spare());
        run(200, 0); // a new sample over the 300 ms since: 0 %
        assertTrue(headroom.spare());
    }

    @Test
    void measuresALongQuietIntervalWhole() {
        CpuHeadroom headroom = onProcessors(1);
        run(10_000, 500); // a burst of 500 ms of CPU within ten quiet seconds: 5 %
        assertTrue(headroom.spare());
    }

    @Test
    void alwaysHasCpuToSpareWhenTheJvmDoesNotTellItsCpuTime() {
        CpuHeadroom headroom = CpuHeadroom.of(now::get, () -> -1, 1, 60);
        now.addAndGet(250 * MS);
        assertTrue(headroom.spare());
    }

    @Test
    void alwaysHasCpuToSpareAtAHundredPercent() {
        CpuHeadroom headroom = CpuHeadroom.of(now::get, cpu::get, 1, 100);
        run(250, 250);
        assertTrue(headroom.spare());
    }
}
