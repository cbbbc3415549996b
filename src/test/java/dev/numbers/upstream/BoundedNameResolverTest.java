package dev.numbers.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The resolver's bounds, with a lookup the test controls (names are never sent to DNS): lookups run on its own
 * threads, a full queue fails at once, a timeout counts from the request whether the lookup has started or not, a
 * lookup that timed out waiting is never made, and each promise completes exactly once.
 */
class BoundedNameResolverTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("resolver-test-timer", true);
    /** Stands for the client's pool, where timeouts report. */
    private final ExecutorService callbacks = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "resolver-test-callbacks");
        t.setDaemon(true);
        return t;
    });
    /** Released to let blocked lookups return. */
    private final CountDownLatch release = new CountDownLatch(1);
    private final Queue<String> lookedUp = new ConcurrentLinkedQueue<>();
    private final Queue<Thread> lookupThreads = new ConcurrentLinkedQueue<>();
    private BoundedNameResolver resolver;

    @BeforeEach
    void start() throws Exception {
        scheduler.start();
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        if (resolver != null) {
            resolver.stop(5_000);
        }
        scheduler.stop();
        callbacks.shutdownNow();
        assertTrue(callbacks.awaitTermination(5, TimeUnit.SECONDS), "a callback is still running");
    }

    /**
     * A lookup that records the name and its thread, and blocks names starting with "slow" until released, ignoring
     * interrupts as the JDK's native lookup does.
     */
    private InetAddress[] lookUp(String host) throws UnknownHostException {
        lookedUp.add(host);
        lookupThreads.add(Thread.currentThread());
        if (host.startsWith("slow")) {
            awaitIgnoringInterrupts(release);
        }
        if (host.endsWith(".invalid")) {
            throw new UnknownHostException(host);
        }
        return new InetAddress[] {LOOPBACK};
    }

    /**
     * Waits for {@code latch} as the JDK's native lookup waits for the system resolver: an interrupt does not end the
     * wait (it is kept, and set again on return).
     */
    static void awaitIgnoringInterrupts(CountDownLatch latch) {
        boolean interrupted = false;
        while (latch.getCount() > 0) {
            try {
                latch.await();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Resolves a "slow" name and waits until its lookup holds the resolver's (only) thread. */
    private Outcome occupyTheLookupThread() throws InterruptedException {
        Outcome running = resolve("slow-1.test");
        awaitLookups(1);
        return running;
    }

    private BoundedNameResolver resolver(int threads, int maxQueued, Duration timeout) {
        resolver = BoundedNameResolver.create(this::lookUp, threads, maxQueued, scheduler, callbacks, timeout);
        return resolver;
    }

    /** A resolution's outcome, counting how often its promise was completed. */
    private static final class Outcome implements Promise<List<InetSocketAddress>> {
        final CompletableFuture<List<InetSocketAddress>> result = new CompletableFuture<>();
        final AtomicInteger completions = new AtomicInteger();

        @Override
        public void succeeded(List<InetSocketAddress> addresses) {
            completions.incrementAndGet();
            result.complete(addresses);
        }

        @Override
        public void failed(Throwable failure) {
            completions.incrementAndGet();
            result.completeExceptionally(failure);
        }

        Throwable failure(long seconds) throws Exception {
            try {
                result.get(seconds, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                return e.getCause();
            }
            throw new AssertionError("resolved, but a failure was expected");
        }
    }

    private Outcome resolve(String host) {
        Outcome outcome = new Outcome();
        resolver.resolve(host, 8080, Map.of(), outcome);
        return outcome;
    }

    @Test
    void resolvesOnItsOwnThreadsWithThePortGiven() throws Exception {
        resolver(2, 4, Duration.ofSeconds(5));
        List<InetSocketAddress> addresses = resolve("upstream.test").result.get(5, TimeUnit.SECONDS);
        assertEquals(List.of(new InetSocketAddress(LOOPBACK, 8080)), addresses);
        assertTrue(lookupThreads.stream().allMatch(t -> t.getName().startsWith("numbers-dns-")),
                lookupThreads.toString());
        assertInstanceOf(UnknownHostException.class, resolve("nothing.invalid").failure(5));
    }

    @Test
    void aLookupBeyondTheQueueFailsAtOnceWithoutBeingMade() throws Exception {
        resolver(1, 2, Duration.ofSeconds(30));
        Outcome running = occupyTheLookupThread();
        Outcome queued1 = resolve("slow-2.test");
        Outcome queued2 = resolve("slow-3.test");
        long start = System.nanoTime();
        Throwable refused = resolve("slow-4.test").failure(5);
        assertInstanceOf(UnknownHostException.class, refused);
        assertTrue(refused.getMessage().contains("2 name lookups are already waiting"), refused.getMessage());
        // "At once": far sooner than the 30 s timeout, with a margin no loaded machine needs.
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "the refusal waited");
        release.countDown();
        for (Outcome outcome : List.of(running, queued1, queued2)) {
            outcome.result.get(5, TimeUnit.SECONDS);
        }
        assertEquals(List.of("slow-1.test", "slow-2.test", "slow-3.test"), List.copyOf(lookedUp));
    }

    @Test
    void aLookupThatWaitsPastItsTimeoutFailsLeavesTheQueueAndIsNeverMade() throws Exception {
        resolver(1, 1, Duration.ofMillis(1_000));
        Outcome running = occupyTheLookupThread();
        Outcome waiting = resolve("slow-2.test");
        Throwable timedOut = waiting.failure(10);
        assertInstanceOf(UnknownHostException.class, timedOut);
        assertTrue(timedOut.getMessage().contains("took longer than 1000 ms"), timedOut.getMessage());
        assertInstanceOf(UnknownHostException.class, running.failure(10), "the lookup in progress times out as well");
        // Its place in the queue is free again while the first lookup is still stuck.
        assertEquals(0, resolver.queued());
        release.countDown();
        // The queue is first in, first out: had slow-2 still been in it, it would be looked up before this one.
        resolve("fast.test").result.get(10, TimeUnit.SECONDS);
        assertEquals(List.of("slow-1.test", "fast.test"), List.copyOf(lookedUp), "slow-2 was looked up");
        // The stuck lookup returned after its timeout: its result was dropped, its promise completed once.
        assertEquals(1, running.completions.get());
        assertEquals(1, waiting.completions.get());
    }

    @Test
    void aTimeoutFailsItsResolutionsOffTheTimerSoTheTimerRunsOn() throws Exception {
        // Jetty's connect-failure path runs in the promise's failed(); here it blocks until released. Run on the
        // timer thread (the client's only one, which also hands over every deadline), it would hold up the task
        // scheduled after it.
        resolver(1, 4, Duration.ofMillis(200));
        Outcome running = occupyTheLookupThread();
        CountDownLatch failing = new CountDownLatch(1);
        CountDownLatch letItReturn = new CountDownLatch(1);
        AtomicReference<String> failedOn = new AtomicReference<>();
        resolver.resolve("slow-2.test", 8080, Map.of(), new Promise<>() {
            @Override
            public void failed(Throwable failure) {
                failedOn.set(Thread.currentThread().getName());
                failing.countDown();
                awaitIgnoringInterrupts(letItReturn);
            }
        });
        try {
            assertTrue(failing.await(10, TimeUnit.SECONDS), "the waiting resolution did not time out");
            CountDownLatch timerRan = new CountDownLatch(1);
            scheduler.schedule(timerRan::countDown, 1, TimeUnit.MILLISECONDS);
            assertTrue(timerRan.await(10, TimeUnit.SECONDS), "the timer is held up by a failing resolution");
            assertEquals("resolver-test-callbacks", failedOn.get());
        } finally {
            letItReturn.countDown();
        }
        assertInstanceOf(UnknownHostException.class, running.failure(10));
    }

    @Test
    void resolutionsOfANameBeingLookedUpWaitForThatLookup() throws Exception {
        // One thread, one place in the queue: a hundred resolutions of one name (each new connection resolves its
        // host) take that one place, make one lookup, and each gets the addresses with its own port.
        resolver(1, 1, Duration.ofSeconds(30));
        Outcome running = occupyTheLookupThread();
        List<CompletableFuture<List<InetSocketAddress>>> burst = new java.util.ArrayList<>();
        for (int port = 1; port <= 100; port++) {
            Outcome outcome = new Outcome();
            resolver.resolve("slow-2.test", port, Map.of(), outcome);
            burst.add(outcome.result);
        }
        assertEquals(1, resolver.queued());
        release.countDown();
        running.result.get(10, TimeUnit.SECONDS);
        for (int port = 1; port <= 100; port++) {
            assertEquals(List.of(new InetSocketAddress(LOOPBACK, port)), burst.get(port - 1).get(10, TimeUnit.SECONDS));
        }
        assertEquals(List.of("slow-1.test", "slow-2.test"), List.copyOf(lookedUp));
        // Done, the name is looked up afresh next time (the JDK's cache, not this class, keeps answers).
        resolve("slow-2.test").result.get(10, TimeUnit.SECONDS);
        assertEquals(3, lookedUp.size());
    }

    @Test
    void stoppingFailsTheWaitingLookupsAndEndsItsThreads() throws Exception {
        resolver(1, 4, Duration.ofSeconds(30));
        Outcome running = occupyTheLookupThread();
        Outcome waiting = resolve("slow-2.test");
        Thread releaser = new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            release.countDown();
        });
        releaser.start();
        resolver.stop(5_000); // waits for the lookup in progress, which ignores the interrupt, until it is released
        releaser.join();
        assertInstanceOf(UnknownHostException.class, waiting.failure(5));
        running.result.get(5, TimeUnit.SECONDS); // the lookup in progress ran to its end
        assertEquals(List.of("slow-1.test"), List.copyOf(lookedUp));
        assertTrue(lookupThreads.stream().noneMatch(Thread::isAlive), "a lookup thread is alive");
        resolver = null;
    }

    private void awaitLookups(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (lookedUp.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(count, lookedUp.size(), "lookups started");
    }
}
