package dev.numbers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InFlightLimiterTest {

    private static final long T0 = 1_000_000_000L;
    private static final long INTERVAL = TimeUnit.MILLISECONDS.toNanos(InFlightLimiter.DECREASE_INTERVAL_MILLIS);

    @Test
    void admitsUpToTheLimitAndShedsBeyondIt() {
        InFlightLimiter limiter = InFlightLimiter.between(2, 3, T0);
        assertTrue(limiter.tryAcquire());
        assertTrue(limiter.tryAcquire());
        assertTrue(limiter.tryAcquire());
        assertFalse(limiter.tryAcquire());
        assertEquals(3, limiter.inFlight());
        limiter.release();
        assertTrue(limiter.tryAcquire());
    }

    @Test
    void startsAtTheCeiling() {
        InFlightLimiter limiter = InFlightLimiter.between(16, 512, T0);
        assertEquals(512, limiter.limit());
        assertEquals(512, limiter.ceiling());
    }

    @Test
    void aLateAnswerCutsTheLimitByAQuarterOncePerInterval() {
        InFlightLimiter limiter = InFlightLimiter.between(16, 512, T0);
        limiter.answered(true, T0);
        assertEquals(384, limiter.limit());
        limiter.answered(true, T0 + INTERVAL - 1); // the same stall: counted once
        assertEquals(384, limiter.limit());
        limiter.answered(true, T0 + INTERVAL);
        assertEquals(288, limiter.limit());
    }

    @Test
    void neverGoesBelowTheFloor() {
        InFlightLimiter limiter = InFlightLimiter.between(16, 512, T0);
        answerLateOncePerInterval(limiter, 100);
        assertEquals(16, limiter.limit());
        InFlightLimiter tiny = InFlightLimiter.between(1, 3, T0);
        answerLateOncePerInterval(tiny, 10);
        assertEquals(1, tiny.limit());
        assertTrue(tiny.tryAcquire());
        assertFalse(tiny.tryAcquire());
    }

    @Test
    void answersInTimeRaiseTheLimitByOneOnlyWhileHalfTheSlotsAreTaken() {
        InFlightLimiter limiter = InFlightLimiter.between(4, 10, T0);
        answerLateOncePerInterval(limiter, 5);
        assertEquals(4, limiter.limit());
        limiter.answered(false, T0); // nothing in flight: the limit is not what holds the load back
        assertEquals(4, limiter.limit());
        limiter.tryAcquire();
        limiter.tryAcquire();
        limiter.answered(false, T0);
        assertEquals(5, limiter.limit());
        for (int i = 0; i < 20; i++) {
            limiter.tryAcquire();
            limiter.answered(false, T0);
        }
        assertEquals(10, limiter.limit());
    }

    @Test
    void aFloorEqualToTheCeilingFixesTheLimit() {
        InFlightLimiter fixed = InFlightLimiter.between(8, 8, T0);
        fixed.answered(true, T0);
        assertEquals(8, fixed.limit());
        InFlightLimiter clamped = InFlightLimiter.between(16, 8, T0); // the default floor above a small ceiling
        clamped.answered(true, T0);
        assertEquals(8, clamped.limit());
    }

    @Test
    void refusesNonPositiveLimits() {
        assertThrows(IllegalArgumentException.class, () -> InFlightLimiter.between(0, 8));
        assertThrows(IllegalArgumentException.class, () -> InFlightLimiter.between(1, 0));
    }

    /** {@code count} late answers one decrease interval apart from T0 on, so that each one cuts the limit. */
    private static void answerLateOncePerInterval(InFlightLimiter limiter, int count) {
        for (int i = 0; i < count; i++) {
            limiter.answered(true, T0 + i * INTERVAL);
        }
    }
}
