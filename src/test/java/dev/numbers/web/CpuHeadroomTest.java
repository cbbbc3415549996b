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

    /**
     * @return the verdict asked for once {@code wallMs} have passed, in which the process ran for {@code busyMs} of CPU
     *         time
     */
    private boolean spareAfter(CpuHeadroom headroom, long wallMs, long busyMs) {
        now.addAndGet(wallMs * MS);
        cpu.addAndGet(busyMs * MS);
        return headroom.spare();
    }

    /** @return a headroom measured calm: two seconds in a row idle */
    private CpuHeadroom calmOnProcessors(int processors) {
        CpuHeadroom headroom = onProcessors(processors);
        spareAfter(headroom, 1_000, 0);
        assertTrue(spareAfter(headroom, 1_000, 0));
        return headroom;
    }

    @Test
    void hasNoCpuToSpareBeforeItIsMeasured() {
        assertFalse(onProcessors(1).spare());
    }

    @Test
    void findsCpuToSpareOnceTwoSamplesInARowWereUnderFourFifthsOfTheShare() {
        CpuHeadroom headroom = onProcessors(1);
        assertFalse(spareAfter(headroom, 1_000, 300));
        assertTrue(spareAfter(headroom, 1_000, 300));
    }

    @Test
    void measuresTheFirstLoadFromItsFirstRequestAfterAQuietStart() {
        CpuHeadroom headroom = onProcessors(1);
        assertFalse(spareAfter(headroom, 60_000, 500)); // the first request, a minute after start
        assertFalse(spareAfter(headroom, 1_000, 300));
        assertTrue(spareAfter(headroom, 1_000, 300));
    }

    @Test
    void hasNoneOnceTheProcessUsedMoreThanItsBusyShareOfOneProcessor() {
        CpuHeadroom headroom = calmOnProcessors(1);
        assertFalse(spareAfter(headroom, 1_000, 640)); // 64 %
    }

    @Test
    void hasSomeWhileTheProcessUsedLessThanItsBusyShare() {
        CpuHeadroom headroom = calmOnProcessors(1);
        assertTrue(spareAfter(headroom, 1_000, 440)); // 44 %
    }

    @Test
    void countsEveryProcessorTheProcessMayRunOn() {
        CpuHeadroom headroom = calmOnProcessors(2);
        assertTrue(spareAfter(headroom, 1_000, 900)); // 45 % of two processors
        assertFalse(spareAfter(headroom, 1_000, 1_600)); // 80 %
        assertFalse(spareAfter(headroom, 1_000, 700)); // 35 %
        assertTrue(spareAfter(headroom, 1_000, 700));
    }

    @Test
    void keepsItsAnswerUntilTheNextSampleIsDue() {
        CpuHeadroom headroom = onProcessors(1);
        assertFalse(spareAfter(headroom, 1_000, 1_000));
        assertFalse(spareAfter(headroom, 900, 0)); // idle, but the sample is 900 ms old
        // a new sample over the 1 100 ms since: 0 %, the first under the share
        assertFalse(spareAfter(headroom, 200, 0));
        assertFalse(spareAfter(headroom, 999, 0));
        assertTrue(spareAfter(headroom, 1, 0)); // the second in a row
    }

    @Test
    void turnsBusyOnOneSampleOverTheShare() {
        CpuHeadroom headroom = calmOnProcessors(1);
        assertTrue(spareAfter(headroom, 1_000, 200));
        assertFalse(spareAfter(headroom, 1_000, 510));
    }

    @Test
    void turnsSpareAgainOnlyAfterTwoSamplesInARowAtMostFourFifthsOfTheShare() {
        CpuHeadroom headroom = onProcessors(1);
        assertFalse(spareAfter(headroom, 1_000, 600));
        // one second well under the share, as a load near it has now and then
        assertFalse(spareAfter(headroom, 1_000, 350));
        assertFalse(spareAfter(headroom, 1_000, 600));
        assertFalse(spareAfter(headroom, 1_000, 350));
        assertTrue(spareAfter(headroom, 1_000, 400)); // 40 %: four fifths of the share
    }

    @Test
    void holdsEitherVerdictWithinTheBandUnderTheShare() {
        CpuHeadroom headroom = calmOnProcessors(1);
        assertTrue(spareAfter(headroom, 1_000, 450)); // 45 %: under the share, above four fifths of it
        assertFalse(spareAfter(headroom, 1_000, 600));
        for (int second = 0; second < 5; second++) {
            assertFalse(spareAfter(headroom, 1_000, 450), "second " + second);
        }
        assertFalse(spareAfter(headroom, 1_000, 300));
        // within the band: the row of samples under four fifths starts again
        assertFalse(spareAfter(headroom, 1_000, 450));
        assertFalse(spareAfter(headroom, 1_000, 300));
        assertTrue(spareAfter(headroom, 1_000, 300));
    }

    @Test
    void keepsABusyVerdictOverAQuietStretchAndMeasuresTheLoadThatReturns() {
        CpuHeadroom headroom = onProcessors(1);
        assertFalse(spareAfter(headroom, 1_000, 700));
        // no request asked for two seconds: idle, but the load that returns is unknown
        assertFalse(spareAfter(headroom, 2_000, 0));
        assertFalse(spareAfter(headroom, 1_000, 300)); // the returning load's first second, before its first answers
        assertFalse(spareAfter(headroom, 1_000, 650)); // its second: 65 %
    }

    @Test
    void findsSpareCpuOnceTheReturningLoadIsLight() {
        CpuHeadroom headroom = onProcessors(1);
        assertFalse(spareAfter(headroom, 1_000, 700));
        assertFalse(spareAfter(headroom, 2_000, 0));
        assertFalse(spareAfter(headroom, 1_000, 200));
        assertTrue(spareAfter(headroom, 1_000, 200));
    }

    @Test
    void keepsASpareVerdictOverAQuietStretch() {
        CpuHeadroom headroom = calmOnProcessors(1);
        assertTrue(spareAfter(headroom, 1_000, 200));
        assertTrue(spareAfter(headroom, 5_000, 0));
    }

    @Test
    void findsSpareCpuBetweenRequestsSecondsApart() {
        CpuHeadroom headroom = onProcessors(1);
        assertFalse(spareAfter(headroom, 1_000, 700));
        for (int request = 1; request <= 3; request++) {
            assertFalse(spareAfter(headroom, 3_000, 30), "request " + request);
        }
        // quiet, measured, quiet, measured: the second measured sample under the share
        assertTrue(spareAfter(headroom, 3_000, 30));
    }

    @Test
    void measuresASampleTakenLateByLessThanAQuietStretchWhole() {
        CpuHeadroom headroom = onProcessors(1);
        assertFalse(spareAfter(headroom, 1_000, 700));
        // late, but requests kept asking until recently: 0 %
        assertFalse(spareAfter(headroom, 1_000 + CpuHeadroom.QUIET_MILLIS - 50, 0));
        assertTrue(spareAfter(headroom, 1_000, 0));
    }

    @Test
    void alwaysHasCpuToSpareWhenTheJvmDoesNotTellItsCpuTime() {
        CpuHeadroom headroom = CpuHeadroom.of(now::get, () -> -1, 1, 50);
        assertTrue(headroom.spare()); // from the start: no sample would ever tell it calm
        now.addAndGet(1_000 * MS);
        assertTrue(headroom.spare());
    }

    @Test
    void alwaysHasCpuToSpareAtAHundredPercent() {
        CpuHeadroom headroom = CpuHeadroom.of(now::get, cpu::get, 1, 100);
        assertTrue(spareAfter(headroom, 1_000, 1_000));
    }
}
