package dev.numbers.web;

import static dev.numbers.testing.Await.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.numbers.config.Setting;
import dev.numbers.testing.FakeUpstream;
import dev.numbers.testing.NumbersServer;
import dev.numbers.testing.RawUpstream;
import dev.numbers.testing.Scrape;
import dev.numbers.testing.UpstreamConnections;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.util.component.Container;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Thousands of requests with upstreams of every fate — fast, 503, malformed, reset, refused, never answering — leave
 * nothing behind: no in-flight slot, no reserved body byte, no growing thread count, no connection beyond the peak,
 * no pending upstream request.
 */
class NumbersServletNoLeakTest {

    private static final int REQUESTS = 2_000;
    private static final int CONCURRENCY = 50;
    private static final String FETCHES = "numbers_upstream_fetches_total";

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
        // with 503s, which is not what this test is about (InFlightLimiterTest, NumbersContextListenerEndpointsTest).
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
        int closedPort = FakeUpstream.closedPort();
        List<String> fates = List.of(upstream.url("/ok"), upstream.url("/unavailable"), upstream.url("/malformed"),
                reset.url("/x"), "http://127.0.0.1:" + closedPort + "/refused", "http://0.0.0.0:" + closedPort + "/policy");
        // Two rounds, the thread count printed after each: after both, threads, in-flight slots, body bytes, queued
        // requests and pooled connections must be within their bounds.
        round(fates, 0);
        long threadsAfterFirst = NothingHeld.clientThreads();
        round(fates, REQUESTS / 2);
        long threadsAfterSecond = NothingHeld.clientThreads();

        NumbersService running = service.service();
        NothingHeld.await(running);
        int connections = connections(running, -1);
        System.out.printf("NumbersServletNoLeakTest: %d requests, upstream client threads %d after the first half / "
                + "%d after the second, %d pooled upstream connections%n", REQUESTS, threadsAfterFirst, threadsAfterSecond, connections);
        // At most 6 fetches of a request share a destination, each with at most two requests in flight (a retry or
        // a hedge): the pool follows that peak concurrency (kept-alive connections are reused), not the ~14 000
        // requests made.
        assertTrue(connections <= 2 * 6 * CONCURRENCY, connections + " pooled connections for " + CONCURRENCY
                + " clients");
        // The client's threads are a pool of at most 32, its selectors (1 to 4) and one timer: a per-request thread
        // would have made hundreds. Growth between the rounds within that bound is the pool warming up, not a leak.
        assertTrue(threadsAfterSecond <= NothingHeld.CLIENT_THREADS, threadsAfterSecond + " upstream client threads");
    }

    @Test
    void originsThatCallersNameAreForgottenOnceIdle() throws Exception {
        // Jetty's client keeps a destination (queue, connection pool) per origin, and callers choose the origins.
        // Before the fix, ~3 000 requests naming 64 distinct origins each filled a 256 MB heap: destinations were
        // never dropped, and each kept the exchange of a fetch abandoned before Jetty had queued it (see
        // UpstreamFetch.abandon), with its aggregation. 50 requests here, 50 at once, name 3 200 loopback origins
        // (127.0.i.j) on a closed port: each connect is refused at once.
        int closedPort = FakeUpstream.closedPort();
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

    @Test
    void originsBeyondTheLimitAreNotSentWhileUpstreamsInUseGoOn() throws Exception {
        // 50 requests, 50 at once, each naming the upstream in use and 63 loopback origins on a closed port: 3 150
        // origins the client would keep a destination for while connecting and for a second after. With the limit at
        // 64 the client never holds more than 64 destinations plus one per request being sent at that moment (the
        // check and the creation are not atomic, see OriginLimit); the upstream in use keeps its pooled connection,
        // hence its destination, and answers every request.
        int closedPort = FakeUpstream.closedPort();
        // A budget of 2 s: 50 requests of 64 origins at once load the machine that runs the test too, and every
        // answer must still hold the upstream in use.
        try (NumbersServer limited = NumbersServer.start(java.util.Map.of(Setting.MAX_ORIGINS.name(), "64",
                Setting.MIN_IN_FLIGHT.name(), "512", Setting.MAX_IN_FLIGHT.name(), "512",
                Setting.BUDGET.name(), "2s"))) {
            assertEquals("{\"numbers\":[1,2,3]}", limited.get(upstream.url("/ok")).body());
            DestinationWatermark most = DestinationWatermark.on(limited);
            Scrape before = Scrape.of(limited);
            List<List<String>> requests = distinctOrigins(i -> "http://127.0." + (i + 1) + ".", ":" + closedPort);
            requests.forEach(urls -> urls.set(0, upstream.url("/ok")));
            for (HttpResponse<String> answer : sendAll(limited, requests, Duration.ofSeconds(10))) {
                assertEquals("{\"numbers\":[1,2,3]}", answer.body());
            }
            // Metrics are recorded as each aggregation ends, which may be just after its answer has left.
            Scrape after = Scrape.await(limited, s -> s.delta(before, FETCHES, "outcome", "ok") >= 50);
            double notSent = after.delta(before, FETCHES, "outcome", "too_many_origins");
            assertTrue(notSent > 0, "no fetch was refused for the origin limit");
            assertTrue(most.highest() <= 64 + CONCURRENCY, most.highest() + " destinations with the limit at 64");
            assertEquals(50, after.delta(before, FETCHES, "outcome", "ok"), "fetches of /ok");
            double gauge = after.value("numbers_upstream_origins");
            assertTrue(gauge >= 1 && gauge <= 64 + CONCURRENCY, "numbers_upstream_origins " + gauge);
            System.out.printf("NumbersServletNoLeakTest: origin limit 64, at most %d destinations, %.0f fetches not "
                    + "sent%n",
                    most.highest(), notSent);
        }
    }

    @Test
    void redirectHopsCannotCreateOriginsBeyondTheLimit() throws Exception {
        // An upstream in use (its origin has a destination, so fetches to it are sent) that redirects each request to
        // a new origin: the hops are checked where Jetty looks their destinations up, like any request. Limit 2: the
        // upstream's destination and one more; the first hop's destination lives a second after it fails, so the
        // next hops, sent within that second, are refused.
        int closedPort = FakeUpstream.closedPort();
        for (int i = 0; i < 20; i++) {
            upstream.on("/hop" + i, FakeUpstream.redirect(302, "http://127.0.9." + (i + 1) + ":" + closedPort + "/x"));
        }
        try (NumbersServer limited = NumbersServer.start(java.util.Map.of(Setting.MAX_ORIGINS.name(), "2",
                Setting.MIN_IN_FLIGHT.name(), "512", Setting.MAX_IN_FLIGHT.name(), "512"))) {
            assertEquals("{\"numbers\":[1,2,3]}", limited.get(upstream.url("/ok")).body());
            DestinationWatermark most = DestinationWatermark.on(limited);
            Scrape before = Scrape.of(limited);
            for (int i = 0; i < 20; i++) {
                String answer = limited.get(upstream.url("/ok"), upstream.url("/hop" + i)).body();
                assertEquals("{\"numbers\":[1,2,3]}", answer);
            }
            Scrape after = Scrape.await(limited, s -> s.delta(before, FETCHES, "outcome", "ok") >= 20);
            assertTrue(after.delta(before, FETCHES, "outcome", "too_many_origins") > 0,
                    "no redirect hop was refused for the origin limit:\n" + after.text());
            // One request at a time: at most one check can race a creation.
            assertTrue(most.highest() <= 3, most.highest() + " destinations with the limit at 2");
        }
    }

    @Test
    void upstreamsThatNeverAnswerHoldNoMoreConnectionsThanTheBudget() throws Exception {
        // A tarpit: it accepts connections and never answers, so each fetch to it holds its connection for the budget
        // and the grace. 10 requests at once, each naming the upstream in use and 16 tarpit URLs: 160 connections
        // without a budget (one upstream may have 2 048). With numbers.maxConnections at 8, the tarpit never has more
        // than 8 open at once (fewer: the upstream in use holds one or two places), the upstream in use serves every
        // request over its pooled connections, and every place comes back once the tarpit's connections are closed.
        try (RawUpstream tarpit = RawUpstream.start(RawUpstream.silent());
                NumbersServer limited = NumbersServer.start(java.util.Map.of(Setting.MAX_CONNECTIONS.name(), "8",
                        Setting.MIN_IN_FLIGHT.name(), "512", Setting.MAX_IN_FLIGHT.name(), "512"))) {
            assertEquals("{\"numbers\":[1,2,3]}", limited.get(upstream.url("/ok")).body());
            List<List<String>> requests = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                List<String> urls = new ArrayList<>(List.of(upstream.url("/ok")));
                for (int j = 0; j < 16; j++) {
                    urls.add(tarpit.url("/t" + i + "-" + j));
                }
                requests.add(urls);
            }
            for (HttpResponse<String> answer : sendAll(limited, requests, Duration.ofSeconds(5))) {
                assertEquals("{\"numbers\":[1,2,3]}", answer.body());
            }
            assertTrue(tarpit.mostOpen() <= 8, tarpit.mostOpen() + " connections open at once to the tarpit, budget 8");
            assertTrue(tarpit.accepted() > 0, "the tarpit was never connected to");
            NumbersService running = limited.service();
            // The tarpit's fetches end at the budget plus the grace (1.5 s), which closes their connections: then the
            // budget holds exactly the connections still pooled (the upstream in use's).
            awaitTrue(() -> connections(running, tarpit.port()) == 0
                    && running.client().connectionCount() == connections(running, -1),
                    "places of closed connections not given back");
        }
    }

    @Test
    void namesThatDoNotResolveCannotHoldUpAnswers() throws Exception {
        // 50 requests, 50 at once, each naming the upstream in use and 63 host names that cannot resolve (.invalid,
        // RFC 6761). Before the fix the lookups ran on the client's pool: with a system resolver slow under such a
        // burst they held every pool thread, the deadline tasks and answers queued behind them, and the service
        // answered nothing but 503 for minutes. Whatever the machine's DNS does with these names, every answer must
        // come within the budget and a generous slack, with the numbers of the upstream that did answer.
        // A budget of 1.5 s: the burst of 3 200 lookups loads the machine that runs the test as well, and the answer
        // must hold the upstream that answered however slow that makes the service (within the budget and slack).
        List<List<String>> requests = distinctOrigins(i -> "http://n" + i + "-", ".invalid");
        requests.forEach(urls -> urls.set(0, upstream.url("/ok")));
        try (NumbersServer patient = NumbersServer.start(java.util.Map.of(Setting.BUDGET.name(), "1500ms"))) {
            for (HttpResponse<String> answer : sendAll(patient, requests, Duration.ofSeconds(3))) {
                assertEquals("{\"numbers\":[1,2,3]}", answer.body());
            }
            assertEquals("{\"numbers\":[1,2,3]}", patient.get(upstream.url("/ok")).body());
            // A slot is released once the container has completed the exchange, a moment after the answer has left.
            NumbersService running = patient.service();
            awaitTrue(() -> running.limiter().inFlight() == 0, "aggregations still in flight");
        }
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
        return sendAll(service, requests, Duration.ofSeconds(10));
    }

    /**
     * Sends one request per list of URLs to {@code target}, {@value #CONCURRENCY} at a time, each failing the test
     * unless answered within {@code timeout}, and returns the answers in order.
     */
    private static List<HttpResponse<String>> sendAll(NumbersServer target, List<List<String>> requests,
            Duration timeout) throws Exception {
        Semaphore window = new Semaphore(CONCURRENCY);
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (List<String> urls : requests) {
            window.acquire();
            answers.add(target.client().sendAsync(HttpRequest.newBuilder(target.numbersUri(urls))
                            .timeout(timeout).build(), HttpResponse.BodyHandlers.ofString())
                    .whenComplete((r, x) -> window.release()));
        }
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        List<HttpResponse<String>> done = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            done.add(answer.get());
        }
        return done;
    }

    /** Connections the client holds to the loopback upstream on {@code port}, or to every upstream for -1. */
    private static int connections(NumbersService running, int port) {
        return UpstreamConnections.held(running.client(), port);
    }

    /** Counts the client's destinations as they are made and dropped, and keeps the highest count seen. */
    private static final class DestinationWatermark implements Container.Listener {
        private final AtomicInteger now = new AtomicInteger();
        private final AtomicInteger highest = new AtomicInteger();

        /** Registers on the service's client; existing destinations are counted at once. */
        static DestinationWatermark on(NumbersServer server) {
            DestinationWatermark watermark = new DestinationWatermark();
            server.service().client().httpClient().addEventListener(watermark);
            return watermark;
        }

        int highest() {
            return highest.get();
        }

        @Override
        public void beanAdded(Container parent, Object child) {
            if (child instanceof Destination) {
                highest.accumulateAndGet(now.incrementAndGet(), Math::max);
            }
        }

        @Override
        public void beanRemoved(Container parent, Object child) {
            if (child instanceof Destination) {
                now.decrementAndGet();
            }
        }
    }
}
