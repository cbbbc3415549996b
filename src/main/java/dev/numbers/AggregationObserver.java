package dev.numbers;

import java.time.Duration;

/**
 * Receives the facts of every request and upstream fetch, for metrics and tracing. Implementations are called on
 * container and HttpClient threads concurrently and must be thread-safe, fast and non-blocking; they must not throw.
 */
public interface AggregationObserver {

    /** An observer that ignores everything. */
    AggregationObserver NONE = new AggregationObserver() {
    };

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
     * An answer's body was handed to the container after the budget.
     *
     * @param overshoot how much later than the budget
     */
    default void lateAnswer(Duration overshoot) {
    }

    /**
     * An answer written in time never reached its client whole.
     *
     * @param deliveryTimeout {@code true}: the client was still reading it at {@code numbers.deliveryTimeout} after
     *                        the budget, and its connection was closed; {@code false}: the client went away (or the
     *                        container's idle timeout closed a connection that made no progress)
     */
    default void answerUndelivered(boolean deliveryTimeout) {
    }
}
