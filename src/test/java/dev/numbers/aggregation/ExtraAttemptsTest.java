package dev.numbers.aggregation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.numbers.config.Setting;
import dev.numbers.config.SettingSource;
import dev.numbers.config.Settings;
import dev.numbers.metrics.AggregationObserver;
import dev.numbers.metrics.ExtraAttemptRefusal;
import dev.numbers.upstream.OriginState;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The rules of extra attempts, with the default 500 ms budget: hedge delay 25–250 ms, minimum 10 ms. */
class ExtraAttemptsTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long WINDOW = 470 * MS;

    private final AtomicBoolean calm = new AtomicBoolean(true);

    @Test
    void hedgesAnOriginItKnowsLittleAboutAtHalfTheBudget() {
        ExtraAttempts extras = extras(Map.of());
        assertEquals(250 * MS, extras.hedgeDelayNanos(null, WINDOW));
        OriginState origin = OriginState.of(100);
        for (int i = 0; i < ExtraAttempts.MIN_SAMPLES - 1; i++) {
            origin.latencies().record(MS);
        }
        assertEquals(250 * MS, extras.hedgeDelayNanos(origin, WINDOW), "too few samples to trust");
    }

    @Test
    void hedgesAnOriginWithATailBeyondTheWindowAtItsFastestTenth() {
        ExtraAttempts extras = extras(Map.of());
        // The classic upstream: uniform 0–550 ms, ten samples of it beyond the window.
        OriginState origin = OriginState.of(100);
        for (int i = 0; i < 64; i++) {
            origin.latencies().record(i * 550 / 64 * MS);
        }
        assertEquals(51 * MS, extras.hedgeDelayNanos(origin, WINDOW), "the 7th of 64: 6 × 550 / 64");
    }

    @Test
    void doesNotHedgeAnOriginThatAnswersWithinTheWindow() {
        ExtraAttempts extras = extras(Map.of());
        OriginState origin = OriginState.of(100);
        for (int i = 0; i < 61; i++) {
            origin.latencies().record(50 * MS);
        }
        origin.latencies().recordMissed();
        origin.latencies().recordMissed();
        origin.latencies().recordMissed();
        assertEquals(-1, extras.hedgeDelayNanos(origin, WINDOW), "3 misses in 64: under one in twenty");
        origin.latencies().recordMissed();
        assertEquals(50 * MS, extras.hedgeDelayNanos(origin, WINDOW), "4 misses in 64: over one in twenty");
    }

    @Test
    void keepsTheHedgeDelayBetweenATwentiethAndHalfTheBudget() {
        ExtraAttempts extras = extras(Map.of());
        OriginState fast = OriginState.of(100);
        OriginState slow = OriginState.of(100);
        for (int i = 0; i < 32; i++) {
            fast.latencies().record(MS);
            fast.latencies().recordMissed();
            slow.latencies().record(300 * MS);
            slow.latencies().recordMissed();
        }
        assertEquals(25 * MS, extras.hedgeDelayNanos(fast, WINDOW));
        assertEquals(-1, extras.hedgeDelayNanos(slow, WINDOW), "250 ms, leaving 220 ms for a 300 ms origin");
        assertEquals(250 * MS, extras.hedgeDelayNanos(slow, 900 * MS), "at the ceiling when there is time");
    }

    @Test
    void hedgesNothingWhenSwitchedOffOrWithoutTimeForIt() {
        assertEquals(-1, extras(Map.of(Setting.HEDGING.name(), "false")).hedgeDelayNanos(null, WINDOW));
        assertEquals(-1, extras(Map.of()).hedgeDelayNanos(null, 259 * MS), "10 ms at least must be left after it");
        assertEquals(250 * MS, extras(Map.of()).hedgeDelayNanos(null, 260 * MS));
    }

    @Test
    void refusesAnAttemptWithLessTimeLeftThanTheOriginsFastestTenth() {
        ExtraAttempts extras = extras(Map.of());
        OriginState origin = fundedOrigin(extras);
        assertEquals(ExtraAttemptRefusal.DEADLINE, extras.refusal(origin, 9 * MS), "below the 10 ms floor");
        assertNull(extras.refusal(origin, 10 * MS));
        for (int i = 0; i < 64; i++) {
            origin.latencies().record(100 * MS);
        }
        assertEquals(ExtraAttemptRefusal.DEADLINE, extras.refusal(origin, 99 * MS));
        assertNull(extras.refusal(origin, 100 * MS));
    }

    @Test
    void armsNoHedgeWhileTheServiceIsNotCalm() {
        ExtraAttempts extras = extras(Map.of());
        calm.set(false);
        assertEquals(-1, extras.hedgeDelayNanos(fundedOrigin(extras), WINDOW));
        calm.set(true);
        assertTrue(extras.hedgeDelayNanos(fundedOrigin(extras), WINDOW) > 0);
    }

    @Test
    void refusesWhileTheServiceIsNotCalm() {
        ExtraAttempts extras = extras(Map.of());
        OriginState origin = fundedOrigin(extras);
        calm.set(false);
        assertEquals(ExtraAttemptRefusal.OVERLOAD, extras.refusal(origin, WINDOW));
    }

    @Test
    void needsATokenInTheOriginsBudgetAndInTheServiceWideOne() {
        ExtraAttempts extras = extras(Map.of());
        OriginState origin = OriginState.of(100);
        assertEquals(ExtraAttemptRefusal.BUDGET, extras.refusal(origin, WINDOW), "both empty");
        origin.budget().deposit();
        assertEquals(ExtraAttemptRefusal.BUDGET, extras.refusal(origin, WINDOW), "the service-wide one empty");
        extras.deposit();
        assertNull(extras.refusal(origin, WINDOW));
        extras.withdraw(origin);
        assertEquals(ExtraAttemptRefusal.BUDGET, extras.refusal(origin, WINDOW), "both spent");
        assertEquals(ExtraAttemptRefusal.BUDGET, extras.refusal(null, WINDOW), "an origin without state");
    }

    private OriginState fundedOrigin(ExtraAttempts extras) {
        OriginState origin = OriginState.of(100);
        origin.budget().deposit();
        extras.deposit();
        return origin;
    }

    private ExtraAttempts extras(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        return ExtraAttempts.of(Settings.load(SettingSource.of(all)), calm::get, new AggregationObserver() {
        });
    }
}
