package dev.numbers.aggregation;

import dev.numbers.config.Settings;
import dev.numbers.metrics.AggregationObserver;
import dev.numbers.metrics.ExtraAttemptRefusal;
import dev.numbers.upstream.AttemptBudget;
import dev.numbers.upstream.OriginLatencies;
import dev.numbers.upstream.OriginState;
import java.util.function.BooleanSupplier;

/**
 * When an upstream gets its one extra attempt: the rules every {@link Upstream} applies, and what they share
 * service-wide. See docs/design.md#retries-and-hedges.
 *
 * <ul>
 *   <li><b>Hedge delay</b>: the {@value #HEDGE_PERCENTILE} quantile of the origin's recent latencies (its fastest
 *       tenth), between a twentieth and half of the budget; half the budget while fewer than
 *       {@value #MIN_SAMPLES} are known. No hedge for an origin whose recent attempts nearly all (19 in 20) answered
 *       within the first attempt's window: a hedge could only rescue the rare miss, at the price of a second request
 *       for nine in ten of its upstreams.</li>
 *   <li><b>Minimum</b>: no attempt is begun with less time left before the cutoff than the origin's fastest tenth of
 *       attempts took, nor than a fiftieth of the budget: it would answer in time less than one time in ten.</li>
 *   <li><b>Load</b>: none while the service is not calm: it shed load, or cut its in-flight limit, in the last
 *       second ({@code InFlightLimiter#calm}), or the process has no CPU to spare ({@code CpuHeadroom}).</li>
 *   <li><b>Budget</b>: every first attempt deposits in a service-wide and a per-origin {@link AttemptBudget}; an extra
 *       attempt needs a whole token in both.</li>
 * </ul>
 */
final class ExtraAttempts {

    /** The hedge fires once the first attempt has waited as long as this share of the origin's attempts took. */
    static final double HEDGE_PERCENTILE = 0.10;
    /** An attempt needs at least as long as this share of the origin's attempts took. */
    static final double MINIMUM_PERCENTILE = 0.10;
    /** An origin is hedged only when more than the rest of its attempts missed the window. */
    static final double TAIL_PERCENTILE = 0.95;
    /** Latencies needed before an origin's percentiles are trusted. */
    static final int MIN_SAMPLES = 8;

    private final boolean retries;
    private final boolean hedging;
    private final long hedgeFloorNanos;
    private final long hedgeCeilingNanos;
    private final long minimumFloorNanos;
    private final AttemptBudget service;
    private final BooleanSupplier calm;
    private final AggregationObserver observer;

    private ExtraAttempts(Settings settings, BooleanSupplier calm, AggregationObserver observer) {
        this.retries = settings.retries();
        this.hedging = settings.hedging();
        long budget = settings.budget().toNanos();
        this.hedgeFloorNanos = budget / 20;
        this.hedgeCeilingNanos = budget / 2;
        this.minimumFloorNanos = budget / 50;
        this.service = AttemptBudget.of(settings.extraAttemptPercent());
        this.calm = calm;
        this.observer = observer;
    }

    /**
     * @param settings the effective settings: the switches, the share, the budget the delays scale with
     * @param calm     whether the service may add load now: no load shed, no in-flight limit cut, CPU to spare
     * @param observer counts refusals
     * @return the rules
     */
    static ExtraAttempts of(Settings settings, BooleanSupplier calm, AggregationObserver observer) {
        return new ExtraAttempts(settings, calm, observer);
    }

    boolean retries() {
        return retries;
    }

    /** A first attempt was sent: its deposit in the service-wide budget (the origin's is made by its upstream). */
    void deposit() {
        service.deposit();
    }

    /**
     * @param origin      the first attempt's origin, {@code null} when unknown
     * @param windowNanos from the first attempt's send until the cutoff
     * @return nanoseconds after the first attempt's send at which to hedge it; {@code -1}: no hedge, also while the
     *         service is not calm, so that under load no upstream pays for a timer and a look at its origin's latencies
     */
    long hedgeDelayNanos(OriginState origin, long windowNanos) {
        if (!hedging || !calm.getAsBoolean()) {
            return -1;
        }
        OriginLatencies.Snapshot latencies = origin == null ? null : origin.latencies().snapshot();
        long delay = hedgeCeilingNanos;
        if (latencies != null && latencies.count() >= MIN_SAMPLES) {
            if (latencies.percentile(TAIL_PERCENTILE) <= windowNanos) {
                return -1;
            }
            delay = Math.min(hedgeCeilingNanos, Math.max(hedgeFloorNanos, latencies.percentile(HEDGE_PERCENTILE)));
        }
        return windowNanos - delay >= minimumNanos(latencies) ? delay : -1;
    }

    /**
     * @param origin    the upstream's origin, {@code null} when unknown
     * @param leftNanos time left before the cutoff
     * @return why an extra attempt is not to be sent now, or {@code null} when it may be
     */
    ExtraAttemptRefusal refusal(OriginState origin, long leftNanos) {
        if (leftNanos < minimumNanos(origin == null ? null : origin.latencies().snapshot())) {
            return ExtraAttemptRefusal.DEADLINE;
        }
        if (!calm.getAsBoolean()) {
            return ExtraAttemptRefusal.OVERLOAD;
        }
        if (origin == null || !origin.budget().allows() || !service.allows()) {
            return ExtraAttemptRefusal.BUDGET;
        }
        return null;
    }

    /** An extra attempt that {@link #refusal} allowed is being sent. */
    void withdraw(OriginState origin) {
        origin.budget().withdraw();
        service.withdraw();
    }

    void refused(ExtraAttemptRefusal reason) {
        observer.extraAttemptRefused(reason);
    }

    private long minimumNanos(OriginLatencies.Snapshot latencies) {
        if (latencies == null || latencies.count() < MIN_SAMPLES) {
            return minimumFloorNanos;
        }
        return Math.max(minimumFloorNanos, latencies.percentile(MINIMUM_PERCENTILE));
    }
}
