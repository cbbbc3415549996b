package dev.numbers.metrics;

import java.time.Duration;

/**
 * Receives the facts of every request and upstream fetch, for metrics and tracing. Implementations are called on
 * container and HttpClient threads concurrently and must be thread-safe, fast and non-blocking; they must not throw.
 */
public interface AggregationObserver {

    /**
     * One upstream settled: once per distinct upstream URL, however many attempts it had.
     *
     * @param outcome  how it ended
     * @param duration from the moment its first request was sent until it settled
     */
    default void upstreamSettled(UpstreamOutcome outcome, Duration duration) {
    }

    /**
     * An upstream request was sent.
     *
     * @param kind its first, or an extra attempt
     */
    default void attemptStarted(AttemptKind kind) {
    }

    /**
     * An upstream was merged into an answer.
     *
     * @param kind the attempt whose answer was merged: the first valid answer of the upstream's attempts
     */
    default void attemptWon(AttemptKind kind) {
    }

    /**
     * An extra attempt was wanted but not sent.
     *
     * @param reason why not
     */
    default void extraAttemptRefused(ExtraAttemptRefusal reason) {
    }

    /**
     * A request's answer was written (or the client went away).
     *
     * @param result   how it ended
     * @param duration from arrival until the answer's body was handed to the container
     */
    default void requestFinished(RequestResult result, Duration duration) {
    }

    /**
     * A request entered just after a GC pause or a stall of the process, and its budget counts from before its entry
     * ({@code ArrivalClock}).
     *
     * @param by how much earlier than its entry it is taken to have arrived
     */
    default void arrivalBackdated(Duration by) {
    }

    /**
     * An answer's body was handed to the container after the budget.
     *
     * @param overshoot how much later than the budget
     */
    default void lateAnswer(Duration overshoot) {
    }

    /**
     * A written answer never reached its client whole: the client went away, or stopped reading until the container's
     * idle timeout failed the write.
     */
    default void answerUndelivered() {
    }
}
