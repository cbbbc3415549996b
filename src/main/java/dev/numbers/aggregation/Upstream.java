package dev.numbers.aggregation;

import dev.numbers.answer.ExplainAnswer;
import dev.numbers.metrics.AttemptKind;
import dev.numbers.metrics.ExtraAttemptRefusal;
import dev.numbers.metrics.UpstreamOutcome;
import dev.numbers.upstream.OriginLatencies;
import dev.numbers.upstream.OriginState;
import dev.numbers.upstream.UpstreamClient;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * One distinct upstream URL of an aggregation, with its attempts: the first, and at most one extra (a retry after a
 * failure worth retrying, or a hedge when the first has not answered after a delay), whichever comes first. It
 * settles with the {@link Aggregation} exactly once: with the first valid answer of its attempts, or with the failure
 * of the last attempt when no other remains and none may start.
 *
 * <p>One atomic word, {@link #state}, holds the attempts still running (or claimed and about to be sent), whether the
 * extra attempt has been claimed, and whether the upstream has settled. Every decision is one compare-and-set of it,
 * so each sees the others' effects whole:
 * <ul>
 *   <li><b>attempt vs attempt</b>: a valid answer settles only if nothing settled first, so the first valid answer
 *       wins and a later one is dropped; a failure settles only when no other attempt runs, and otherwise leaves the
 *       decision to the one that ends last;</li>
 *   <li><b>retry vs hedge</b>: a failing first attempt that hands its place to a retry and the hedge timer both claim
 *       the one extra attempt; only one claim succeeds;</li>
 *   <li><b>attempt vs deadline</b>: settling after the answer was written is what late upstreams do already
 *       ({@link Aggregation#settle}); an extra attempt is published before the aggregation's phase is read, and the
 *       deadline moves the phase before it abandons the published attempts, so one of the two sees the other and an
 *       attempt started as the answer leaves is never sent.</li>
 * </ul>
 * The losing attempt of a race is abandoned as a late upstream is ({@code numbers.abandonGrace}): a request already
 * sent runs on, its result ignored, so that its connection is kept. See docs/design.md#retries-and-hedges.
 *
 * <p>Each attempt keeps an {@link Attempt} record, which {@link #report} renders for {@code /explain}: the attempt
 * that settles the upstream is ended by {@link Aggregation#settle} (as merged inside the merge), every other one here,
 * after the decision, with its own outcome; a valid answer that is not merged is {@code late}.
 */
final class Upstream {

    /** Attempts running, or claimed and about to be sent: 0, 1 or 2. */
    private static final int LIVE = 0b11;
    /** The one extra attempt has been claimed. */
    private static final int EXTRA = 0b100;
    /** The upstream has settled with the aggregation. */
    private static final int SETTLED = 0b1000;

    /** What a compare-and-set of {@link #state} decided about an attempt that ended. */
    private enum Decision {
        /** A valid answer, the first: the upstream settles with it. */
        WON,
        /** The upstream had settled already: nothing to do. */
        IGNORED,
        /** The other attempt still runs: its end decides. */
        OTHER_DECIDES,
        /** This attempt's place passes to a retry. */
        RETRY,
        /** No attempt runs and none may start: the upstream settles with this failure. */
        FAILED
    }

    private final Aggregation aggregation;
    private final AggregationContext shared;
    private final ExtraAttempts extras;
    private final URI uri;
    private final UpstreamFetch first;
    /** The first attempt is running from the start. */
    private final AtomicInteger state = new AtomicInteger(1);
    /** The extra attempt, once claimed and made; published before the aggregation's phase is read. */
    private volatile UpstreamFetch extra;
    private volatile Scheduler.Task hedgeTimer;
    /** What is learnt about the URL's origin; {@code null} until the client has a destination for it. */
    private final AtomicReference<OriginState> origin = new AtomicReference<>();

    Upstream(Aggregation aggregation, AggregationContext shared, URI uri) {
        this.aggregation = aggregation;
        this.shared = shared;
        this.extras = shared.extras();
        this.uri = uri;
        this.first = UpstreamFetch.prepare(this, shared, uri, AttemptKind.FIRST);
    }

    /**
     * Sends the first attempt and arms the hedge when one is worth it. Called once, by {@link Aggregation#start}; the
     * attempt may end, and the upstream settle, before this returns.
     */
    void start() {
        extras.deposit();
        first.send(aggregation.timeoutMillis());
        OriginState known = origin(); // the client made the origin's destination, if the request got that far
        if ((state.get() & SETTLED) != 0) {
            return;
        }
        long delay = extras.hedgeDelayNanos(known, aggregation.cutoffNanos() - first.sentNanos());
        if (delay >= 0) {
            UpstreamClient client = shared.client();
            Executor pool = client.httpClient().getExecutor();
            // The timer thread only hands over, as for the deadline: sending runs Jetty's queueing and connecting.
            hedgeTimer = client.deadlines().schedule(() -> UpstreamClient.runOnPool(pool, this::hedge),
                    Math.max(0, first.sentNanos() + delay - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    /** The hedge timer fired: sends the extra attempt if the first is still the only one and the rules allow it. */
    private void hedge() {
        int seen = state.get();
        if ((seen & (SETTLED | EXTRA)) != 0 || !aggregation.fetching()) {
            return;
        }
        OriginState known = origin();
        ExtraAttemptRefusal refusal = extras.refusal(known, aggregation.cutoffNanos() - System.nanoTime());
        if (refusal != null) {
            extras.refused(refusal);
            trace("no hedge: " + refusal.label());
            return;
        }
        // Claims the one extra attempt, as a second running attempt; fails if meanwhile the first settled the
        // upstream or handed its place to a retry (the one extra attempt is then taken).
        if (state.compareAndSet(seen, (seen + 1) | EXTRA)) {
            extras.withdraw(known);
            startExtra(AttemptKind.HEDGE);
        }
    }

    /**
     * One attempt ended; exactly one call per attempt ({@link UpstreamFetch} calls it from its single completion).
     * Decides, in one compare-and-set, whether the upstream settles now, waits for its other attempt, or retries.
     *
     * @param values the numbers of a valid answer ({@code outcome == OK}), else {@code null}
     */
    void attemptEnded(UpstreamFetch attempt, UpstreamOutcome outcome, long[] values) {
        learn(attempt);
        Attempt ended = attempt.record();
        trace(ended.kind().label() + " attempt sent at +" + millis(ended.startNanos() - aggregation.arrivalNanos())
                + "ms ended " + outcome.label() + " after " + millis(ended.endNanos() - ended.startNanos()) + "ms");
        boolean mayRetry = attempt.retryable() && extras.retries();
        ExtraAttemptRefusal refusal = null;
        boolean judged = false;
        boolean retryRefused;
        Decision decision;
        int seen;
        int next;
        do {
            seen = state.get();
            int othersLive = (seen & LIVE) - 1;
            retryRefused = false;
            if ((seen & SETTLED) != 0) {
                decision = Decision.IGNORED;
                next = seen - 1;
            } else if (outcome == UpstreamOutcome.OK) {
                decision = Decision.WON;
                next = (seen - 1) | SETTLED;
            } else if (othersLive > 0) {
                decision = Decision.OTHER_DECIDES;
                next = seen - 1;
            } else if (mayRetry && (seen & EXTRA) == 0) {
                if (!judged) {
                    refusal = extras.refusal(origin(), aggregation.cutoffNanos() - System.nanoTime());
                    judged = true;
                }
                decision = refusal == null ? Decision.RETRY : Decision.FAILED;
                retryRefused = refusal != null;
                // A retry keeps this attempt's place (still one live), so nothing can settle before it is sent.
                next = refusal == null ? seen | EXTRA : (seen - 1) | SETTLED;
            } else {
                decision = Decision.FAILED;
                next = (seen - 1) | SETTLED;
            }
            // One word for live attempts, the extra claim and settlement: whatever a sibling's end or the hedge timer
            // changed since it was read, this decision is taken again on what is there now.
        } while (!state.compareAndSet(seen, next));

        switch (decision) {
            case WON -> {
                cancelHedge();
                UpstreamFetch other = attempt == first ? extra : first;
                if (other != null) {
                    // Abandoned as a late upstream is: if sent, it runs on within the grace, its result ignored.
                    other.abandon(new Superseded(), aggregation.keepsSentRequests());
                }
                aggregation.settle(this, outcome, values, ended);
            }
            case RETRY -> {
                ended.end(outcome);
                cancelHedge();
                extras.withdraw(origin());
                // Not on this thread, usually the selector that read the failure: sending may queue and connect.
                UpstreamClient.runOnPool(shared.client().httpClient().getExecutor(),
                        () -> startExtra(AttemptKind.RETRY));
            }
            case FAILED -> {
                cancelHedge();
                if (retryRefused) {
                    extras.refused(refusal);
                    trace("no retry: " + refusal.label());
                }
                aggregation.settle(this, outcome, null, ended);
            }
            case OTHER_DECIDES -> ended.end(outcome); // the other attempt's end settles the upstream
            default -> {
                // IGNORED: the upstream settled already, with the other attempt; a valid answer now is not merged.
                ended.end(outcome == UpstreamOutcome.OK ? UpstreamOutcome.LATE : outcome);
            }
        }
    }

    /** Makes, publishes and sends the extra attempt, whose place in {@link #state} is already claimed. */
    private void startExtra(AttemptKind kind) {
        UpstreamFetch attempt = UpstreamFetch.prepare(this, shared, uri, kind);
        extra = attempt;
        // Published, then the phase and the state read: the deadline moves the phase, and a winning first attempt
        // settles the state, before either reads what is published, so one of the two sides sees the other. When it
        // is this side, the attempt is never sent, and ends as late.
        if (!aggregation.fetching()) {
            attempt.abandon(new Aggregation.DeadlineExceeded(), false);
        } else if ((state.get() & SETTLED) != 0) {
            attempt.abandon(new Superseded(), false);
        }
        attempt.send(aggregation.timeoutMillis());
    }

    /**
     * Gives up every attempt once the answer has been written without this upstream (see
     * {@link UpstreamFetch#abandon}), and the hedge not yet sent.
     */
    void abandon(Throwable cause, boolean keepSentRequests) {
        cancelHedge();
        first.abandon(cause, keepSentRequests);
        UpstreamFetch other = extra;
        if (other != null) {
            other.abandon(cause, keepSentRequests);
        }
    }

    private void cancelHedge() {
        Scheduler.Task task = hedgeTimer;
        if (task != null) {
            task.cancel();
        }
    }

    /** Records how long an attempt took in its origin's latencies: an answer's latency, or a miss. */
    private void learn(UpstreamFetch attempt) {
        long sample = attempt.latencySample();
        OriginState known = sample < 0 ? null : origin();
        if (known == null) {
            return;
        }
        if (sample == OriginLatencies.MISSED) {
            known.latencies().recordMissed();
        } else {
            known.latencies().record(sample);
        }
    }

    /**
     * The origin's state, looked up until the client has a destination for it. Whoever finds it first makes this
     * upstream's deposit in the origin's budget, once: the set decides who.
     */
    private OriginState origin() {
        OriginState known = origin.get();
        if (known == null) {
            OriginState found = shared.client().originState(first.request());
            // Found by the thread that sent the first attempt and by the one that saw it end, maybe at once: the
            // set that wins makes the deposit, so it is made once.
            if (found != null && origin.compareAndSet(null, found)) {
                found.budget().deposit();
            }
            known = origin.get();
        }
        return known;
    }

    URI uri() {
        return uri;
    }

    /** @return when the first attempt was sent */
    long startedNanos() {
        return first.sentNanos();
    }

    /**
     * The upstream and its attempts as {@code /explain} reports them. Called by the answer's writer, under the
     * exclusive side of the merge lock: an attempt is {@code ok} only when its numbers are in the answer.
     *
     * @param arrivalNanos the request's arrival, from which times count
     * @return a snapshot
     */
    ExplainAnswer.Upstream report(long arrivalNanos) {
        List<Attempt> sent = new ArrayList<>(2);
        for (UpstreamFetch attempt : new UpstreamFetch[] {first, extra}) {
            Attempt record = attempt == null ? null : attempt.record();
            if (record != null) {
                sent.add(record); // an extra attempt made but not yet sent has no record: not an attempt yet
            }
        }
        return report(uri, sent, arrivalNanos);
    }

    /**
     * The report of an upstream with these attempts. It is {@code ok} when an attempt's numbers were merged;
     * otherwise, once it has settled, the outcome of the attempt that settled it; until then (an attempt pending, a
     * retry not yet sent, or none sent at all) {@code late}, without an end.
     *
     * @param url          the upstream's URL
     * @param attempts     its attempts, in the order they were sent
     * @param arrivalNanos the request's arrival, from which times count
     * @return a snapshot: each attempt's outcome is read once
     */
    static ExplainAnswer.Upstream report(URI url, List<Attempt> attempts, long arrivalNanos) {
        List<ExplainAnswer.Attempt> reported = new ArrayList<>(attempts.size());
        Attempt settling = null;
        UpstreamOutcome settled = null;
        for (Attempt attempt : attempts) {
            UpstreamOutcome outcome = attempt.outcome(); // read first: it publishes the other fields
            reported.add(attempt.report(outcome, arrivalNanos));
            if (outcome != null && attempt.settledUpstream()) {
                settling = attempt;
                settled = outcome;
            }
        }
        String link = url.toString();
        Double startMs = attempts.isEmpty() ? null : ExplainAnswer.millis(attempts.get(0).startNanos() - arrivalNanos);
        if (settling == null) {
            return new ExplainAnswer.Upstream(link, UpstreamOutcome.LATE.label(), 0, startMs, null, 0, reported);
        }
        return new ExplainAnswer.Upstream(link, settled.label(), settling.status(), startMs,
                ExplainAnswer.millis(settling.endNanos() - arrivalNanos), settling.contributed(), reported);
    }

    void trace(String what) {
        aggregation.trace(uri, what);
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    /** The abort cause of an attempt another attempt of the same upstream beat; stackless, it is expected. */
    static final class Superseded extends Exception {

        private static final long serialVersionUID = 1L;

        Superseded() {
            super("Another attempt of this upstream answered first", null, false, false);
        }
    }
}
