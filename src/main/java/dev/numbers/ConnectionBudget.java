package dev.numbers;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The upstream connections, open or being opened, that all of the client's connection pools may hold together.
 *
 * <p>Each pool ({@link LifoPool}) takes a place here when Jetty reserves an entry for a new connection and gives it
 * back when the entry is removed (the connection closed, or its opening failed) or the pool is terminated. With no
 * place left a pool that has connections reports itself full, as it does at {@code numbers.maxConnectionsPerHost}:
 * Jetty opens no connection, and the request waits in its destination's queue for one of that upstream's connections,
 * or for a place, otherwise ending at its timeout, as {@code late}. A pool with no connection at all may still open
 * one ({@link #takeBeyond()}), so every upstream keeps making progress; that excess is bounded by the origins
 * ({@code numbers.maxOrigins}).
 *
 * <p>Waiting for a place: a pool refused one asks to be woken ({@link #awaitPlace}); pools wait first come, first
 * served, each at most once at a time (the pool sees to that). Every place given back wakes the first waiting pool,
 * on the {@code wakeUps} executor (the client's pool: a place is given back inside Jetty's connection handling, and the
 * woken pool's destination sends its queue, which may open a connection). A woken pool that does not take the place
 * (its queue was empty, or it was terminated) passes it on ({@link #passOn}). So an upstream whose requests wait for a
 * place gets one of the next places freed, in turn with the other waiting upstreams, instead of only when one of its
 * own requests happens to be sent at the moment a place is free: under a tarpit that holds the budget, the tarpit's
 * own requests, sent all the time, took nearly every freed place. A pool that registers checks once more for a free
 * place after queueing, so a place given back between its refusal and its registration wakes it too.
 *
 * <p>Why: callers choose the upstreams, and an upstream that accepts connections and never answers (a tarpit) holds
 * each for the budget and its grace; without this bound, file descriptors followed aggregations in flight times URLs.
 * Thread-safe.
 */
final class ConnectionBudget {

    private final int max;
    private final Executor wakeUps;
    private final AtomicInteger taken = new AtomicInteger();
    /** Pools waiting for a place, first come first served; at most once each (LifoPool's flag). */
    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();

    private ConnectionBudget(int max, Executor wakeUps) {
        this.max = max;
        this.wakeUps = wakeUps;
    }

    /**
     * @param max     connections all pools may hold at once
     * @param wakeUps runs the wake-ups of pools waiting for a place
     * @return an empty budget
     */
    static ConnectionBudget of(int max, Executor wakeUps) {
        return new ConnectionBudget(max, wakeUps);
    }

    /** As {@link #of(int, Executor)}, waking pools on the thread that gives a place back (for tests). */
    static ConnectionBudget of(int max) {
        return of(max, Runnable::run);
    }

    /** A budget no pool can exhaust, for pools used on their own. */
    static ConnectionBudget unlimited() {
        return of(Integer.MAX_VALUE);
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
        passOn();
    }

    /**
     * Queues a pool's wake-up, run once when a place is free; the caller must not queue it again before it has run.
     */
    void awaitPlace(Runnable wakeUp) {
        waiting.add(wakeUp);
        passOn(); // a place given back before the wake-up was queued woke nobody
    }

    /** Wakes the first waiting pool if a place is free: after a give-back, or from a woken pool that took none. */
    void passOn() {
        if (taken.get() < max) {
            Runnable next = waiting.poll();
            if (next != null) {
                UpstreamClient.runOnPool(wakeUps, next);
            }
        }
    }

    /** @return pools waiting for a place */
    int waiting() {
        return waiting.size();
    }

    /** @return places taken now: connections open or being opened */
    int taken() {
        return taken.get();
    }
}
