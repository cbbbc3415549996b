package dev.numbers.upstream;

import static dev.numbers.testing.Await.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.numbers.config.Setting;
import dev.numbers.config.SettingSource;
import dev.numbers.config.Settings;
import dev.numbers.testing.FakeUpstream;
import dev.numbers.testing.RawUpstream;
import dev.numbers.testing.UpstreamConnections;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.transport.HttpDestination;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The connection budget with the upstream client as the service builds it: an upstream whose request waits for a
 * place gets the next place freed, though nothing more is sent to it, and another upstream asking at that moment
 * cannot take it.
 */
class ConnectionBudgetHandOverTest {

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
        client = UpstreamClient.create(Settings.load(SettingSource.of(Map.of(Setting.MAX_CONNECTIONS.name(), "3",
                Setting.ALLOWED_NETWORKS.name(), "127.0.0.0/8"))));
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
    void anUpstreamWaitingForAPlaceGetsTheNextOneFreedAndNoOtherUpstreamCanTakeIt() throws Exception {
        ConnectionBudget budget = client.connectionBudget();
        // The upstream gets a pooled connection, the tarpit the budget's two other places (two, so that its pool keeps
        // a connection below: a pool with none may open its first beyond the budget).
        assertEquals(200, send(upstream.url("/ok")).result.get(10, TimeUnit.SECONDS).getResponse().getStatus());
        // One after the other: sent together, Jetty may try for a third connection while both are opening, and that
        // refusal would queue the tarpit's pool before the upstream's.
        Sent trapped = send(tarpit.url("/1"));
        awaitTrue(() -> tarpit.accepted() == 1 && queued(tarpit.port()) == 0,
                "the tarpit's first request sent");
        Sent trappedToo = send(tarpit.url("/2"));
        awaitTrue(() -> tarpit.accepted() == 2 && queued(tarpit.port()) == 0 && budget.taken() == 3,
                "the tarpit's second request sent");
        assertEquals(0, budget.waiting());
        // The first held request takes the upstream's connection; the second finds the budget spent and a pool with a
        // connection, so it waits in the upstream's queue, and the pool waits for a place. So does the tarpit's, for
        // a second request of its own.
        Sent first = send(upstream.url("/held"));
        awaitTrue(() -> held.size() == 1, "the first held request at the upstream");
        Sent second = send(upstream.url("/held"));
        awaitTrue(() -> budget.waiting() == 1, "the upstream's pool waiting for a place");
        Sent trappedAgain = send(tarpit.url("/3"));
        awaitTrue(() -> budget.waiting() == 2, "the tarpit's pool waiting for a place");
        // One of the tarpit's connections closes. Jetty then sends the tarpit's queue at once, on the closing thread,
        // but the place has been handed over to the upstream, which waited first: its queued request is sent on a new
        // connection while the first is still held. Before, a freed place woke no other pool and went to whichever
        // asked first, here the tarpit; without it the upstream's request waited for the first to end (its 60 s
        // timeout).
        trapped.request.abort(new Exception("the test frees the place"));
        assertTrue(trapped.result.get(10, TimeUnit.SECONDS).isFailed());
        awaitTrue(() -> held.size() == 2, "the second held request at the upstream");
        assertEquals(2, tarpit.accepted(), "the tarpit took the place");
        assertEquals(3, budget.taken());
        held.forEach(Runnable::run);
        held.clear();
        assertEquals(200, first.result.get(10, TimeUnit.SECONDS).getResponse().getStatus());
        assertEquals(200, second.result.get(10, TimeUnit.SECONDS).getResponse().getStatus());
        for (Sent end : java.util.List.of(trappedToo, trappedAgain)) {
            end.request.abort(new Exception("the test ends"));
            assertTrue(end.result.get(10, TimeUnit.SECONDS).isFailed());
        }
        // Every place is a connection some pool holds (the tarpit's pool may have opened one more for the request
        // aborted last, kept idle). A pool may still be queued, refused while its request was being aborted: woken,
        // it would find nothing to send and give the place back.
        awaitTrue(() -> budget.taken() == UpstreamConnections.held(client, -1), () -> "places given back: "
                + budget.taken() + " taken, " + UpstreamConnections.held(client, -1) + " connections held; "
                + client.httpClient().getDestinations());
    }

    /** A request sent, and its result. */
    private record Sent(Request request, CompletableFuture<Result> result) {
    }

    /** Sends with a timeout far beyond the test's waits: the test decides when a request ends. */
    private Sent send(String url) {
        CompletableFuture<Result> done = new CompletableFuture<>();
        Request request = client.httpClient().newRequest(url).timeout(60, TimeUnit.SECONDS);
        request.send(new BufferingResponseListener() {
            @Override
            public void onComplete(Result result) {
                done.complete(result);
            }
        });
        return new Sent(request, done);
    }

    /** Requests queued in the client for {@code port}, waiting for a connection. */
    private int queued(int port) {
        return client.httpClient().getDestinations().stream()
                .filter(d -> d.getOrigin().getAddress().getPort() == port)
                .mapToInt(d -> ((HttpDestination) d).getQueuedRequestCount()).sum();
    }
}
