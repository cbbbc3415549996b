package dev.numbers.upstream;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.numbers.config.SettingSource;
import dev.numbers.config.Settings;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The upstream client as the service builds it, with a name lookup the test controls (no DNS): name lookups that hang
 * hold up neither the client's pool, which runs the deadlines and writes the answers, nor their requests' timeouts.
 */
class UpstreamClientNameLookupTest {

    /** Released at the end: until then every lookup hangs, as the system resolver did under a burst of names. */
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger lookups = new AtomicInteger();
    private UpstreamClient client;

    @BeforeEach
    void start() throws Exception {
        client = UpstreamClient.create(Settings.load(SettingSource.of(Map.of())), host -> {
            lookups.incrementAndGet();
            BoundedNameResolverTest.awaitIgnoringInterrupts(release); // as a native lookup, deaf to interrupts
            return new InetAddress[] {InetAddress.getLoopbackAddress()};
        });
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        client.stop();
    }

    @Test
    void lookupsThatHangHoldUpNeitherThePoolNorTheRequestsTimeouts() throws Exception {
        // 1 000 requests to distinct names with a 300 ms timeout: more lookups than the resolver's threads and queue.
        // With lookups on the client's pool (Jetty's SocketAddressResolver.Async, before the fix) its 32 threads
        // hung in them, and a task given to the pool did not run until they returned.
        List<CompletableFuture<Result>> results = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            CompletableFuture<Result> done = new CompletableFuture<>();
            client.httpClient().newRequest("http://n" + i + ".test/").timeout(300, TimeUnit.MILLISECONDS)
                    .send(done::complete);
            results.add(done);
        }
        CompletableFuture<Void> task = new CompletableFuture<>();
        client.httpClient().getExecutor().execute(() -> task.complete(null));
        // Margins no loaded machine needs: the task runs at once, the requests end at their 300 ms timeout.
        task.get(5, TimeUnit.SECONDS);
        for (CompletableFuture<Result> result : results) {
            assertTrue(result.get(10, TimeUnit.SECONDS).isFailed());
        }
        assertTrue(lookups.get() <= UpstreamClient.DNS_THREADS, lookups.get() + " lookups made while all hang");
    }
}
