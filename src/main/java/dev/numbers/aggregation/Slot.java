package dev.numbers.aggregation;

import java.time.Duration;

/**
 * The in-flight slot an aggregation holds from admission until its exchange is complete. The aggregation reports how
 * its answer left, which drives the adaptive limit, and gives the slot back from its {@code AsyncListener.onComplete}:
 * an asynchronous exchange outlives the servlet's {@code service} method.
 */
public interface Slot {

    /**
     * The answer's body was handed to the container.
     *
     * @param took from the request's arrival until then
     */
    void answered(Duration took);

    /** Gives the slot back. Only the first call counts, so every path that may end the exchange can call it. */
    void release();
}
