package dev.numbers;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Resolves upstream host names with the JDK's blocking lookup, on a few threads of its own, with a bounded queue and
 * a timeout that counts from when the lookup was asked for.
 *
 * <p>Jetty's {@link SocketAddressResolver.Async} runs every lookup as a job of the client's pool and starts its
 * timeout only when the job starts. Callers choose the host names, so a burst of names that do not resolve queued
 * tens of thousands of lookups there, and the JDK's lookup is a native call that an interrupt does not end: the
 * system resolver, swamped, took seconds for each. Every pool thread then sat in DNS, the deadline tasks and answers
 * queued behind the lookups, no aggregation ended, and the service answered nothing but {@code 503} for minutes
 * (measured: README, Security, "Host names that do not resolve"). Here, instead:
 * <ul>
 *   <li>lookups never run on the client's pool, so DNS cannot hold up a deadline or an answer;</li>
 *   <li>at most {@code maxQueued} lookups wait; one more fails at once ({@link UnknownHostException}, counted as a
 *   {@code connect_error}), since a lookup that starts after the budget is of no use to its fetch;</li>
 *   <li>a lookup fails at its timeout whether it has started or not, and one that had not started leaves the queue
 *   and is never made.</li>
 * </ul>
 * A lookup already in the native call runs to its end on its thread; its result is then dropped.
 *
 * <p>Thread-safe. {@link #stop()} ends its threads (waiting a bounded time for lookups in progress).
 */
final class BoundedNameResolver implements SocketAddressResolver {

    /** The blocking lookup: the JDK's, or a test's. */
    @FunctionalInterface
    interface NameLookup {
        InetAddress[] lookUp(String host) throws UnknownHostException;
    }

    private final NameLookup lookup;
    private final ThreadPoolExecutor pool;
    private final Scheduler scheduler;
    private final long timeoutMillis;
    private final int maxQueued;
    private final Queue<Thread> threads = new ConcurrentLinkedQueue<>();

    private BoundedNameResolver(NameLookup lookup, int threadCount, int maxQueued, Scheduler scheduler,
            Duration timeout) {
        this.lookup = lookup;
        this.scheduler = scheduler;
        this.timeoutMillis = Math.max(1, timeout.toMillis());
        this.maxQueued = maxQueued;
        AtomicInteger created = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threadCount, threadCount, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(maxQueued), r -> {
                    Thread t = new Thread(r, "numbers-dns-" + created.incrementAndGet());
                    t.setDaemon(true);
                    threads.add(t);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
    }

    /**
     * @param threads   lookups made at once
     * @param maxQueued lookups waiting for a thread; beyond that a lookup fails at once
     * @param scheduler runs the timeouts
     * @param timeout   from the request for a lookup until it fails
     * @return a resolver using the JDK's {@link InetAddress#getAllByName}
     */
    static BoundedNameResolver create(int threads, int maxQueued, Scheduler scheduler, Duration timeout) {
        return create(InetAddress::getAllByName, threads, maxQueued, scheduler, timeout);
    }

    static BoundedNameResolver create(NameLookup lookup, int threads, int maxQueued, Scheduler scheduler,
            Duration timeout) {
        return new BoundedNameResolver(lookup, threads, maxQueued, scheduler, timeout);
    }

    @Override
    public void resolve(String host, int port, Map<String, Object> context, Promise<List<InetSocketAddress>> promise) {
        Lookup pending = new Lookup(host, port, promise);
        pending.timeout = scheduler.schedule(pending::expire, timeoutMillis, TimeUnit.MILLISECONDS);
        try {
            pool.execute(pending);
        } catch (RejectedExecutionException full) {
            pending.complete(null, new UnknownHostException(host + ": not looked up, " + maxQueued
                    + " name lookups are already waiting"));
        }
    }

    /** Lookups waiting for a thread (for tests and diagnostics). */
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

    /**
     * One lookup. Exactly one of the lookup thread, the timeout, a refused submission and {@link #stop} completes
     * it: whichever wins the compare-and-set on {@link #done}; the others find it done and do nothing.
     */
    private final class Lookup implements Runnable {

        private final AtomicBoolean done = new AtomicBoolean();
        private final String host;
        private final int port;
        private final Promise<List<InetSocketAddress>> promise;
        /** Set before the lookup is submitted; null only if the timeout fires before it is (then nothing to cancel). */
        private volatile Scheduler.Task timeout;

        private Lookup(String host, int port, Promise<List<InetSocketAddress>> promise) {
            this.host = host;
            this.port = port;
            this.promise = promise;
        }

        @Override
        public void run() {
            if (done.get()) {
                return; // timed out while waiting (and removed, unless the thread took it first)
            }
            try {
                InetAddress[] addresses = lookup.lookUp(host);
                List<InetSocketAddress> result = new ArrayList<>(addresses.length);
                for (InetAddress address : addresses) {
                    result.add(new InetSocketAddress(address, port));
                }
                complete(result, result.isEmpty() ? new UnknownHostException(host) : null);
            } catch (Throwable x) {
                complete(null, x);
            }
        }

        void expire() {
            if (done.compareAndSet(false, true)) {
                pool.remove(this); // if it has not started: free its place in the queue, before anyone hears of it
                report(null, new TimeoutException("DNS lookup of " + host + " took longer than " + timeoutMillis
                        + " ms"));
            }
        }

        void complete(List<InetSocketAddress> addresses, Throwable failure) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            Scheduler.Task task = timeout;
            if (task != null) {
                task.cancel();
            }
            report(addresses, failure);
        }

        private void report(List<InetSocketAddress> addresses, Throwable failure) {
            if (failure == null) {
                promise.succeeded(addresses);
            } else {
                promise.failed(failure);
            }
        }
    }
}
