package dev.numbers.upstream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.numbers.config.SettingSource;
import dev.numbers.config.Settings;
import java.net.InetAddress;
import java.util.Map;
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
        client = UpstreamClient.create(Settings.load(SettingSource.of(Map.of())),
                host -> new InetAddress[] {InetAddress.getLoopbackAddress()});
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        client.stop();
    }

    @Test
    void firesDeadlinesWhileTheClientsTimerIsHeldUp() throws Exception {
        Scheduler connections = client.httpClient().getScheduler(); // the connections' idle timeouts, as Jetty's
        CompletableFuture<Void> heldUp = new CompletableFuture<>();
        connections.schedule(() -> {
            heldUp.complete(null);
            BoundedNameResolverTest.awaitIgnoringInterrupts(release); // as a burst of closes would hold it
        }, 0, TimeUnit.MILLISECONDS);
        heldUp.get(5, TimeUnit.SECONDS);

        CompletableFuture<Void> deadline = new CompletableFuture<>();
        client.deadlines().schedule(() -> deadline.complete(null), 100, TimeUnit.MILLISECONDS);
        // A margin no loaded machine needs: the 100 ms timer fires while the other timer stays held up.
        deadline.get(5, TimeUnit.SECONDS);
        assertTrue(deadline.isDone());
        assertFalse(release.getCount() == 0, "the client's timer was still held up");
    }
}
