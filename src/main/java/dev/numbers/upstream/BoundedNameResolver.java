package dev.numbers.upstream;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Resolves upstream host names with the JDK's blocking lookup, on a few threads of its own, one lookup per name at a
 * time, with a bounded queue and a timeout that counts from when the lookup was asked for.
 *
 * <p>Jetty's {@link SocketAddressResolver.Async} runs every lookup as a job of the client's pool and starts its
 * timeout only when the job starts. Callers choose the host names, so a burst of names that do not resolve would
 * queue lookups there, and the JDK's lookup is a native call that an interrupt does not end: every pool thread would
 * sit in DNS, the deadline tasks and answers would queue behind the lookups, and no aggregation would end. Here,
 * instead (docs/design.md#upstream-connections):
 * <ul>
 *   <li>lookups never run on the client's pool, so DNS cannot hold up a deadline or an answer;</li>
 *   <li>resolutions of a name already being looked up wait for that lookup instead of queueing another: every new
 *   connection resolves its host, and a cold pool opens hundreds of connections to one host at once;</li>
 *   <li>at most {@code maxQueued} names wait for a thread; one more fails at once ({@link UnknownHostException},
 *   counted as a {@code connect_error}), since a lookup that starts after the budget is of no use to its fetch;</li>
 *   <li>a lookup fails at its timeout ({@link UnknownHostException}, a {@code connect_error} too), counted from the
 *   first resolution that asked for it, whether it has started or not; one that had not started leaves the queue and
 *   is never made.</li>
 * </ul>
 * A lookup already in the native call runs to its end on its thread; its result is then dropped.
 *
 * <p>Where the resolutions learn their outcome: a lookup's result on its lookup thread; a refusal on the resolving
 * thread; {@link #stop} on the stopping thread; a timeout on the {@code callbacks} executor (the client's pool), not
 * on the timer that fired it. That timer is the client's only one and also hands over every aggregation's deadline,
 * and a name with hundreds of waiting resolutions fails each through Jetty's connect-failure path: run there, they
 * would hold up deadlines.
 *
 * <p>Thread-safe. {@link #stop} ends its threads (waiting a bounded time for lookups in progress).
 */
final class BoundedNameResolver implements SocketAddressResolver {

    private static final System.Logger LOG = System.getLogger(BoundedNameResolver.class.getName());

    private final NameLookup lookup;
    private final ThreadPoolExecutor pool;
    private final Scheduler scheduler;
    private final Executor callbacks;
    private final long timeoutMillis;
    private final int maxQueued;
    /** The lookup in progress (queued or running) for each name; a name has at most one. */
    private final ConcurrentHashMap<String, Lookup> inProgress = new ConcurrentHashMap<>();
    /** The pool's live threads, joined on stop. */
    private final Queue<Thread> threads = new ConcurrentLinkedQueue<>();

    private BoundedNameResolver(NameLookup lookup, int threadCount, int maxQueued, Scheduler scheduler,
            Executor callbacks, Duration timeout) {
        this.lookup = lookup;
        this.scheduler = scheduler;
        this.callbacks = callbacks;
        this.timeoutMillis = Math.max(1, timeout.toMillis());
        this.maxQueued = maxQueued;
        AtomicInteger created = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threadCount, threadCount, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(maxQueued), r -> {
                    // Idle threads end after 30 s and are made again when needed: each leaves the list as it ends.
                    Thread[] self = new Thread[1];
                    self[0] = new Thread(() -> {
                        try {
                            r.run();
                        } finally {
                            threads.remove(self[0]);
                        }
                    }, "numbers-dns-" + created.incrementAndGet());
                    self[0].setDaemon(true);
                    threads.add(self[0]);
                    return self[0];
                });
        pool.allowCoreThreadTimeOut(true);
    }

    /**
     * @param lookup    the blocking lookup: the JDK's {@link InetAddress#getAllByName} in the service
     * @param threads   lookups made at once
     * @param maxQueued names waiting for a thread; beyond that a lookup fails at once
     * @param scheduler runs the timeouts
     * @param callbacks where a timeout fails the resolutions that waited for the lookup
     * @param timeout   from the first request for a name's lookup until it fails
     * @return a resolver
     */
    static BoundedNameResolver create(NameLookup lookup, int threads, int maxQueued, Scheduler scheduler,
            Executor callbacks, Duration timeout) {
        return new BoundedNameResolver(lookup, threads, maxQueued, scheduler, callbacks, timeout);
    }

    @Override
    public void resolve(String host, int port, Map<String, Object> context, Promise<List<InetSocketAddress>> promise) {
        Waiter waiter = new Waiter(port, promise);
        while (true) {
            Lookup current = inProgress.get(host);
            if (current != null) {
                if (current.join(waiter)) {
                    return;
                }
                // It has just completed; it removes itself, but may not have yet.
                inProgress.remove(host, current);
                continue;
            }
            Lookup fresh = new Lookup(host, waiter);
            if (inProgress.putIfAbsent(host, fresh) == null) {
                start(fresh);
                return;
            }
        }
    }

    private void start(Lookup fresh) {
        try {
            fresh.timeout = scheduler.schedule(fresh::expire, timeoutMillis, TimeUnit.MILLISECONDS);
            pool.execute(fresh);
        } catch (RejectedExecutionException refused) {
            fresh.complete(null, new UnknownHostException(fresh.host + ": not looked up, " + (pool.isShutdown()
                    ? "the HTTP client is stopping" : maxQueued + " name lookups are already waiting")));
        }
    }

    /** Names waiting for a thread (for tests and diagnostics). */
    int queued() {
        return pool.getQueue().size();
    }

    /**
     * Fails the lookups still waiting, stops the threads and waits up to {@code waitMillis} in all for them to end (a
     * thread in a native lookup ends when the lookup does; they are daemon threads).
     */
    void stop(long waitMillis) throws InterruptedException {
        for (Runnable waiting : pool.shutdownNow()) {
            ((Lookup) waiting).complete(null, new UnknownHostException("The HTTP client is stopping"));
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        pool.awaitTermination(waitMillis, TimeUnit.MILLISECONDS);
        for (Thread t : threads) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                break;
            }
            t.join(left);
        }
    }

    @Override
    public String toString() {
        return "BoundedNameResolver[threads=" + pool.getMaximumPoolSize() + ", maxQueued=" + maxQueued
                + ", timeout=" + timeoutMillis + "ms]";
    }

    /** One resolution's port and promise. */
    private record Waiter(int port, Promise<List<InetSocketAddress>> promise) {
    }

    /**
     * One lookup of one name, with every resolution waiting for it. Exactly one of the lookup thread, the timeout, a
     * refused submission and {@link #stop} completes it: the first to set {@link #done}, under the lookup's lock,
     * which also closes it to new waiters; the others find it done and do nothing.
     */
    private final class Lookup implements Runnable {

        private final String host;
        /** Guarded by {@code this}. */
        private final List<Waiter> waiters = new ArrayList<>(1);
        /** Guarded by {@code this}; read without it only as a hint, in {@link #run}. */
        private volatile boolean done;
        /** Set before the lookup is submitted, so every completion but the timeout's own can cancel it. */
        private volatile Scheduler.Task timeout;

        private Lookup(String host, Waiter first) {
            this.host = host;
            this.waiters.add(first);
        }

        /** @return false if the lookup has completed: the caller must start another */
        synchronized boolean join(Waiter waiter) {
            if (done) {
                return false;
            }
            waiters.add(waiter);
            return true;
        }

        @Override
        public void run() {
            if (done) {
                return; // timed out while waiting (and removed, unless this thread took it first)
            }
            InetAddress[] addresses;
            try {
                addresses = lookup.lookUp(host);
            } catch (Throwable x) {
                complete(null, x);
                return;
            }
            complete(addresses.length == 0 ? null : addresses,
                    addresses.length == 0 ? new UnknownHostException(host) : null);
        }

        void expire() {
            List<Waiter> waiting = finish();
            if (waiting != null) {
                pool.remove(this); // if it has not started: free its place in the queue
                // Not a TimeoutException, which would count the fetch as late: a name not resolved in time is a
                // failure to connect, whatever the budget.
                UnknownHostException failure = new UnknownHostException(host + ": the lookup took longer than "
                        + timeoutMillis + " ms");
                // Off the timer thread (see the class comment); on this one only if the pool refuses (stopping).
                UpstreamClient.runOnPool(callbacks, () -> report(waiting, null, failure));
            }
        }

        void complete(InetAddress[] addresses, Throwable failure) {
            List<Waiter> waiting = finish();
            if (waiting == null) {
                return;
            }
            Scheduler.Task task = timeout;
            if (task != null) {
                task.cancel();
            }
            report(waiting, addresses, failure);
        }

        /** Marks the lookup done and forgets it; @return its waiters, or null if it was done already */
        private List<Waiter> finish() {
            List<Waiter> waiting;
            synchronized (this) {
                if (done) {
                    return null;
                }
                done = true;
                waiting = List.copyOf(waiters);
                waiters.clear();
            }
            inProgress.remove(host, this);
            return waiting;
        }

        private void report(List<Waiter> waiting, InetAddress[] addresses, Throwable failure) {
            for (Waiter waiter : waiting) {
                try {
                    if (failure != null) {
                        waiter.promise().failed(failure);
                    } else {
                        List<InetSocketAddress> result = new ArrayList<>(addresses.length);
                        for (InetAddress address : addresses) {
                            result.add(new InetSocketAddress(address, waiter.port()));
                        }
                        waiter.promise().succeeded(result);
                    }
                } catch (RuntimeException e) {
                    // One caller's failing callback must not keep the result from the others.
                    LOG.log(System.Logger.Level.WARNING, "Resolution callback for " + host + " failed", e);
                }
            }
        }
    }
}
