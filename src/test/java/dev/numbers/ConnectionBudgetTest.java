package dev.numbers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The connection budget with the upstream client as the service builds it: an upstream whose request waits for a
 * place gets the next place freed, though nothing more is sent to it.
 */
class ConnectionBudgetTest {

    private FakeUpstream upstream;
    private RawUpstream tarpit;
    private UpstreamClient client;
    /** Answers of the upstream's {@code /held} requests, sent when the test says. */
    private final Queue<Runnable> held = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void start() throws Exception {
        upstream = FakeUpstream.start()
                .on("/ok", FakeUpstream.numbers(1))
                .on("/held", (request, response, callback, scheduler) -> held.add(() -> {
                    response.setStatus(200);
                    response.write(true, ByteBuffer.wrap("{\"numbers\":[2]}".getBytes(StandardCharsets.UTF_8)),
                            callback);
                }));
        tarpit = RawUpstream.start(RawUpstream.silent());
        client = UpstreamClient.create(Settings.load(SettingSource.of(Map.of(Settings.MAX_CONNECTIONS, "2",
                Settings.ALLOWED_NETWORKS, "127.0.0.0/8"))));
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        held.forEach(Runnable::run);
        client.stop();
        tarpit.close();
        upstream.close();
    }

    @Test
    void anUpstreamWaitingForAPlaceGetsTheNextOneFreedThoughNothingMoreIsSentToIt() throws Exception {
        ConnectionBudget budget = client.connections();
        // The upstream gets a pooled connection, the tarpit the budget's other place.
        assertEquals(200, send(upstream.url("/ok"), 5).get(10, TimeUnit.SECONDS).getResponse().getStatus());
        CompletableFuture<Result> trapped = send(tarpit.url("/"), 1);
        await(() -> tarpit.accepted() == 1 && budget.taken() == 2, "the tarpit's connection");
        // The first held request takes the upstream's connection; the second finds the budget spent and a pool with a
        // connection, so it waits in the upstream's queue, and the pool waits for a place.
        CompletableFuture<Result> first = send(upstream.url("/held"), 60);
        await(() -> held.size() == 1, "the first held request at the upstream");
        CompletableFuture<Result> second = send(upstream.url("/held"), 60);
        await(() -> budget.waiting() == 1, "the upstream's pool waiting for a place");
        assertEquals(1, held.size());
        // The tarpit's request times out and its connection closes: the place goes to the waiting pool, which opens a
        // connection for its queued request while the first is still held. Before, that request waited for the
        // first to end (here: its 60 s timeout): a freed place woke no other pool.
        assertTrue(trapped.get(10, TimeUnit.SECONDS).isFailed());
        await(() -> held.size() == 2, "the second held request at the upstream");
        assertEquals(0, budget.waiting());
        held.forEach(Runnable::run);
        held.clear();
        assertEquals(200, first.get(10, TimeUnit.SECONDS).getResponse().getStatus());
        assertEquals(200, second.get(10, TimeUnit.SECONDS).getResponse().getStatus());
        assertEquals(2, budget.taken(), "the upstream's two connections");
    }

    private CompletableFuture<Result> send(String url, int timeoutSeconds) {
        CompletableFuture<Result> done = new CompletableFuture<>();
        client.httpClient().newRequest(url).timeout(timeoutSeconds, TimeUnit.SECONDS)
                .send(new BufferingResponseListener() {
                    @Override
                    public void onComplete(Result result) {
                        done.complete(result);
                    }
                });
        return done;
    }

    /** Waits up to 10 s, a margin no loaded machine needs, for what the test expects next. */
    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(5);
        }
    }
}
