package dev.numbers.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.numbers.aggregation.Slot;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InFlightLimiterTest {

    private static final long T0 = 1_000_000_000L;
    private static final long INTERVAL = TimeUnit.MILLISECONDS.toNanos(InFlightLimiter.DECREASE_INTERVAL_MILLIS);
    private static final Duration BUDGET = Duration.ofMillis(500);
    private static final Duration IN_TIME = BUDGET;
    private static final Duration LATE = BUDGET.plusNanos(1);
    private static final long RECENTLY = TimeUnit.MILLISECONDS.toNanos(InFlightLimiter.RECENTLY_MILLIS);

    private final AtomicLong now = new AtomicLong(T0);

    @Test
    void admitsUpToTheLimitAndShedsBeyondIt() {
        InFlightLimiter limiter = limiter(2, 3);
        assertNotNull(limiter.tryAcquire());
        assertNotNull(limiter.tryAcquire());
        Slot third = limiter.tryAcquire();
        assertNotNull(third);
        assertNull(limiter.tryAcquire());
        assertEquals(3, limiter.inFlight());
        third.release();
        third.release(); // only the first release counts
        assertEquals(2, limiter.inFlight());
        assertNotNull(limiter.tryAcquire());
    }

    @Test
    void startsAtTheCeiling() {
        InFlightLimiter limiter = limiter(16, 512);
        assertEquals(512, limiter.limit());
        assertEquals(512, limiter.ceiling());
    }

    @Test
    void aLateAnswerCutsTheLimitByAQuarterOncePerInterval() {
        InFlightLimiter limiter = limiter(16, 512);
        Slot slot = limiter.tryAcquire();
        slot.answered(LATE);
        assertEquals(384, limiter.limit());
        now.set(T0 + INTERVAL - 1);
        slot.answered(LATE); // the same stall: counted once
        assertEquals(384, limiter.limit());
        now.set(T0 + INTERVAL);
        slot.answered(LATE);
        assertEquals(288, limiter.limit());
    }

    @Test
    void neverGoesBelowTheFloor() {
        InFlightLimiter limiter = limiter(16, 512);
        answerLateOncePerInterval(limiter, 100);
        assertEquals(16, limiter.limit());
        InFlightLimiter tiny = limiter(1, 3);
        answerLateOncePerInterval(tiny, 10);
        assertEquals(1, tiny.limit());
        assertNotNull(tiny.tryAcquire());
        assertNull(tiny.tryAcquire());
    }

    @Test
    void answersInTimeRaiseTheLimitByOneOnlyWhileHalfTheSlotsAreTaken() {
        InFlightLimiter limiter = limiter(4, 10);
        answerLateOncePerInterval(limiter, 5);
        assertEquals(4, limiter.limit());
        Slot first = limiter.tryAcquire();
        first.answered(IN_TIME); // one slot of four taken: the limit is not what holds the load back
        assertEquals(4, limiter.limit());
        limiter.tryAcquire().answered(IN_TIME);
        assertEquals(5, limiter.limit());
        for (int i = 0; i < 20; i++) {
            Slot slot = limiter.tryAcquire();
            if (slot != null) {
                slot.answered(IN_TIME);
            }
        }
        assertEquals(10, limiter.limit());
    }

    @Test
    void aFloorEqualToTheCeilingFixesTheLimit() {
        InFlightLimiter fixed = limiter(8, 8);
        fixed.tryAcquire().answered(LATE);
        assertEquals(8, fixed.limit());
        InFlightLimiter clamped = limiter(16, 8); // the default floor above a small ceiling
        clamped.tryAcquire().answered(LATE);
        assertEquals(8, clamped.limit());
    }

    @Test
    void isCalmAtItsCeilingUntilItShedsARequestAndForASecondAfter() {
        InFlightLimiter limiter = limiter(1, 2);
        assertTrue(limiter.calm());
        Slot first = limiter.tryAcquire();
        limiter.tryAcquire();
        assertTrue(limiter.calm(), "full, but nothing shed yet");
        assertNull(limiter.tryAcquire());
        assertFalse(limiter.calm(), "just shed a request");
        first.release();
        now.set(T0 + RECENTLY - 1);
        assertFalse(limiter.calm(), "shed less than a second ago");
        now.set(T0 + RECENTLY);
        assertTrue(limiter.calm());
    }

    @Test
    void isNotCalmWhileItsLimitIsBackingOff() {
        InFlightLimiter limiter = limiter(4, 16);
        Slot slot = limiter.tryAcquire();
        slot.answered(LATE);
        assertEquals(12, limiter.limit());
        assertFalse(limiter.calm(), "just cut");
        now.set(T0 + RECENTLY - 1);
        assertFalse(limiter.calm(), "cut less than a second ago");
        now.set(T0 + RECENTLY);
        assertTrue(limiter.calm(), "below its ceiling, but no longer moving down");
        slot.answered(LATE);
        assertFalse(limiter.calm(), "cut again");
    }

    @Test
    void aFixedLimitIsCalmAfterALateAnswer() {
        InFlightLimiter fixed = limiter(8, 8);
        fixed.tryAcquire().answered(LATE);
        assertTrue(fixed.calm(), "nothing backed off");
    }

    @Test
    void refusesNonPositiveLimits() {
        assertThrows(IllegalArgumentException.class, () -> InFlightLimiter.between(0, 8, BUDGET));
        assertThrows(IllegalArgumentException.class, () -> InFlightLimiter.between(1, 0, BUDGET));
    }

    private InFlightLimiter limiter(int floor, int ceiling) {
        return InFlightLimiter.between(floor, ceiling, BUDGET, now::get);
    }

    /** {@code count} late answers one decrease interval apart from T0 on, so that each one cuts the limit. */
    private void answerLateOncePerInterval(InFlightLimiter limiter, int count) {
        for (int i = 0; i < count; i++) {
            now.set(T0 + i * INTERVAL);
            Slot slot = limiter.tryAcquire();
            slot.answered(LATE);
            slot.release();
        }
        now.set(T0);
    }
}
