package dev.numbers.aggregation;

import dev.numbers.answer.ExplainAnswer;
import dev.numbers.metrics.AttemptKind;
import dev.numbers.metrics.UpstreamOutcome;

/**
 * One request an upstream was sent: what kind of attempt it was, when it was sent and ended, the HTTP status it got,
 * and how it ended. An {@link Upstream} has one or two; {@code /explain} reports them ({@link Upstream#report}),
 * {@code /numbers} keeps them at the cost of this object (its two clock reads serve the origin's latencies too), and
 * never reads them.
 *
 * <p>Threads: an attempt is made by the thread that sends it ({@link UpstreamFetch#send}); the thread that sees the
 * request end records its end and status ({@link #ended}) and then, once its upstream has decided what the end means,
 * publishes the outcome with one volatile write, after the other fields: {@link #end} for an attempt whose end does
 * not settle its upstream, {@link #settled} or {@link #merged} for the one whose end does. Only an attempt whose
 * numbers are merged is ended {@code ok}, inside the merge, under the shared side of the aggregation's merge lock, so
 * the answer's writer, which reads under the exclusive side, sees every upstream whose numbers are in its answer as
 * {@code ok}, and no other. An attempt never sent (abandoned first) ends as soon as it starts.
 */
final class Attempt {

    private final AttemptKind kind;
    private final long startNanos;
    /** The HTTP status received, 0 for none; written before the outcome. */
    private int status;
    /** Written before the outcome. */
    private long endNanos;
    /** Distinct numbers merged; written before the outcome. */
    private int contributed;
    /** Whether its end settled its upstream; written before the outcome. */
    private boolean settledUpstream;
    /** Null while pending, or while its upstream decides what its end means; written last, once. */
    private volatile UpstreamOutcome outcome;

    /**
     * @param kind       first, retry or hedge
     * @param startNanos {@link System#nanoTime()} when it is sent
     */
    Attempt(AttemptKind kind, long startNanos) {
        this.kind = kind;
        this.startNanos = startNanos;
    }

    /**
     * The request ended; called once, by the thread that ends it, before its upstream hears of it.
     *
     * @param endNanos {@link System#nanoTime()} when it ended
     * @param status   the HTTP status it was answered with, 0 for none
     */
    void ended(long endNanos, int status) {
        this.endNanos = endNanos;
        this.status = status;
    }

    /** Publishes how an attempt ended whose end does not settle its upstream; never {@code ok}. */
    void end(UpstreamOutcome outcome) {
        this.outcome = outcome;
    }

    /** Publishes how the attempt that settles its upstream ended, its numbers not merged; never {@code ok}. */
    void settled(UpstreamOutcome outcome) {
        this.settledUpstream = true;
        this.outcome = outcome;
    }

    /**
     * Publishes the attempt that settles its upstream as merged: called under the shared side of the merge lock, so
     * the answer's writer sees it.
     *
     * @param contributed the distinct numbers merged
     */
    void merged(int contributed) {
        this.contributed = contributed;
        this.settledUpstream = true;
        this.outcome = UpstreamOutcome.OK;
    }

    AttemptKind kind() {
        return kind;
    }

    long startNanos() {
        return startNanos;
    }

    /** @return when the request ended; read by the thread that ended it, or after {@link #outcome()} */
    long endNanos() {
        return endNanos;
    }

    int status() {
        return status;
    }

    int contributed() {
        return contributed;
    }

    /** @return whether its end settled its upstream; read after {@link #outcome()} */
    boolean settledUpstream() {
        return settledUpstream;
    }

    /** @return how it ended, {@code null} while pending; read first: it publishes the other fields */
    UpstreamOutcome outcome() {
        return outcome;
    }

    /**
     * @param outcome      what {@link #outcome()} returned, read once for the whole report
     * @param arrivalNanos the request's arrival, from which times count
     * @return the attempt as {@code /explain} reports it: {@code late}, without end or status, while pending
     */
    ExplainAnswer.Attempt report(UpstreamOutcome outcome, long arrivalNanos) {
        return new ExplainAnswer.Attempt(kind.label(), ExplainAnswer.millis(startNanos - arrivalNanos),
                outcome == null ? null : ExplainAnswer.millis(endNanos - arrivalNanos),
                (outcome == null ? UpstreamOutcome.LATE : outcome).label(), outcome == null ? 0 : status);
    }
}
