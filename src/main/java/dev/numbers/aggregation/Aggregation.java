package dev.numbers.aggregation;

import dev.numbers.answer.AnswerWriter;
import dev.numbers.answer.ExplainAnswer;
import dev.numbers.answer.NumbersAnswer;
import dev.numbers.answer.ServerTiming;
import dev.numbers.config.Settings;
import dev.numbers.metrics.AggregationObserver;
import dev.numbers.metrics.RequestResult;
import dev.numbers.metrics.UpstreamOutcome;
import dev.numbers.upstream.UpstreamClient;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * One {@code /numbers} (or {@code /explain}) request in flight: its upstream fetches, the merged numbers, and the
 * protocol that writes the answer exactly once.
 *
 * <p>Three kinds of thread may end the exchange: the one that settles the last upstream ({@link #settle}), the pool
 * thread running the deadline at the cutoff ({@link #onDeadline}), and the container thread reporting that the client
 * went away ({@link #onError}). Each tries one compare-and-set of {@link #phase} out of {@code FETCHING}; exactly one
 * succeeds, and only it (or the one pool thread it hands the answer to) renders and writes. The exchange is completed
 * once: by the thread the {@link AnswerWriter} tells that the write is finished or failed, or by {@code onError} when
 * it won the phase, before anything was written. The container's async timeout is off: the deadline is the service's
 * own timer. See docs/design.md#completion-protocol and docs/design.md#no-container-timeout.
 *
 * <p>Whole upstreams or nothing: merges run under the shared side of {@link #mergeLock}, only while the phase is
 * {@code FETCHING}; the writer moves the phase first, then takes the exclusive side, so no answer holds part of an
 * upstream (docs/design.md#whole-upstreams-or-nothing).
 *
 * <p>Each distinct URL is one {@link Upstream}, which may send a second attempt (a retry or a hedge) but settles here
 * exactly once, so {@link #unsettled} counts upstreams, not requests (docs/design.md#retries-and-hedges).
 */
final class Aggregation implements AsyncListener {

    private static final System.Logger LOG = System.getLogger(Aggregation.class.getName());

    private enum Phase {
        /** Upstreams are being fetched and merged. */
        FETCHING,
        /** The last upstream settled, or the service's deadline timer fired: the answer is being written. */
        ANSWERING,
        /** The client went away; nothing is written. */
        ABANDONED
    }

    private final long id;
    private final long arrivalNanos;
    private final Settings settings;
    private final AsyncContext async;
    private final HttpServletResponse response;
    private final boolean headOnly;
    /** What an {@code /explain} answer adds; {@code null} for {@code /numbers}. */
    private final Exchange.Explain explain;
    private final AggregationObserver observer;
    private final Slot slot;
    private final AnswerWriter writer;
    private final ConcurrentSkipListSet<Long> numbers = new ConcurrentSkipListSet<>();
    private final ReadWriteLock mergeLock = new ReentrantReadWriteLock();
    private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.FETCHING);
    private final AtomicInteger unsettled;
    /** Upstreams merged; read by the writer under the exclusive side of {@link #mergeLock}. */
    private final AtomicInteger merged = new AtomicInteger();
    private final List<Upstream> upstreams;
    private final Scheduler scheduler;
    private final Executor executor;
    private volatile Scheduler.Task deadline;
    private final SafetyMargin margin;
    private final MergeCost mergeCost;
    /** nanoTime at which pending upstreams are abandoned: arrival + budget - the margin in force at arrival. */
    private volatile long cutoffNanos;

    /**
     * @throws IOException if the response's output stream cannot be had
     */
    Aggregation(AggregationContext shared, Exchange exchange, Slot slot, long id) throws IOException {
        this.id = id;
        this.arrivalNanos = exchange.arrivalNanos();
        this.settings = shared.settings();
        this.async = exchange.async();
        this.response = exchange.response();
        this.headOnly = exchange.headOnly();
        this.explain = exchange.explain();
        this.observer = shared.observer();
        this.slot = slot;
        // Non-blocking from here on: registered in the first dispatch, before any upstream can settle.
        this.writer = AnswerWriter.register(response);
        this.margin = shared.margin();
        this.mergeCost = shared.mergeCost();
        HttpClient client = shared.client().httpClient();
        this.scheduler = shared.client().deadlines();
        this.executor = client.getExecutor();
        this.upstreams = exchange.urls().stream().map(uri -> new Upstream(this, shared, uri)).toList();
        this.unsettled = new AtomicInteger(upstreams.size());
    }

    /**
     * Arms the deadline and sends every upstream request. Called once, on the container thread that started async.
     * Upstream callbacks may run (and even complete the exchange) before this method returns.
     */
    void start() {
        async.addListener(this);
        long now = System.nanoTime();
        cutoffNanos = arrivalNanos + settings.budget().toNanos() - margin.currentNanos(now);
        async.setTimeout(0); // off: the service's timer is the deadline (docs/design.md#no-container-timeout)
        long untilCutoff = Math.max(0, cutoffNanos - now);
        trace(null, "fan-out to " + upstreams.size() + " upstreams, cutoff in " + untilCutoff / 1_000_000 + "ms");
        // The timer thread only hands over: rendering and writing happen on a pool thread, so that one large or
        // slow answer never delays other requests' deadlines. (A pool that refuses is stopping: then here.)
        deadline = scheduler.schedule(() -> UpstreamClient.runOnPool(executor, this::onDeadline), untilCutoff,
                TimeUnit.NANOSECONDS);
        for (Upstream upstream : upstreams) {
            upstream.start();
        }
    }

    /**
     * @return the total timeout of an upstream request sent now: what is left of the budget (at least a millisecond),
     *         plus the abandon grace
     */
    long timeoutMillis() {
        long left = TimeUnit.NANOSECONDS.toMillis(arrivalNanos + settings.budget().toNanos() - System.nanoTime());
        return Math.max(1, left) + settings.abandonGrace().toMillis();
    }

    /** @return whether the answer is still to be written: upstreams settled now can still be merged */
    boolean fetching() {
        return phase.get() == Phase.FETCHING;
    }

    long arrivalNanos() {
        return arrivalNanos;
    }

    long cutoffNanos() {
        return cutoffNanos;
    }

    /** @return whether an abandoned request already sent runs on ({@code numbers.abandonGrace} above zero) */
    boolean keepsSentRequests() {
        return !settings.abandonGrace().isZero();
    }

    /**
     * Records how one upstream ended and merges its numbers if the answer has not been written yet. Called exactly
     * once per upstream, by {@link Upstream#attemptEnded}. The last call writes the answer (the early path). Ends the
     * attempt that decided the upstream: as merged inside the merge, else with the outcome recorded here.
     *
     * @param decider the attempt whose end settles the upstream: the one whose valid answer this is
     *                ({@code outcome == OK}), else the failed attempt that ended last
     */
    void settle(Upstream upstream, UpstreamOutcome outcome, long[] values, Attempt decider) {
        UpstreamOutcome recorded = outcome;
        if (outcome == UpstreamOutcome.OK && phase.get() != Phase.FETCHING) {
            recorded = UpstreamOutcome.LATE; // the answer is written without it: no need to sort what is not merged
        } else if (outcome == UpstreamOutcome.OK) {
            // Sorted keys insert into the skip list faster (each insert starts where the last one ended, in cache).
            // Sorting happens here, outside the merge lock, so it never delays the writer.
            Arrays.sort(values);
            recorded = merge(values, decider) ? UpstreamOutcome.OK : UpstreamOutcome.LATE;
        }
        if (recorded == UpstreamOutcome.OK) {
            observer.attemptWon(decider.kind());
        } else {
            decider.settled(recorded); // a merged attempt was ended by the merge
        }
        observer.upstreamSettled(recorded, Duration.ofNanos(System.nanoTime() - upstream.startedNanos()));
        trace(upstream.uri(), "settled " + recorded.label());
        if (unsettled.decrementAndGet() == 0) {
            answerEarly();
        }
    }

    /**
     * Merges one upstream's numbers unless the answer is already being written. Never blocks: it usually runs on the
     * HttpClient's selector thread. The writer takes the exclusive side only after moving the phase, so when the
     * shared side cannot be had at once the answer is being written and this upstream is late anyway. A large merge
     * that would still run at the cutoff is not begun ({@link MergeCost}): the writer would wait for it. A merged
     * attempt is ended here, under the shared side, so the writer's report counts exactly the upstreams it holds.
     */
    private boolean merge(long[] values, Attempt attempt) {
        long expected = mergeCost.estimateIfPast(values.length, cutoffNanos);
        if (expected > 0) {
            trace(null, "left out an upstream of " + values.length + " numbers: merging them would take ~"
                    + expected / 1_000_000 + "ms, past the cutoff");
            return false;
        }
        if (!mergeLock.readLock().tryLock()) {
            return false;
        }
        MergeCost.Merge measured = null;
        try {
            if (phase.get() != Phase.FETCHING) {
                return false; // the answer is being (or has been) written without this upstream
            }
            measured = mergeCost.begin(values.length);
            long previous = 0;
            int distinct = 0;
            for (int i = 0; i < values.length; i++) {
                long value = values[i];
                if (i == 0 || value != previous) {
                    numbers.add(value);
                    distinct++;
                }
                previous = value;
            }
            merged.incrementAndGet();
            attempt.merged(distinct);
            return true;
        } finally {
            mergeLock.readLock().unlock();
            mergeCost.end(measured);
        }
    }

    /**
     * The early path: every upstream has settled before the deadline. The last one usually settles on the HttpClient's
     * selector thread, which must never be held up: the thread that wins the phase hands rendering and writing to the
     * pool, as the deadline path does. The phase is already taken, so nothing can race the pool thread.
     */
    private void answerEarly() {
        if (phase.compareAndSet(Phase.FETCHING, Phase.ANSWERING)) {
            UpstreamClient.runOnPool(executor, this::answerAndComplete);
        }
    }

    /**
     * The deadline path: the service's own timer fired at the cutoff; pending upstreams are abandoned. The answer
     * goes first and the aborts after it: aborting runs Jetty's connection teardown and the fetches' listeners on this
     * thread, which would delay the answer. The phase change already excludes every later merge.
     */
    private void onDeadline() {
        if (phase.compareAndSet(Phase.FETCHING, Phase.ANSWERING)) {
            try {
                answerAndComplete();
            } finally {
                abortPending();
            }
        }
    }

    /** Not called: the async timeout is off. */
    @Override
    public void onTimeout(AsyncEvent event) {
        trace(null, "unexpected container timeout");
    }

    @Override
    public void onError(AsyncEvent event) {
        if (phase.compareAndSet(Phase.FETCHING, Phase.ABANDONED)) {
            try {
                abortPending();
                trace(null, "client gone: " + event.getThrowable());
                observer.requestFinished(RequestResult.PARTIAL, sinceArrival());
            } finally {
                complete();
            }
        }
    }

    @Override
    public void onComplete(AsyncEvent event) {
        // The cycle is over however it ended; nothing may keep fetching or waiting for it.
        try {
            Scheduler.Task task = deadline;
            if (task != null) {
                task.cancel();
            }
            abortPending();
        } finally {
            slot.release(); // whatever happened above
        }
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // not re-dispatched
    }

    private void complete() {
        try {
            async.complete();
        } catch (IllegalStateException e) {
            // The container already ended the cycle (e.g. after a client error, or a write failure it reported to the
            // async listeners as well); nothing is left to complete.
            trace(null, "complete() not possible: " + e.getMessage());
        }
    }

    private void abortPending() {
        if (unsettled.get() == 0) {
            return;
        }
        DeadlineExceeded cause = new DeadlineExceeded();
        boolean keepSent = keepsSentRequests();
        for (Upstream upstream : upstreams) {
            upstream.abandon(cause, keepSent);
        }
    }

    /**
     * Renders the snapshot under the exclusive lock, sets status and headers, and hands the body to the non-blocking
     * {@link AnswerWriter}. The thread that writes it (this one, or the container's first {@code onWritePossible} if
     * the stream was not ready yet) records how the answer left; the exchange is completed once the container has
     * taken the whole body (or the write failed), on the thread that sees it so. Only the phase winner calls this. If
     * rendering fails, the exchange is still completed, here, before the failure propagates.
     */
    private void answerAndComplete() {
        NumbersAnswer answer;
        int mergedAtSnapshot;
        try {
            mergeLock.writeLock().lock();
            try {
                answer = explain == null ? NumbersAnswer.of(numbers) : explained();
                mergedAtSnapshot = merged.get();
            } finally {
                mergeLock.writeLock().unlock();
            }
            answer.setHeaders(response, ServerTiming.of(arrivalNanos, cutoffNanos, mergedAtSnapshot, upstreams.size()),
                    mergedAtSnapshot, upstreams.size());
        } catch (RuntimeException | Error e) {
            complete();
            throw e;
        }
        writer.send(headOnly ? null : answer.body(), new AnswerWriter.Delivery() {
            @Override
            public void handedOver(IOException failure) {
                answered(mergedAtSnapshot, failure);
            }

            @Override
            public void finished(IOException failure) {
                try {
                    if (failure != null) {
                        observer.answerUndelivered();
                    }
                } finally {
                    complete();
                }
            }

            @Override
            public void lost(IOException failure) {
                trace(null, "answer lost after the exchange was completed: " + failure);
                observer.answerUndelivered();
            }
        });
    }

    /**
     * The {@code /explain} answer: the numbers and every upstream's report, its attempts included. Called under the
     * exclusive side of the merge lock, so exactly the upstreams whose numbers are in the answer are reported
     * {@code ok}.
     */
    private NumbersAnswer explained() {
        List<ExplainAnswer.Upstream> reports = new ArrayList<>(upstreams.size());
        for (Upstream upstream : upstreams) {
            reports.add(upstream.report(arrivalNanos));
        }
        return ExplainAnswer.of(numbers, settings.budget(), ExplainAnswer.millis(cutoffNanos - arrivalNanos),
                ExplainAnswer.millis(System.nanoTime() - arrivalNanos), reports, explain.skipped());
    }

    /**
     * Records how an answer left: its body written (the container may still hold part of it for a client that reads
     * slowly — that is the client's time, not the service's, and must not move the margin or the limit) or failed
     * because the client is gone.
     */
    private void answered(int mergedAtSnapshot, IOException failure) {
        if (failure != null) {
            trace(null, "answer not delivered: " + failure);
        }
        long written = System.nanoTime();
        margin.record(written - cutoffNanos);
        Duration took = Duration.ofNanos(written - arrivalNanos);
        RequestResult result = mergedAtSnapshot == upstreams.size() ? RequestResult.COMPLETE : RequestResult.PARTIAL;
        observer.requestFinished(result, took);
        Duration overshoot = took.minus(settings.budget());
        boolean late = !overshoot.isNegative() && !overshoot.isZero();
        slot.answered(took);
        if (late) {
            observer.lateAnswer(overshoot);
            LOG.log(Level.DEBUG, "Request {0} answered {1}ms after its budget", id, overshoot.toMillis());
        }
        trace(null, result.label() + " answer, " + mergedAtSnapshot + "/" + upstreams.size() + " upstreams in "
                + took.toMillis() + "ms");
    }

    private Duration sinceArrival() {
        return Duration.ofNanos(System.nanoTime() - arrivalNanos);
    }

    /** Logs one fan-out step: at INFO when {@code numbers.debug} is on, else at DEBUG if that is enabled. */
    void trace(URI uri, String what) {
        Level level = settings.debug() ? Level.INFO : Level.DEBUG;
        if (LOG.isLoggable(level)) {
            LOG.log(level, "[{0}] {1}{2}", id, uri == null ? "" : uri + " ", what);
        }
    }

    /** The abort cause of upstreams still pending when the answer is written; stackless, it is expected. */
    static final class DeadlineExceeded extends Exception {

        private static final long serialVersionUID = 1L;

        DeadlineExceeded() {
            super("Answer written before this upstream settled", null, false, false);
        }
    }
}
