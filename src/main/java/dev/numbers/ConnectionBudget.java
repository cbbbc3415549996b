package dev.numbers;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The upstream connections, open or being opened, that all of the client's connection pools may hold together.
 *
 * <p>Each pool ({@link LifoPool}) takes a place here when Jetty reserves an entry for a new connection and gives it
 * back when the entry is removed (the connection closed, or its opening failed) or the pool is terminated. With no
 * place left a pool that has connections reports itself full, as it does at {@code numbers.maxConnectionsPerHost}:
 * Jetty opens no connection, and the request waits in its destination's queue for one of that upstream's connections,
 * otherwise ending at its timeout, as {@code late}. A place freed by one pool wakes no other: a pool tries again when
 * a request is sent to it or one of its own connections is released or closed. A pool with no connection at all may
 * still open one ({@link #takeBeyond()}), so every upstream keeps making progress; that excess is bounded by the
 * origins ({@code numbers.maxOrigins}).
 *
 * <p>Why: callers choose the upstreams, and an upstream that accepts connections and never answers (a tarpit) holds
 * each for the budget and its grace; without this bound, file descriptors followed aggregations in flight times URLs.
 * Thread-safe.
 */
final class ConnectionBudget {

    private final int max;
    private final AtomicInteger taken = new AtomicInteger();

    private ConnectionBudget(int max) {
        this.max = max;
    }

    /**
     * @param max connections all pools may hold at once
     * @return an empty budget
     */
    static ConnectionBudget of(int max) {
        return new ConnectionBudget(max);
    }

    /** A budget no pool can exhaust, for pools used on their own. */
    static ConnectionBudget unlimited() {
        return new ConnectionBudget(Integer.MAX_VALUE);
    }

    /** @return whether a place was taken; one taken must be given back exactly once */
    boolean tryTake() {
        while (true) {
            int current = taken.get();
            if (current >= max) {
                return false;
            }
            if (taken.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Takes a place even with none left (a pool's first connection, see {@link LifoPool}); given back as any. */
    void takeBeyond() {
        taken.incrementAndGet();
    }

    void giveBack() {
        taken.decrementAndGet();
    }

    /** @return places taken now: connections open or being opened */
    int taken() {
        return taken.get();
    }
}
