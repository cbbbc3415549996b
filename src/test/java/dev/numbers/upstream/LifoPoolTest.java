package dev.numbers.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.util.Pool;
import org.junit.jupiter.api.Test;

class LifoPoolTest {

    @Test
    void reservesUpToItsMaximumAndHandsOutTheMostRecentlyReleasedFirst() {
        LifoPool<String> pool = LifoPool.of(2);
        Pool.Entry<String> a = pool.reserve();
        Pool.Entry<String> b = pool.reserve();
        assertNull(pool.reserve(), "over the maximum");
        assertNull(pool.acquire(), "nothing enabled yet");
        assertTrue(a.enable("a", false));
        assertTrue(b.enable("b", false));
        assertSame(b, pool.acquire());
        assertSame(a, pool.acquire());
        assertNull(pool.acquire());
        assertTrue(a.release());
        assertSame(a, pool.acquire());
        assertEquals(2, pool.size());
    }

    @Test
    void anEntryRemovedWhileIdleIsNeverHandedOutAndFreesItsPlace() {
        LifoPool<String> pool = LifoPool.of(1);
        Pool.Entry<String> a = pool.reserve();
        a.enable("a", false);
        assertTrue(a.remove());
        assertFalse(a.remove(), "removed once only");
        assertNull(pool.acquire());
        assertEquals(0, pool.size());
        assertTrue(pool.reserve() != null, "its place is free again");
    }

    @Test
    void releasingARemovedEntryFailsAsInJettysPools() {
        LifoPool<String> pool = LifoPool.of(1);
        Pool.Entry<String> a = pool.reserve();
        a.enable("a", true);
        assertTrue(a.isInUse());
        assertTrue(a.remove());
        assertFalse(a.release());
        assertTrue(a.isTerminated());
    }

    @Test
    void terminateHandsBackEveryEntryAndRefusesMore() {
        LifoPool<String> pool = LifoPool.of(3);
        pool.reserve().enable("a", false);
        pool.reserve().enable("b", true);
        assertEquals(2, pool.terminate().size());
        assertTrue(pool.isTerminated());
        assertNull(pool.reserve());
        assertNull(pool.acquire());
    }

    @Test
    void poolsSharingABudgetHoldNoMoreEntriesTogetherThanItButAPoolMayOpenItsFirst() {
        ConnectionBudget budget = ConnectionBudget.of(3);
        LifoPool<String> a = LifoPool.of(10, budget, () -> { });
        LifoPool<String> b = LifoPool.of(10, budget, () -> { });
        Pool.Entry<String> a1 = a.reserve();
        a1.enable("a1", false);
        a.reserve().enable("a2", true);
        b.reserve().enable("b1", false);
        assertNull(a.reserve(), "the budget is spent: a pool below its own maximum is full");
        assertNull(b.reserve());
        assertEquals(2, a.size());
        LifoPool<String> c = LifoPool.of(10, budget, () -> { });
        assertNotNull(c.reserve(), "a pool without a connection opens one beyond the budget");
        assertEquals(4, budget.taken());
        assertNull(c.reserve(), "but only its first");
        assertTrue(a1.remove());
        assertFalse(a1.remove(), "removed once, given back once");
        assertEquals(3, budget.taken());
        assertNull(b.reserve(), "still spent: c's first connection counts");
        assertTrue(a.terminate().size() == 1 && budget.taken() == 2, "terminating gives back its entries' places");
        assertNotNull(b.reserve());
        assertNull(a.reserve());
    }

    @Test
    void aPoolRefusedAPlaceIsWokenOnceWhenOneIsFreeFirstComeFirstServed() {
        ConnectionBudget budget = ConnectionBudget.of(3);
        List<String> woken = new ArrayList<>();
        LifoPool<String> a = LifoPool.of(10, budget, () -> woken.add("a"));
        AtomicReference<LifoPool<String>> self = new AtomicReference<>();
        LifoPool<String> b = LifoPool.of(10, budget, () -> {
            woken.add("b");
            self.get().reserve().enable("b2", true); // as its destination does: it sends its queue
        });
        self.set(b);
        LifoPool<String> c = LifoPool.of(10, budget, () -> woken.add("c")); // its queue is empty: takes nothing
        Pool.Entry<String> a1 = a.reserve();
        a1.enable("a1", true);
        Pool.Entry<String> a2 = a.reserve();
        a2.enable("a2", true);
        Pool.Entry<String> b1 = b.reserve();
        b1.enable("b1", true);
        assertNull(b.reserve());
        assertNull(b.reserve(), "refused twice, queued once");
        c.reserve().enable("c1", true); // its first, beyond the budget
        assertNull(c.reserve());
        assertEquals(2, budget.waiting());
        assertTrue(a1.remove());
        assertEquals(List.of(), woken, "4 taken of 3 before: still no place free");
        assertTrue(a2.remove());
        assertEquals(List.of("b"), woken, "the first to wait is woken, and takes the place");
        assertEquals(2, b.size());
        assertEquals(1, budget.waiting());
        assertTrue(b1.remove());
        assertEquals(List.of("b", "c"), woken);
        assertEquals(0, budget.waiting());
        assertEquals(2, budget.taken());
    }

    @Test
    void aTerminatedPoolLeavesTheQueueAndThePlaceGoesToTheNextWaitingPool() {
        ConnectionBudget budget = ConnectionBudget.of(2);
        List<String> woken = new ArrayList<>();
        LifoPool<String> a = LifoPool.of(10, budget, () -> woken.add("a"));
        LifoPool<String> b = LifoPool.of(10, budget, () -> woken.add("b"));
        a.reserve().enable("a1", true);
        b.reserve().enable("b1", true);
        assertNull(a.reserve());
        assertNull(b.reserve());
        assertEquals(2, budget.waiting());
        a.terminate(); // leaves the queue, then gives a1's place back: handed to b, which does not use it
        assertEquals(List.of("b"), woken);
        assertEquals(0, budget.waiting());
        assertEquals(1, budget.taken(), "b gave the place it did not use back");
    }

    @Test
    void aPlaceHandedOverCannotBeTakenByAnotherPoolMeanwhile() {
        List<Runnable> wakeUps = new ArrayList<>(); // run when the test says, as the client's pool would, later
        ConnectionBudget budget = ConnectionBudget.of(3, wakeUps::add);
        AtomicReference<LifoPool<String>> self = new AtomicReference<>();
        LifoPool<String> b = LifoPool.of(10, budget, () -> self.get().reserve().enable("b2", true));
        self.set(b);
        LifoPool<String> a = LifoPool.of(10, budget, () -> { });
        a.reserve().enable("a1", true);
        Pool.Entry<String> a2 = a.reserve();
        a2.enable("a2", true);
        b.reserve().enable("b1", true);
        assertNull(b.reserve());
        assertTrue(a2.remove()); // the place is handed over to b, which has not run yet
        assertEquals(1, wakeUps.size());
        assertEquals(3, budget.taken(), "a place handed over stays taken");
        assertNull(a.reserve(), "another pool asking meanwhile finds no place");
        wakeUps.remove(0).run();
        assertEquals(2, b.size(), "b used the place handed over to it");
        assertEquals(3, budget.taken());
        assertEquals(1, budget.waiting(), "a waits now");
    }

    @Test
    void aPlaceFreedBeforeAPoolQueuesItsWakeUpIsHandedToIt() {
        // The pool was refused while the budget was spent; the place came back before it queued its wake-up.
        ConnectionBudget budget = ConnectionBudget.of(1);
        assertTrue(budget.tryTake());
        budget.giveBack(); // nobody waits yet: freed
        AtomicInteger woken = new AtomicInteger();
        budget.awaitPlace(woken::incrementAndGet);
        assertEquals(1, woken.get());
        assertEquals(1, budget.taken(), "the place is held for the pool that was woken");
        assertEquals(0, budget.waiting());
    }

    @Test
    void aPlaceFreedJustAfterAPoolFoundNoneIsHandedToIt() {
        // The other order: the place is given back while the pool queues its wake-up — giveBack finds nobody waiting,
        // the pool queues its wake-up and finds no place (still taken), then giveBack frees the place.
        AtomicInteger woken = new AtomicInteger();
        AtomicReference<ConnectionBudget> ref = new AtomicReference<>();
        AtomicInteger polls = new AtomicInteger();
        java.util.Queue<Runnable> queue = new java.util.concurrent.ConcurrentLinkedQueue<>() {
            @Override
            public Runnable poll() {
                Runnable next = super.poll();
                if (polls.incrementAndGet() == 1) {
                    assertNull(next);
                    ref.get().awaitPlace(woken::incrementAndGet); // in the gap between the poll and the decrement
                    assertEquals(0, woken.get(), "no place yet: the giving back has not freed it");
                }
                return next;
            }
        };
        ConnectionBudget budget = ConnectionBudget.withQueue(1, queue);
        ref.set(budget);
        assertTrue(budget.tryTake());
        budget.giveBack();
        assertEquals(1, woken.get(), "the waiting pool was woken");
        assertEquals(1, budget.taken(), "the place is held for the pool that was woken");
        assertEquals(0, budget.waiting());
    }

    @Test
    void entriesOfATerminatedPoolAreRemovedOnceEachWithoutGivingTheirPlacesBackTwice() {
        // Jetty's AbstractConnectionPool closes the connections of a terminated pool by removing each entry: remove()
        // must answer true once, as in its own pools, and the budget must not be given back a second time.
        ConnectionBudget budget = ConnectionBudget.of(10);
        LifoPool<String> pool = LifoPool.of(10, budget, () -> { });
        pool.reserve().enable("idle", false);
        pool.reserve().enable("busy", true);
        java.util.Collection<Pool.Entry<String>> terminated = pool.terminate();
        assertEquals(0, budget.taken());
        assertEquals(0, pool.size());
        for (Pool.Entry<String> entry : terminated) {
            assertTrue(entry.isTerminated());
            assertTrue(entry.remove(), entry.getPooled());
            assertFalse(entry.remove(), entry.getPooled());
            assertFalse(entry.isInUse());
        }
        assertEquals(0, budget.taken());
    }

    @Test
    void neverHandsOneEntryToTwoThreadsAtOnce() throws Exception {
        LifoPool<Integer> pool = LifoPool.of(8);
        for (int i = 0; i < 8; i++) {
            pool.reserve().enable(i, false);
        }
        Set<Integer> inUse = ConcurrentHashMap.newKeySet();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        CountDownLatch done = new CountDownLatch(4);
        boolean[] clash = new boolean[1];
        for (int t = 0; t < 4; t++) {
            threads.execute(() -> {
                for (int i = 0; i < 50_000; i++) {
                    Pool.Entry<Integer> entry = pool.acquire();
                    if (entry == null) {
                        continue;
                    }
                    if (!inUse.add(entry.getPooled())) {
                        clash[0] = true;
                    }
                    inUse.remove(entry.getPooled());
                    entry.release();
                }
                done.countDown();
            });
        }
        assertTrue(done.await(30, TimeUnit.SECONDS));
        threads.shutdown();
        assertFalse(clash[0], "an entry was acquired twice");
        assertEquals(8, pool.getIdleCount());
    }
}
