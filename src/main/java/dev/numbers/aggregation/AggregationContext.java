package dev.numbers.aggregation;

import dev.numbers.config.Settings;
import dev.numbers.metrics.AggregationObserver;
import dev.numbers.upstream.NumbersBodyParser;
import dev.numbers.upstream.UpstreamClient;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * What every aggregation of one web application shares: the settings, the upstream client, the observer, the safety
 * margin, the measure of large merges, the memory for upstream bodies and the rules of extra attempts.
 * {@link #start} turns one exchange into an {@link Aggregation}.
 */
public final class AggregationContext {

    private final Settings settings;
    private final UpstreamClient client;
    private final SafetyMargin margin;
    private final AggregationObserver observer;
    private final MergeCost mergeCost = MergeCost.measured();
    private final BodyMemory bodies;
    private final NumbersBodyParser parser;
    private final ExtraAttempts extras;
    private final AtomicLong ids = new AtomicLong();

    private AggregationContext(Settings settings, UpstreamClient client, SafetyMargin margin,
            AggregationObserver observer, BooleanSupplier calm) {
        this.settings = settings;
        this.client = client;
        this.margin = margin;
        this.observer = observer;
        this.bodies = BodyMemory.of(settings.maxBufferedBytes());
        this.parser = NumbersBodyParser.withLimit(settings.maxNumbersPerUpstream());
        this.extras = ExtraAttempts.of(settings, calm, observer);
    }

    /**
     * @param settings the effective settings
     * @param client   the web application's upstream client
     * @param margin   the safety margin, learnt from every answer
     * @param observer receives every request's and upstream's facts
     * @param calm     whether the service may add load now (extra attempts are made only then): it has neither shed
     *                 load nor cut its in-flight limit recently, and has CPU to spare
     * @return the context of this web application's aggregations
     */
    public static AggregationContext create(Settings settings, UpstreamClient client, SafetyMargin margin,
            AggregationObserver observer, BooleanSupplier calm) {
        return new AggregationContext(settings, client, margin, observer, calm);
    }

    /**
     * Aggregates the exchange's upstreams. Called on the container thread that started async; the answer may be
     * written, and the exchange completed, before this returns. The slot is released when the exchange completes.
     *
     * @param exchange the request's own part
     * @param slot     the in-flight slot that admitted it
     * @throws IOException if the response's output stream cannot be had; the slot is then the caller's to release
     */
    public void start(Exchange exchange, Slot slot) throws IOException {
        new Aggregation(this, exchange, slot, ids.incrementAndGet()).start();
    }

    Settings settings() {
        return settings;
    }

    UpstreamClient client() {
        return client;
    }

    SafetyMargin margin() {
        return margin;
    }

    AggregationObserver observer() {
        return observer;
    }

    MergeCost mergeCost() {
        return mergeCost;
    }

    BodyMemory bodies() {
        return bodies;
    }

    NumbersBodyParser parser() {
        return parser;
    }

    ExtraAttempts extras() {
        return extras;
    }

    /** @return upstream body bytes buffered now, service-wide */
    public long bufferedBodyBytes() {
        return bodies.inUse();
    }
}
