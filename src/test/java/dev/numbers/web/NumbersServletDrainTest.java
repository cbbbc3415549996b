package dev.numbers.web;

import static dev.numbers.testing.Await.awaitTrue;
import static dev.numbers.testing.FakeUpstream.delayed;
import static dev.numbers.testing.FakeUpstream.json;
import static dev.numbers.testing.FakeUpstream.never;
import static dev.numbers.testing.FakeUpstream.numbers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.numbers.config.Setting;
import dev.numbers.testing.FakeUpstream;
import dev.numbers.testing.NumbersServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The drain ({@link Drain#run()}, which {@code SIGTERM} starts: {@code DrainOnSigtermTest}) in a real server: {@code
 * /health} answers {@code 503} at once while {@code /numbers} serves for the drain period; then new aggregations get a
 * fast {@code 503}, and the drain returns only once the answers in flight are written.
 */
class NumbersServletDrainTest {

    private static final String PRIMES = "{\"numbers\":[2,3,5,7,11,13]}";

    private FakeUpstream upstream;

    @BeforeEach
    void start() throws Exception {
        upstream = FakeUpstream.start()
                .on("/primes", json(PRIMES))
                .on("/late", delayed(300, numbers(300)))
                .on("/never", never());
    }

    @AfterEach
    void stop() throws Exception {
        upstream.close();
    }

    @Test
    void healthSaysDrainingAtOnceWhileNumbersServesForTheDrainPeriodThenNewAggregationsAreRefused()
            throws Exception {
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.DRAIN_PERIOD.name(), "2s"))) {
            Drain drain = service.service().drain();
            CompletableFuture<HttpResponse<String>> inFlight = sendAsync(service, upstream.url("/primes"),
                    upstream.url("/late"));
            awaitTrue(() -> upstream.hits("/late") == 1, "the aggregation in flight never asked its late upstream");

            long start = System.nanoTime();
            CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> {
                try {
                    drain.run();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            awaitTrue(drain::draining, "the drain did not begin");
            HttpResponse<String> health = service.send(get(service, "/health"));
            assertEquals(503, health.statusCode());
            assertEquals("{\"status\":\"draining\"}", health.body());

            HttpResponse<String> during = service.get(upstream.url("/primes"));
            long duringMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(200, during.statusCode());
            assertEquals(PRIMES, during.body());
            assertTrue(duringMillis < 2_000, "answered " + duringMillis + " ms into a 2 s drain period: a machine this "
                    + "slow proves nothing about the period");

            HttpResponse<String> answer = inFlight.get(5, TimeUnit.SECONDS);
            assertEquals("{\"numbers\":[2,3,5,7,11,13,300]}", answer.body(), "the answer in flight, whole");

            awaitTrue(() -> !drain.admits(), "admission still open 10 s after a 2 s drain period");
            long closedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(closedMillis >= 2_000, "admission closed " + closedMillis + " ms into a 2 s drain period");
            HttpResponse<String> after = service.get(upstream.url("/primes"));
            assertEquals(503, after.statusCode());
            assertEquals("1", after.headers().firstValue("Retry-After").orElseThrow());
            assertEquals("application/problem+json", after.headers().firstValue("Content-Type").orElseThrow());
            assertTrue(after.body().contains("\"type\":\"urn:numbers:problem:stopping\""), after.body());
            assertEquals(503, service.send(get(service, "/health")).statusCode());
            assertEquals("{\"numbers\":[]}", service.get("not-a-url").body(), "answers without a fan-out go on");

            drained.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void theDrainReturnsOnlyOnceTheAnswersInFlightAreWritten() throws Exception {
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.DRAIN_PERIOD.name(), "100ms"))) {
            // Answered at the budget's cutoff, some 400 ms after the drain period is over.
            CompletableFuture<HttpResponse<String>> inFlight = sendAsync(service, upstream.url("/primes"),
                    upstream.url("/never"));
            awaitTrue(() -> upstream.hits("/never") == 1, "the aggregation in flight never asked its upstream");

            service.service().drain().run();

            // A slot is released once the container has completed the exchange: the answer has been written.
            assertEquals(0, service.service().limiter().inFlight(), "the drain returned with an aggregation in flight");
            assertEquals(PRIMES, inFlight.get(5, TimeUnit.SECONDS).body());
        }
    }

    private static CompletableFuture<HttpResponse<String>> sendAsync(NumbersServer service, String... urls) {
        return service.client().sendAsync(HttpRequest.newBuilder(service.numbersUri(List.of(urls)))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest get(NumbersServer service, String path) {
        return HttpRequest.newBuilder(service.uri(path)).timeout(Duration.ofSeconds(5)).build();
    }
}
