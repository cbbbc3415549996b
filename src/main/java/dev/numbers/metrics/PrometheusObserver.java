package dev.numbers.metrics;

import dev.numbers.config.Settings;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmNativeMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.stream.DoubleStream;

/**
 * The {@link AggregationObserver} behind {@code GET /metrics}: counts requests and upstream fetches and records their
 * durations in a Prometheus registry of its own.
 *
 * <p><b>One registry per web application</b>, never {@link PrometheusRegistry#defaultRegistry}: the default registry is
 * a static of the Prometheus classes, so two web applications (or a redeploy, while the old instance drains) sharing
 * those classes would clash on metric names, and a registry held from outside the web application would keep its
 * class loader alive. {@link #close()} clears the registry when the web application stops.
 *
 * <p><b>JVM metrics</b> are the client's standard set ({@code jvm_*}, {@code process_*}) registered on the same
 * registry — except {@code jvm_memory_pool_allocated_bytes_total}, whose collector adds a listener to the platform's
 * garbage collector beans that it never removes: that listener would pin this web application's class loader after
 * undeploy.
 *
 * <p><b>Histogram buckets</b> are classic (fixed) buckets, which the text format carries and {@code histogram_quantile}
 * aggregates across instances; about twenty of them keep the series count small. They are dense where the answers
 * are (from 5 ms, then in 50 ms steps up to the budget), and the budget itself, and the earliest and latest cutoff
 * ({@code budget - numbers.maxSafetyMargin} and {@code budget - numbers.safetyMargin}) are bucket bounds: an answer
 * above the earliest cutoff was (most likely) written by the deadline timer, one above the budget was late — both read
 * straight off the buckets, whatever the budget is configured to. 1 s and 2.5 s catch anything far beyond.
 *
 * <p>Every labelled series is created at zero on start-up, so a rate over a counter that has never moved is 0, not
 * absent. The hot path does no label lookup: one data point per enum constant is resolved up front.
 */
public final class PrometheusObserver implements AggregationObserver, AutoCloseable {

    /** Bucket bounds in seconds; the budget and the range of the cutoff are added to them. */
    private static final double[] BASE_BUCKETS = {
        0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 1, 2.5};

    private final PrometheusRegistry registry;
    private final CounterDataPoint[] requestsByResult;
    private final CounterDataPoint[] fetchesByOutcome;
    private final CounterDataPoint[] attemptsByKind;
    private final CounterDataPoint[] winsByKind;
    private final CounterDataPoint[] extrasRefused;
    private final Histogram requestDuration;
    private final Histogram upstreamDuration;
    private final Counter lateAnswers;
    private final Counter backdated;
    private final Counter backdatedSeconds;
    private final Counter undelivered;

    private PrometheusObserver(PrometheusRegistry registry, Settings settings, IntSupplier inFlight,
            IntSupplier inFlightLimit, LongSupplier marginNanos, IntSupplier upstreamOrigins,
            IntSupplier upstreamConnections) {
        this.registry = registry;
        double[] buckets = buckets(settings);

        requestsByResult = byLabel(Counter.builder()
                .name("numbers_requests_total")
                .help("Answers to /numbers and /explain by result: complete, partial, empty, rejected (4xx), shed (503)")
                .labelNames("result"), RequestResult.values(), RequestResult::label);
        fetchesByOutcome = byLabel(Counter.builder()
                .name("numbers_upstream_fetches_total")
                .help("Upstreams by outcome, one per distinct upstream URL however many attempts it had: ok, late, "
                        + "http_error, invalid_body, too_large, connect_error, refused, too_many_origins")
                .labelNames("outcome"), UpstreamOutcome.values(), UpstreamOutcome::label);
        attemptsByKind = byLabel(Counter.builder()
                .name("numbers_upstream_attempts_total")
                .help("Upstream requests sent, by kind: first, retry (after a 502/503/504 or a connection refused "
                        + "or reset), hedge (the first had not answered after a delay)")
                .labelNames("kind"), AttemptKind.values(), AttemptKind::label);
        winsByKind = byLabel(Counter.builder()
                .name("numbers_upstream_wins_total")
                .help("Upstreams merged into an answer, by the kind of the attempt whose answer was merged")
                .labelNames("kind"), AttemptKind.values(), AttemptKind::label);
        extrasRefused = byLabel(Counter.builder()
                .name("numbers_upstream_extra_refused_total")
                .help("Extra attempts (retries, hedges) wanted but not sent, by reason: deadline (too little time "
                        + "left), overload (load shed, or the in-flight limit cut, in the last second, or the "
                        + "process's CPU above numbers.extraAttemptCpuPercent), budget (their share of first attempts "
                        + "used)")
                .labelNames("reason"), ExtraAttemptRefusal.values(), ExtraAttemptRefusal::label);

        requestDuration = Histogram.builder()
                .name("numbers_request_duration_seconds")
                .unit(Unit.SECONDS)
                .help("Time from a /numbers request's arrival until its answer's body was handed to the container")
                .classicOnly()
                .classicUpperBounds(buckets)
                .withoutExemplars()
                .register(registry);
        upstreamDuration = Histogram.builder()
                .name("numbers_upstream_duration_seconds")
                .unit(Unit.SECONDS)
                .help("Time from sending an upstream's first request until the upstream settled (any outcome)")
                .classicOnly()
                .classicUpperBounds(buckets)
                .withoutExemplars()
                .register(registry);
        lateAnswers = Counter.builder()
                .name("numbers_late_answers_total")
                .help("Answers whose body was handed to the container after the budget; should stay 0")
                .withoutExemplars()
                .register(registry);
        backdated = Counter.builder()
                .name("numbers_arrivals_backdated_total")
                .help("Aggregations that entered just after a GC pause or a stall of the process and count their "
                        + "budget from when they may have arrived, during it")
                .withoutExemplars()
                .register(registry);
        backdatedSeconds = Counter.builder()
                .name("numbers_arrivals_backdated_seconds_total")
                .unit(Unit.SECONDS)
                .help("The time those aggregations' arrivals were moved back by, summed")
                .withoutExemplars()
                .register(registry);
        undelivered = Counter.builder()
                .name("numbers_answers_undelivered_total")
                .help("Written answers that never reached their client whole: the client went away, or stopped "
                        + "reading until the container's idle timeout failed the write")
                .withoutExemplars()
                .register(registry);
        GaugeWithCallback.builder()
                .name("numbers_in_flight_requests")
                .help("Aggregations holding an in-flight slot now")
                .callback(callback -> callback.call(inFlight.getAsInt()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("numbers_in_flight_limit")
                .help("The adaptive in-flight limit now, between numbers.minInFlight and numbers.maxInFlight; "
                        + "requests beyond it get a fast 503")
                .callback(callback -> callback.call(inFlightLimit.getAsInt()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("numbers_safety_margin_seconds")
                .unit(Unit.SECONDS)
                .help("The self-tuning safety margin for requests arriving now, between numbers.safetyMargin and "
                        + "numbers.maxSafetyMargin: pending upstreams are abandoned at the budget less this")
                .callback(callback -> callback.call(seconds(marginNanos.getAsLong())))
                .register(registry);
        GaugeWithCallback.builder()
                .name("numbers_upstream_origins")
                .help("Upstream origins the HTTP client keeps state for now (its destinations); at numbers.maxOrigins, "
                        + "fetches to other origins are not sent (too_many_origins)")
                .callback(callback -> callback.call(upstreamOrigins.getAsInt()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("numbers_upstream_connections")
                .help("Upstream connections open or being opened now, all origins; at numbers.maxConnections no "
                        + "new one is opened and fetches wait for a pooled one")
                .callback(callback -> callback.call(upstreamConnections.getAsInt()))
                .register(registry);
    }

    /**
     * Creates the observer with a new registry holding its metrics and the JVM's.
     *
     * @param settings the effective settings (the budget and the cutoff's range become histogram bucket bounds)
     * @param inFlight      reads the number of aggregations in flight, for the gauge
     * @param inFlightLimit reads the in-flight limit in force, for the gauge
     * @param marginNanos reads the safety margin in force, in nanoseconds, for the gauge
     * @param upstreamOrigins reads the upstream origins the client keeps state for, for the gauge
     * @param upstreamConnections reads the upstream connections open or being opened, for the gauge
     * @return the observer; {@link #close()} it when the web application stops
     */
    public static PrometheusObserver create(Settings settings, IntSupplier inFlight, IntSupplier inFlightLimit,
            LongSupplier marginNanos, IntSupplier upstreamOrigins, IntSupplier upstreamConnections) {
        PrometheusRegistry registry = new PrometheusRegistry();
        PrometheusObserver observer = new PrometheusObserver(registry, settings, inFlight, inFlightLimit,
                marginNanos, upstreamOrigins, upstreamConnections);
        registerJvmMetrics(registry);
        return observer;
    }

    /** The registry {@code GET /metrics} exposes. */
    public PrometheusRegistry registry() {
        return registry;
    }

    @Override
    public void upstreamSettled(UpstreamOutcome outcome, Duration duration) {
        fetchesByOutcome[outcome.ordinal()].inc();
        upstreamDuration.observe(seconds(duration));
    }

    @Override
    public void attemptStarted(AttemptKind kind) {
        attemptsByKind[kind.ordinal()].inc();
    }

    @Override
    public void attemptWon(AttemptKind kind) {
        winsByKind[kind.ordinal()].inc();
    }

    @Override
    public void extraAttemptRefused(ExtraAttemptRefusal reason) {
        extrasRefused[reason.ordinal()].inc();
    }

    @Override
    public void requestFinished(RequestResult result, Duration duration) {
        requestsByResult[result.ordinal()].inc();
        requestDuration.observe(seconds(duration));
    }

    @Override
    public void lateAnswer(Duration overshoot) {
        lateAnswers.inc();
    }

    @Override
    public void arrivalBackdated(Duration by) {
        backdated.inc();
        backdatedSeconds.inc(seconds(by));
    }

    @Override
    public void answerUndelivered() {
        undelivered.inc();
    }

    /** Unregisters everything, so that nothing holds this web application's metrics after it stopped. */
    @Override
    public void close() {
        registry.clear();
    }

    /** The JVM's standard metrics, as {@code JvmMetrics} registers them, less the one that leaks (see class comment). */
    private static void registerJvmMetrics(PrometheusRegistry registry) {
        JvmThreadsMetrics.builder().register(registry);
        JvmBufferPoolMetrics.builder().register(registry);
        JvmClassLoadingMetrics.builder().register(registry);
        JvmCompilationMetrics.builder().register(registry);
        JvmGarbageCollectorMetrics.builder().register(registry);
        JvmMemoryMetrics.builder().register(registry);
        JvmNativeMemoryMetrics.builder().register(registry);
        JvmRuntimeInfoMetric.builder().register(registry);
        ProcessMetrics.builder().register(registry);
    }

    /** Registers a counter with one label and resolves its data point for every constant, by ordinal. */
    private <E extends Enum<E>> CounterDataPoint[] byLabel(Counter.Builder builder, E[] constants,
            Function<E, String> label) {
        Counter counter = builder.withoutExemplars().register(registry);
        CounterDataPoint[] points = new CounterDataPoint[constants.length];
        for (E constant : constants) {
            points[constant.ordinal()] = counter.labelValues(label.apply(constant));
        }
        return points;
    }

    static double[] buckets(Settings settings) {
        double budget = seconds(settings.budget());
        double earliestCutoff = seconds(settings.budget().minus(settings.maxSafetyMargin()));
        double latestCutoff = seconds(settings.budget().minus(settings.safetyMargin()));
        return DoubleStream.concat(Arrays.stream(BASE_BUCKETS), DoubleStream.of(earliestCutoff, latestCutoff, budget))
                .sorted()
                .distinct()
                .toArray();
    }

    private static double seconds(Duration duration) {
        return seconds(duration.toNanos());
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
