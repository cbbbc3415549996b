package dev.numbers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The selector lag probe on a real client connector: it reports a lag near zero while the selector is free, and how
 * long a selector kept busy made it wait.
 */
class SelectorLagTest {

    private static final long PERIOD_MILLIS = 20;

    private final ClientConnector connector = new ClientConnector();
    private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("lag-test-timer", true);
    private final Queue<Long> lags = new ConcurrentLinkedQueue<>();
    private SelectorLag lag;

    @BeforeEach
    void start() throws Exception {
        connector.setSelectors(1);
        connector.start();
        scheduler.start();
        lag = SelectorLag.start(connector, scheduler, PERIOD_MILLIS, lags::add);
    }

    @AfterEach
    void stop() throws Exception {
        lag.stop();
        scheduler.stop();
        connector.stop();
    }

    @Test
    void reportsHowLongABusySelectorMadeItsProbeWait() throws Exception {
        assertEquals(1, lag.selectors());
        // Free, the selector runs a probe at once: margins no loaded machine needs.
        awaitLag(nanos -> nanos < TimeUnit.MILLISECONDS.toNanos(100), "a lag under 100 ms while the selector is free");
        // Busy for 400 ms, as when it reads responses while waiting for the core: a probe sent meanwhile waits.
        ManagedSelector selector = connector.getSelectorManager().getBeans(ManagedSelector.class).iterator().next();
        selector.submit(ignored -> sleep(400));
        awaitLag(nanos -> nanos >= TimeUnit.MILLISECONDS.toNanos(300), "a lag of 300 ms or more");
    }

    @Test
    void stopsProbing() throws Exception {
        awaitLag(nanos -> true, "a first probe");
        lag.stop();
        Thread.sleep(2 * PERIOD_MILLIS); // a probe already under way may still report
        int reported = lags.size();
        Thread.sleep(10 * PERIOD_MILLIS);
        assertEquals(reported, lags.size(), "probes after stop()");
    }

    private void awaitLag(LongPredicate wanted, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (lags.stream().noneMatch(wanted::test)) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what + "; reported " + lags);
            Thread.sleep(5);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
