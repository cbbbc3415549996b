package dev.numbers.aggregation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.numbers.testing.Answers;
import dev.numbers.testing.FakeUpstream;
import dev.numbers.testing.NumbersServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * 200 requests, 20 at a time after a short warm-up, each with one upstream that never answers and one that answers
 * at once: every answer carries the fast upstream's numbers and leaves by the budget. The slowest time is printed
 * (server-measured: arrival to answer written; and client-measured). The assertions bound both with a slack that a
 * loaded 2-core machine cannot break but a service that waited for the hanging upstream, or missed its own deadline
 * timer, would; lateness itself is measured by the pinned benchmark.
 */
class AggregationDeadlineTest {

    private static final int REQUESTS = 200;
    private static final int CONCURRENCY = 20;
    private static final long CLIENT_BOUND_MILLIS = 1_500;
    /** What a loaded 2-core test machine may add to the server-measured time; the benchmark measures lateness. */
    private static final long SCHEDULING_SLACK_MILLIS = 250;

    private FakeUpstream upstream;
    private NumbersServer service;

    @BeforeEach
    void start() throws Exception {
        upstream = FakeUpstream.start()
                .on("/never", FakeUpstream.never())
                .on("/fast", FakeUpstream.numbers(3, 1, 2));
        // The in-flight limit is fixed: on a loaded machine a late answer would rightly make the adaptive limit shed
        // with 503s, which is not what this test is about (InFlightLimiterTest, NumbersContextListenerEndpointsTest).
        service = NumbersServer.start(NumbersServer.FIXED_IN_FLIGHT_LIMIT);
    }

    @AfterEach
    void stop() throws Exception {
        service.close();
        upstream.close();
    }

    @Test
    void twoHundredRequestsWithAHangingUpstreamAllAnswerWithinTheBudget() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(service.numbersUri(List.of(upstream.url("/never"), upstream.url("/fast"))))
                .timeout(Duration.ofSeconds(10)).build();
        // A cold JVM interprets its first requests; warm the paths up so the figure is about the deadline.
        for (int i = 0; i < 20; i++) {
            service.send(HttpRequest.newBuilder(service.numbersUri(List.of(upstream.url("/fast"))))
                    .timeout(Duration.ofSeconds(10)).build());
        }
        Semaphore window = new Semaphore(CONCURRENCY);
        List<CompletableFuture<Long>> clientMillis = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            window.acquire();
            long sent = System.nanoTime();
            CompletableFuture<HttpResponse<String>> response = service.client()
                    .sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .whenComplete((r, x) -> window.release());
            responses.add(response);
            clientMillis.add(response.thenApply(r -> (System.nanoTime() - sent) / 1_000_000));
        }
        CompletableFuture.allOf(clientMillis.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        double slowestServer = 0;
        long slowestClient = 0;
        for (int i = 0; i < REQUESTS; i++) {
            HttpResponse<String> response = responses.get(i).get();
            assertEquals(200, response.statusCode());
            assertEquals("{\"numbers\":[1,2,3]}", response.body());
            slowestServer = Math.max(slowestServer, Answers.serverMillis(response));
            slowestClient = Math.max(slowestClient, clientMillis.get(i).get());
        }
        System.out.printf("AggregationDeadlineTest: %d requests, slowest answer %.1fms server-measured, "
                + "%dms client-measured%n",
                REQUESTS, slowestServer, slowestClient);
        assertTrue(slowestServer < 500 + SCHEDULING_SLACK_MILLIS, "slowest answer written " + slowestServer
                + "ms after arrival");
        assertTrue(slowestClient < CLIENT_BOUND_MILLIS, "slowest answer took " + slowestClient + "ms at the client");
    }
}
