package dev.numbers.aggregation;

import dev.numbers.answer.ExplainAnswer;
import dev.numbers.metrics.UpstreamOutcome;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What happened to one upstream of an aggregation: its attempts, each with its kind, start, end and outcome, and
 * what it contributed to the answer. {@code /explain} reports it; {@code /numbers} keeps it at the cost of one
 * attempt object and a clock read per upstream. Today every upstream has exactly one attempt, of kind
 * {@link Kind#FIRST}.
 *
 * <p>Threads: an attempt is begun by the thread that sends it and ended by the one that settles it; the answer's
 * writer reads them all ({@link #report}). An attempt's end is published by one volatile write of its outcome, after
 * its other fields. An attempt whose numbers are merged is ended inside the merge, under the shared side of the
 * aggregation's merge lock, so the writer, which reads under the exclusive side, sees every upstream whose numbers
 * are in its answer as {@code ok}, and no other.
 */
final class UpstreamRecord {

    /** What made an attempt. */
    enum Kind {
        /** The one request the fan-out sends per upstream. */
        FIRST;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final URI url;
    /** Guarded by itself. */
    private final List<Attempt> attempts = new ArrayList<>(1);

    UpstreamRecord(URI url) {
        this.url = url;
    }

    /**
     * @param kind       what makes the attempt
     * @param startNanos {@link System#nanoTime()} when it is sent
     * @return the attempt, to be ended once
     */
    Attempt begin(Kind kind, long startNanos) {
        Attempt attempt = new Attempt(kind, startNanos);
        synchronized (attempts) {
            attempts.add(attempt);
        }
        return attempt;
    }

    /**
     * The record as the answer reports it. The upstream is {@code ok} when an attempt's numbers were merged;
     * otherwise {@code late} while an attempt is pending (or none was sent), else the outcome of the attempt that
     * ended last.
     *
     * @param arrivalNanos the request's arrival, from which times count
     * @return a snapshot
     */
    ExplainAnswer.Upstream report(long arrivalNanos) {
        List<Attempt> sent;
        synchronized (attempts) {
            sent = List.copyOf(attempts);
        }
        List<ExplainAnswer.Attempt> reported = new ArrayList<>(sent.size());
        Attempt merged = null;
        Attempt last = null;
        boolean pending = sent.isEmpty();
        for (Attempt attempt : sent) {
            UpstreamOutcome outcome = attempt.outcome; // read first: it publishes the other fields
            reported.add(new ExplainAnswer.Attempt(attempt.kind.label(), since(attempt.startNanos, arrivalNanos),
                    outcome == null ? null : since(attempt.endNanos, arrivalNanos),
                    (outcome == null ? UpstreamOutcome.LATE : outcome).label(), outcome == null ? 0 : attempt.status));
            if (outcome == UpstreamOutcome.OK) {
                merged = attempt;
            } else if (outcome == null) {
                pending = true;
            } else if (last == null || attempt.endNanos - last.endNanos >= 0) {
                last = attempt;
            }
        }
        Attempt deciding = merged != null ? merged : pending ? null : last;
        Double startMs = sent.isEmpty() ? null : since(sent.get(0).startNanos, arrivalNanos);
        if (deciding == null) {
            return new ExplainAnswer.Upstream(url.toString(), UpstreamOutcome.LATE.label(), 0, startMs, null, 0,
                    reported);
        }
        return new ExplainAnswer.Upstream(url.toString(), deciding.outcome.label(), deciding.status, startMs,
                since(deciding.endNanos, arrivalNanos), deciding.contributed, reported);
    }

    private static double since(long nanos, long arrivalNanos) {
        return ExplainAnswer.millis(nanos - arrivalNanos);
    }

    /** One request sent to the upstream. */
    static final class Attempt {

        private final Kind kind;
        private final long startNanos;
        /** The HTTP status received, 0 for none; written by the settling thread before the outcome. */
        private int status;
        /** Written before the outcome. */
        private long endNanos;
        /** Distinct numbers merged; written before the outcome. */
        private int contributed;
        /** Null while pending; written last, once. */
        private volatile UpstreamOutcome outcome;

        private Attempt(Kind kind, long startNanos) {
            this.kind = kind;
            this.startNanos = startNanos;
        }

        /** @param status the HTTP status the attempt was answered with; called before it ends */
        void status(int status) {
            this.status = status;
        }

        /**
         * Ends the attempt without merging its numbers.
         *
         * @param endNanos {@link System#nanoTime()} when it settled
         * @param outcome  how
         */
        void end(long endNanos, UpstreamOutcome outcome) {
            this.endNanos = endNanos;
            this.outcome = outcome;
        }

        /**
         * Ends the attempt as merged: called under the shared side of the merge lock, so the answer's writer sees it.
         *
         * @param endNanos    {@link System#nanoTime()} when it settled
         * @param contributed the distinct numbers merged
         */
        void merged(long endNanos, int contributed) {
            this.endNanos = endNanos;
            this.contributed = contributed;
            this.outcome = UpstreamOutcome.OK;
        }
    }
}
