package dev.numbers.upstream;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.eclipse.jetty.util.Pool;

/**
 * A Jetty {@link Pool} of single-use-at-a-time entries (HTTP/1.1 connections) whose {@link #acquire()} is O(1): idle
 * entries wait on a stack, most recently released first.
 *
 * <p>Why: Jetty's pools ({@code ConcurrentPool}) scan their entries for an idle one on every acquire, and
 * {@code HttpDestination} acquires up to three times per request sent; when nearly every connection is busy — the
 * normal state when one slow upstream needs hundreds of connections — each scan visits them all. Here an acquire
 * pops the stack; a stale top (an entry removed while idle) is skipped. LIFO also keeps the hottest connections in use
 * and lets the coldest reach their idle timeout.
 *
 * <p>The entry states and the meaning of every return value follow {@code ConcurrentPool} with a multiplex of one, so
 * that {@code AbstractConnectionPool} behaves as with its own pools: {@link Entry#release()} answers {@code false}
 * for a removed entry, {@link Entry#remove()} answers {@code true} exactly once.
 *
 * <p>Every entry also holds a place in a {@link ConnectionBudget} shared by all pools, from {@link #reserve()} until
 * it is removed (or the pool terminated): with the budget spent, {@code reserve} answers {@code null}, as when the pool
 * itself is full, and the pool waits for a place: once the budget hands one over it runs {@code onPlaceFree} (its
 * destination sends its queue, and the next {@code reserve} uses that place), and gives the place back if it was not
 * used by then (see {@link ConnectionBudget}).
 *
 * @param <P> the pooled type
 */
final class LifoPool<P> implements Pool<P> {

    private static final System.Logger LOG = System.getLogger(LifoPool.class.getName());

    private static final int RESERVED = 0;
    private static final int IDLE = 1;
    private static final int IN_USE = 2;
    private static final int REMOVED = 3;

    private final int maxSize;
    private final ConnectionBudget budget;
    private final Runnable onPlaceFree;
    /** Whether {@link #wakeUp} is queued in the budget; it is queued at most once at a time. */
    private final AtomicBoolean awaitingPlace = new AtomicBoolean();
    /** Places the budget has handed over to this pool and no reserve has used yet. */
    private final AtomicInteger handedOver = new AtomicInteger();
    private final Runnable wakeUp = this::placeHandedOver;
    private final AtomicInteger size = new AtomicInteger();
    private final Set<LifoEntry> entries = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedDeque<LifoEntry> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean terminated;

    private LifoPool(int maxSize, ConnectionBudget budget, Runnable onPlaceFree) {
        this.maxSize = maxSize;
        this.budget = budget;
        this.onPlaceFree = onPlaceFree;
    }

    static <P> LifoPool<P> of(int maxSize) {
        return of(maxSize, ConnectionBudget.unlimited(), () -> { });
    }

    /**
     * @param maxSize     entries at most
     * @param budget      shared with the other pools
     * @param onPlaceFree run when the budget has handed this pool a place it waited for: its destination sends its
     *                    queue, and the next {@code reserve} uses the place
     * @return an empty pool
     */
    static <P> LifoPool<P> of(int maxSize, ConnectionBudget budget, Runnable onPlaceFree) {
        return new LifoPool<>(maxSize, budget, onPlaceFree);
    }

    @Override
    public Entry<P> reserve() {
        while (!terminated) {
            int current = size.get();
            if (current >= maxSize) {
                return null;
            }
            if (size.compareAndSet(current, current + 1)) {
                if (!takeHandedOver() && !budget.tryTake()) {
                    if (current > 0) {
                        size.decrementAndGet();
                        if (awaitingPlace.compareAndSet(false, true)) {
                            budget.awaitPlace(wakeUp);
                        }
                        return null;
                    }
                    // A pool without a connection may open one beyond the budget, so that every upstream can make
                    // progress while others hold the budget; the excess is bounded by the origins (OriginLimit).
                    budget.takeBeyond();
                }
                LifoEntry entry = new LifoEntry();
                entries.add(entry);
                if (terminated) {
                    entry.forget(); // terminate() ran meanwhile and did not see it
                    return null;
                }
                return entry;
            }
        }
        return null;
    }

    /**
     * The wake-up the budget runs once it has handed a place over to this pool: the destination sends its queue, whose
     * reserve uses the place; a place still unused afterwards goes back to the budget, which hands it to the next
     * waiting pool. Each run gives back at most one unused place, so places handed over and given back balance when
     * two runs overlap.
     */
    private void placeHandedOver() {
        handedOver.incrementAndGet();
        awaitingPlace.set(false);
        try {
            if (!terminated) {
                onPlaceFree.run();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Sending the queue of a pool given a connection place failed", e);
        } finally {
            if (takeHandedOver()) {
                budget.giveBack();
            }
        }
    }

    private boolean takeHandedOver() {
        return handedOver.getAndUpdate(places -> Math.max(0, places - 1)) > 0;
    }

    @Override
    public Entry<P> acquire() {
        while (!terminated) {
            LifoEntry entry = idle.pollFirst();
            if (entry == null) {
                return null;
            }
            if (entry.state.compareAndSet(IDLE, IN_USE)) {
                return entry;
            }
            // removed while it waited on the stack: drop it
        }
        return null;
    }

    @Override
    public boolean isTerminated() {
        return terminated;
    }

    @Override
    public Collection<Entry<P>> terminate() {
        terminated = true;
        // Out of the budget's queue, so that it does not keep this pool; places handed over and not used go back.
        if (awaitingPlace.get() && budget.forget(wakeUp)) {
            awaitingPlace.set(false);
        }
        while (takeHandedOver()) {
            budget.giveBack();
        }
        List<Entry<P>> all = new ArrayList<>(entries);
        for (Entry<P> entry : all) {
            // Out of the count and the budget now; each entry's remove() still answers true once, as Jetty's
            // AbstractConnectionPool expects when it closes the connections of a terminated pool.
            ((LifoEntry) entry).forget();
        }
        idle.clear();
        return all;
    }

    @Override
    public int size() {
        return size.get();
    }

    @Override
    public int getMaxSize() {
        return maxSize;
    }

    @Override
    public Stream<Entry<P>> stream() {
        return entries.stream().map(e -> e);
    }

    @Override
    public int getIdleCount() {
        return (int) entries.stream().filter(e -> e.state.get() == IDLE).count();
    }

    @Override
    public String toString() {
        return "LifoPool[size=" + size.get() + "/" + maxSize + ",terminated=" + terminated + "]";
    }

    private final class LifoEntry implements Entry<P> {

        private final AtomicInteger state = new AtomicInteger(RESERVED);
        private volatile P pooled;

        @Override
        public boolean enable(P pooled, boolean acquire) {
            this.pooled = pooled;
            if (!state.compareAndSet(RESERVED, acquire ? IN_USE : IDLE)) {
                return false;
            }
            if (!acquire) {
                idle.offerFirst(this);
            }
            return true;
        }

        @Override
        public P getPooled() {
            return pooled;
        }

        @Override
        public boolean release() {
            if (!state.compareAndSet(IN_USE, IDLE)) {
                return false;
            }
            idle.offerFirst(this);
            return true;
        }

        @Override
        public boolean remove() {
            while (true) {
                int current = state.get();
                if (current == REMOVED) {
                    return false;
                }
                if (state.compareAndSet(current, REMOVED)) {
                    if (current == IDLE) {
                        idle.remove(this); // O(idle), only when a connection closes while idle
                    }
                    forget();
                    return true;
                }
            }
        }

        /**
         * Takes the entry out of the pool's count and gives its place in the budget back, once: whoever removes it from
         * {@link #entries} (its own {@code remove}, {@code terminate}, or a reserve that lost to {@code terminate}).
         */
        void forget() {
            if (entries.remove(this)) {
                size.decrementAndGet();
                budget.giveBack();
            }
        }

        @Override
        public boolean isReserved() {
            return state.get() == RESERVED;
        }

        @Override
        public boolean isIdle() {
            return state.get() == IDLE;
        }

        @Override
        public boolean isInUse() {
            return state.get() == IN_USE;
        }

        @Override
        public boolean isTerminated() {
            return state.get() == REMOVED || terminated;
        }
    }
}
