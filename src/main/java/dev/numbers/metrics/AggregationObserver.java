package dev.numbers.metrics;

import java.time.Duration;

/**
 * Receives the facts of every request and upstream fetch, for metrics and tracing. Implementations are called on
 * container and HttpClient threads concurrently and must be thread-safe, fast and non-blocking; they must not throw.
 */
public interface AggregationObserver {

    /**
     * One upstream fetch ended.
     *
     * @param outcome  how it ended
     * @param duration from the moment it was sent until it settled
     */
    default void upstreamSettled(UpstreamOutcome outcome, Duration duration) {
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
     * A request entered just after a stop-the-world GC pause, and its budget counts from before its entry
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
