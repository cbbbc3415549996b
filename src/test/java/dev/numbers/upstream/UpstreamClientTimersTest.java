package dev.numbers.upstream;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.numbers.config.Settings;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.thread.Scheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The upstream client's two timers: Jetty closes the connections whose idle timeout expired on the client's timer, a
 * thousand at once after a cold start, and the deadlines must not wait behind them.
 */
class UpstreamClientTimersTest {

    private final CountDownLatch release = new CountDownLatch(1);
    private UpstreamClient client;

    @BeforeEach
    void start() throws Exception {
        client = UpstreamClient.create(Settings.defaults());
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        client.stop();
    }

    @Test
    void firesDeadlinesWhileTheClientsTimerIsHeldUp() throws Exception {
        Scheduler jettys = client.httpClient().getScheduler(); // the connections' idle timeouts fire there
        CompletableFuture<Void> heldUp = new CompletableFuture<>();
        CompletableFuture<Void> letGo = new CompletableFuture<>();
        jettys.schedule(() -> {
            heldUp.complete(null);
            BoundedNameResolverTest.awaitIgnoringInterrupts(release); // as a burst of closes would hold it
            letGo.complete(null);
        }, 0, TimeUnit.MILLISECONDS);
        heldUp.get(5, TimeUnit.SECONDS);

        CompletableFuture<Boolean> firedWhileHeldUp = new CompletableFuture<>();
        client.deadlines().schedule(() -> firedWhileHeldUp.complete(!letGo.isDone()), 100, TimeUnit.MILLISECONDS);
        // A margin no loaded machine needs: the 100 ms timer fires while the client's timer stays held up.
        assertTrue(firedWhileHeldUp.get(5, TimeUnit.SECONDS), "the client's timer was let go first");
    }
}
