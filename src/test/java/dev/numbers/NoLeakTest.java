package dev.numbers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.Destination;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Thousands of requests with upstreams of every fate — fast, 503, malformed, reset, refused, never answering — leave
 * nothing behind: no in-flight slot, no reserved body byte, no growing thread count, no connection beyond the peak,
 * no pending upstream request.
 */
class NoLeakTest {

    private static final int REQUESTS = 2_000;
    private static final int CONCURRENCY = 50;

    private FakeUpstream upstream;
    private RawUpstream reset;
    private NumbersServer service;

    @BeforeEach
    void start() throws Exception {
        upstream = FakeUpstream.start()
                .on("/ok", FakeUpstream.numbers(1, 2, 3))
                .on("/unavailable", FakeUpstream.status(503, "{}"))
                .on("/malformed", FakeUpstream.json("{\"numbers\":[1,"))
                .on("/never", FakeUpstream.never());
        reset = RawUpstream.start(RawUpstream.reset());
        // The in-flight limit is fixed: on a loaded machine a late answer would rightly make the adaptive limit shed
        // with 503s, which is not what this test is about (InFlightLimiterTest, OperationalEndpointsTest).
        service = NumbersServer.start(NumbersServer.FIXED_IN_FLIGHT_LIMIT);
    }

    @AfterEach
    void stop() throws Exception {
        service.close();
        reset.close();
        upstream.close();
    }

    @Test
    void thousandsOfRequestsOfEveryFateLeaveNothingBehind() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        List<String> fates = List.of(upstream.url("/ok"), upstream.url("/unavailable"), upstream.url("/malformed"),
                reset.url("/x"), "http://127.0.0.1:" + closedPort + "/refused", "http://0.0.0.0:" + closedPort + "/policy");
        // Two rounds, the thread count printed after each: after both, threads, in-flight slots, body bytes, queued
        // requests and pooled connections must be within their bounds.
        round(fates, 0);
        long threadsAfterFirst = clientThreads();
        round(fates, REQUESTS / 2);
        long threadsAfterSecond = clientThreads();

        NumbersService running = service.service();
        awaitTrue(() -> running.limiter().inFlight() == 0, "in-flight slots held");
        awaitTrue(() -> running.bodies().inUse() == 0, "body bytes reserved");
        awaitTrue(() -> pending(running) == 0, "upstream requests still queued or active");
        int connections = 0;
        for (Destination destination : running.client().httpClient().getDestinations()) {
            connections += ((AbstractConnectionPool) destination.getConnectionPool()).getConnectionCount();
        }
        System.out.printf("NoLeakTest: %d requests, upstream client threads %d after the first half / %d after the "
                + "second, %d pooled "
                + "upstream connections%n", REQUESTS, threadsAfterFirst, threadsAfterSecond, connections);
        // At most 6 fetches of a request share a destination: the pool follows the peak concurrency (kept-alive
        // connections are reused), not the ~12 000 fetches made.
        assertTrue(connections <= 6 * CONCURRENCY, connections + " pooled connections for " + CONCURRENCY + " clients");
        // The client's threads are a pool of at most 32, its selectors (1 to 4) and one timer: a per-request thread
        // would have made hundreds. Growth between the rounds within that bound is the pool warming up, not a leak.
        assertTrue(threadsAfterSecond <= 32 + 4 + 1, threadsAfterSecond + " upstream client threads");
    }

    @Test
    void originsThatCallersNameAreForgottenOnceIdle() throws Exception {
        // Jetty's client keeps a destination (queue, connection pool) per origin, and callers choose the origins.
        // Before the fix, ~3 000 requests naming 64 distinct origins each filled a 256 MB heap: destinations were
        // never dropped, and each kept the exchange of a fetch abandoned before Jetty had queued it (see
        // UpstreamFetch.abandon), with its aggregation. 50 requests here, 50 at once, name 3 200 loopback origins
        // (127.0.i.j) on a closed port: each connect is refused at once.
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        for (HttpResponse<String> answer : sendAll(distinctOrigins(i -> "http://127.0." + (i + 1) + ".", ":" + closedPort))) {
            assertEquals("{\"numbers\":[]}", answer.body());
        }
        NumbersService running = service.service();
        awaitTrue(() -> destinations(running, "127.0.") == 0, "destinations of the refused origins are still kept");
    }

    @Test
    void ipLiteralsThePolicyRefusesNeverBecomeDestinations() throws Exception {
        // Refused before the client sees them: 640 origins on private addresses leave no destination even for the
        // second that an idle one is kept.
        List<List<String>> requests = distinctOrigins(i -> "http://10.0." + i + ".", ":1000").subList(0, 10);
        for (HttpResponse<String> answer : sendAll(requests)) {
            assertEquals("{\"numbers\":[]}", answer.body());
        }
        assertEquals(0, destinations(service.service(), "10.0."), "destinations made for refused literals");
    }

    /** 50 requests of 64 URLs each, {@code prefix(i) + j + suffix + "/"}: 3 200 distinct origins. */
    private static List<List<String>> distinctOrigins(java.util.function.IntFunction<String> prefix, String suffix) {
        List<List<String>> requests = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            List<String> urls = new ArrayList<>();
            for (int j = 0; j < 64; j++) {
                urls.add(prefix.apply(i) + j + suffix + "/");
            }
            requests.add(urls);
        }
        return requests;
    }

    /** Destinations whose host starts with {@code prefix}, other than 127.0.0.* (the fixtures' upstreams). */
    private static long destinations(NumbersService running, String prefix) {
        return running.client().httpClient().getDestinations().stream()
                .map(d -> d.getOrigin().getAddress().getHost())
                .filter(host -> host.startsWith(prefix) && !host.startsWith("127.0.0."))
                .count();
    }

    /** The service's own threads (pool, selector, timer); the test's fixtures have threads of their own. */
    private static long clientThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("numbers-client"))
                .count();
    }

    private void round(List<String> fates, int first) throws Exception {
        List<List<String>> requests = new ArrayList<>();
        for (int i = first; i < first + REQUESTS / 2; i++) {
            List<String> urls = new ArrayList<>(fates);
            urls.add(upstream.url("/ok?i=" + i)); // a distinct URL per request
            if (i % 20 == 0) {
                urls.add(upstream.url("/never")); // one request in twenty waits for the deadline
            }
            requests.add(urls);
        }
        for (HttpResponse<String> answer : sendAll(requests)) {
            assertEquals(200, answer.statusCode());
        }
    }

    /** Sends one request per list of URLs, {@value #CONCURRENCY} at a time, and returns the answers in order. */
    private List<HttpResponse<String>> sendAll(List<List<String>> requests) throws Exception {
        Semaphore window = new Semaphore(CONCURRENCY);
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (List<String> urls : requests) {
            window.acquire();
            answers.add(service.client().sendAsync(HttpRequest.newBuilder(service.numbersUri(urls))
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString())
                    .whenComplete((r, x) -> window.release()));
        }
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        List<HttpResponse<String>> done = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            done.add(answer.get());
        }
        return done;
    }

    private static int pending(NumbersService running) {
        int active = 0;
        for (Destination destination : running.client().httpClient().getDestinations()) {
            AbstractConnectionPool pool = (AbstractConnectionPool) destination.getConnectionPool();
            active += pool.getActiveConnectionCount() + pool.getPendingConnectionCount();
        }
        return active;
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(condition.getAsBoolean(), what);
    }
}
