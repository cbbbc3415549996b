package dev.numbers.upstream;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
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
 * <p>Waiting for a place: a pool refused one queues its wake-up ({@link #awaitPlace}), at most once at a time (the
 * pool sees to that). A place given back while pools wait, and while the budget would then have room, is not freed but
 * handed over: it stays taken, now on behalf of the pool that has waited longest, whose wake-up runs on the
 * {@code wakeUps} executor (the client's pool: a place is given back inside Jetty's connection handling, and the woken
 * pool's destination sends its queue, which may open a connection). That pool's next {@code reserve} uses the place;
 * a pool that does not (its queue was empty, its destination did not need another connection, or it was terminated)
 * gives it back, which hands it to the next waiting pool. So no other pool can take a place meanwhile, and waiting
 * upstreams get the places freed in turn: under a tarpit that holds the budget, the tarpit's own requests, sent all
 * the time, would otherwise take nearly every freed place. A place given back while the budget is over its
 * maximum (pools' first connections beyond it) is freed, not handed over. A pool that queues its wake-up takes a
 * place for the first waiting pool if one is free by then, and a place freed while a wake-up is queued is taken back for
 * it, so a place given back around a pool's queueing is not lost to it.
 *
 * <p>Why: callers choose the upstreams, and an upstream that accepts connections and never answers (a tarpit) holds
 * each for the budget and its grace; without this bound, file descriptors followed aggregations in flight times URLs.
 * Thread-safe.
 */
final class ConnectionBudget {

    private final int max;
    private final Executor wakeUps;
    private final AtomicInteger taken = new AtomicInteger();
    /** Wake-ups of pools waiting for a place, first come first served; each pool's at most once (LifoPool's flag). */
    private final Queue<Runnable> waiting;

    private ConnectionBudget(int max, Executor wakeUps, Queue<Runnable> waiting) {
        this.max = max;
        this.wakeUps = wakeUps;
        this.waiting = waiting;
    }

    /**
     * @param max     connections all pools may hold at once
     * @param wakeUps runs the wake-ups of pools waiting for a place
     * @return an empty budget
     */
    static ConnectionBudget of(int max, Executor wakeUps) {
        return new ConnectionBudget(max, wakeUps, new ConcurrentLinkedQueue<>());
    }

    /** As {@link #of(int)}, with the queue of wake-ups given (for tests that interleave with its operations). */
    static ConnectionBudget withQueue(int max, Queue<Runnable> waiting) {
        return new ConnectionBudget(max, Runnable::run, waiting);
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

    /**
     * Gives a place back: hands it over to the pool that has waited longest, if any waits and the budget is not over
     * its maximum without this place; frees it otherwise.
     */
    void giveBack() {
        while (true) {
            int current = taken.get();
            if (current <= max) {
                Runnable next = waiting.poll();
                if (next != null) {
                    handOver(next);
                    return;
                }
            }
            if (taken.compareAndSet(current, current - 1)) {
                // A pool may have queued its wake-up after the poll above and found no place before the decrement:
                // each side publishes first (the wake-up, the freed place) and checks the other's after, so at least
                // one of them sees both, and the place goes to the waiting pool.
                if (current <= max && !waiting.isEmpty() && tryTake()) {
                    giveBack();
                }
                return;
            }
        }
    }

    /**
     * Runs a waiting pool's wake-up for the place it now holds. If the executor refuses (the client is stopping), the
     * place is freed and the pool is not woken: it would only give the place back, and doing so here, pool after
     * pool, would recurse once for each.
     */
    private void handOver(Runnable wakeUp) {
        try {
            wakeUps.execute(wakeUp);
        } catch (RejectedExecutionException stopping) {
            taken.decrementAndGet();
        }
    }

    /**
     * Queues a pool's wake-up, run once a place has been handed over to the pool; the caller must not queue it again
     * before it has run, and must use the place, or {@link #giveBack} it, once it has.
     */
    void awaitPlace(Runnable wakeUp) {
        waiting.add(wakeUp);
        // A place given back before the wake-up was queued was freed rather than handed over: hand it over now.
        if (tryTake()) {
            giveBack();
        }
    }

    /** Forgets a queued wake-up (its pool was terminated); @return whether it was still queued */
    boolean forget(Runnable wakeUp) {
        return waiting.remove(wakeUp);
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
