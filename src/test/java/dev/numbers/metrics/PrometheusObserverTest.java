package dev.numbers.metrics;

import static dev.numbers.testing.FakeUpstream.delayed;
import static dev.numbers.testing.FakeUpstream.json;
import static dev.numbers.testing.FakeUpstream.numbers;
import static dev.numbers.testing.FakeUpstream.status;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.numbers.config.Setting;
import dev.numbers.testing.FakeUpstream;
import dev.numbers.testing.NumbersServer;
import dev.numbers.testing.Scrape;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code GET /metrics} against a real Jetty with real fake upstreams: requests whose upstreams have a known fate, and
 * the exact movement of every counter and histogram between a scrape before and a scrape after.
 *
 * <p>The service records a request's metrics right after its last byte is written, and an abandoned upstream's after
 * the answer has gone, so the scrape after waits (bounded) until the expected totals are reached and then asserts
 * each series exactly.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrometheusObserverTest {

    private static final String REQUESTS = "numbers_requests_total";
    private static final String FETCHES = "numbers_upstream_fetches_total";
    private static final String REQUEST_DURATION = "numbers_request_duration_seconds";
    private static final String UPSTREAM_DURATION = "numbers_upstream_duration_seconds";
    private static final String LATE_ANSWERS = "numbers_late_answers_total";
    private static final String BACKDATED = "numbers_arrivals_backdated_total";
    private static final String BACKDATED_SECONDS = "numbers_arrivals_backdated_seconds_total";
    private static final String IN_FLIGHT = "numbers_in_flight_requests";
    /** The default budget, and the earliest cutoff (budget less the largest safety margin, 60 ms), in seconds. */
    private static final double BUDGET = 0.5;
    private static final double EARLIEST_CUTOFF = 0.44;

    private FakeUpstream upstream;
    private NumbersServer service;

    @BeforeEach
    void start() throws Exception {
        upstream = FakeUpstream.start()
                .on("/primes", json("{\"Numbers\":[2,3,5,7,11,13]}"))
                .on("/unavailable", status(503, "{\"numbers\":[99]}"))
                .on("/slow", delayed(3_000, numbers(1000)))
                .on("/malformed", json("{\"numbers\":[1,"))
                .on("/big", json("{\"numbers\":[" + "1,".repeat(1000) + "2]}"));
        service = NumbersServer.start(Map.of(Setting.MAX_URLS.name(), "6", Setting.MAX_BODY_BYTES.name(), "1KiB"));
    }

    @AfterEach
    void stop() throws Exception {
        service.close();
        upstream.close();
    }

    @Test
    void countsEveryRequestResultAndUpstreamOutcomeExactly() throws Exception {
        String ok = upstream.url("/primes");
        String refusedByPolicy = "http://0.0.0.0:" + upstream.port() + "/x";
        String connectionRefused = "http://127.0.0.1:" + FakeUpstream.closedPort() + "/x";
        Scrape before = scrape();

        // complete: one upstream, ok
        HttpResponse<String> complete = service.get(ok);
        assertEquals("{\"numbers\":[2,3,5,7,11,13]}", complete.body());
        assertServerTiming(complete, "1/1");
        // partial: ok, 503, malformed, refused by the address policy, body over the cap, connection refused
        HttpResponse<String> failures = service.get(ok, upstream.url("/unavailable"), upstream.url("/malformed"),
                refusedByPolicy, upstream.url("/big"), connectionRefused);
        assertEquals("{\"numbers\":[2,3,5,7,11,13]}", failures.body());
        assertServerTiming(failures, "1/6");
        // partial: ok and one too slow, abandoned at the cutoff
        HttpResponse<String> late = service.get(ok, upstream.url("/slow"));
        assertEquals("{\"numbers\":[2,3,5,7,11,13]}", late.body());
        assertServerTiming(late, "1/2");
        // empty: no valid URL
        HttpResponse<String> empty = service.get("not-a-url");
        assertEquals("{\"numbers\":[]}", empty.body());
        assertServerTiming(empty, "0/0");
        // rejected: more URLs than the limit (6), and a method other than GET/HEAD
        HttpResponse<String> tooMany = service.get(ok, upstream.url("/1"), upstream.url("/2"), upstream.url("/3"),
                upstream.url("/4"), upstream.url("/5"), upstream.url("/6"));
        assertEquals(400, tooMany.statusCode());
        assertServerTiming(tooMany, null);
        HttpResponse<String> post = service.send(HttpRequest.newBuilder(service.numbersUri(List.of(ok)))
                .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(405, post.statusCode());
        assertServerTiming(post, null);

        // Each fact is a counter and a histogram, updated one after the other: wait for both.
        Scrape after = awaitScrape(s -> s.sum(REQUESTS) - before.sum(REQUESTS) == 6
                && s.sum(FETCHES) - before.sum(FETCHES) == 9
                && s.delta(before, REQUEST_DURATION + "_count") == 6
                && s.delta(before, UPSTREAM_DURATION + "_count") == 9);

        assertAll(
                () -> assertEquals(1, after.delta(before, REQUESTS, "result", "complete"), "complete"),
                () -> assertEquals(2, after.delta(before, REQUESTS, "result", "partial"), "partial"),
                () -> assertEquals(1, after.delta(before, REQUESTS, "result", "empty"), "empty"),
                () -> assertEquals(2, after.delta(before, REQUESTS, "result", "rejected"), "rejected"),
                () -> assertEquals(0, after.delta(before, REQUESTS, "result", "shed"), "shed"),

                () -> assertEquals(3, after.delta(before, FETCHES, "outcome", "ok"), "ok"),
                () -> assertEquals(1, after.delta(before, FETCHES, "outcome", "late"), "late"),
                () -> assertEquals(1, after.delta(before, FETCHES, "outcome", "http_error"), "http_error"),
                () -> assertEquals(1, after.delta(before, FETCHES, "outcome", "invalid_body"), "invalid_body"),
                () -> assertEquals(1, after.delta(before, FETCHES, "outcome", "too_large"), "too_large"),
                () -> assertEquals(1, after.delta(before, FETCHES, "outcome", "connect_error"), "connect_error"),
                () -> assertEquals(1, after.delta(before, FETCHES, "outcome", "refused"), "refused"),

                // every answer, arrival to last byte: all 6 within the budget, and only the one that waited for the
                // slow upstream past the earliest possible cutoff
                () -> assertEquals(6, after.delta(before, REQUEST_DURATION + "_count"), "request count"),
                () -> assertEquals(6, after.bucketDelta(before, REQUEST_DURATION, Double.POSITIVE_INFINITY)),
                () -> assertEquals(6, after.bucketDelta(before, REQUEST_DURATION, BUDGET), "answered by the budget"),
                () -> assertEquals(5, after.bucketDelta(before, REQUEST_DURATION, EARLIEST_CUTOFF), "answered before any cutoff"),
                () -> assertEquals(9, after.delta(before, UPSTREAM_DURATION + "_count"), "upstream count"),
                () -> assertEquals(8, after.bucketDelta(before, UPSTREAM_DURATION, 0.25), "settled well before any cutoff"),
                // the slow upstream was abandoned at the cutoff but, already sent, runs on until its total timeout
                // (budget + numbers.abandonGrace) so that its connection could be reused: it settles after the budget
                () -> assertEquals(8, after.bucketDelta(before, UPSTREAM_DURATION, BUDGET), "settled by the budget"),
                () -> assertEquals(9, after.bucketDelta(before, UPSTREAM_DURATION, 2.5), "settled by budget + grace"),

                () -> assertEquals(0, after.delta(before, LATE_ANSWERS), "late answers"),
                () -> assertEquals(0, after.value(IN_FLIGHT), "in flight after the answers"));
    }

    @Test
    void shedsBeyondTheInFlightLimitAndShowsTheRequestInFlight() throws Exception {
        service.close();
        // The held request's answer leaves at its cutoff; a margin of 100 ms keeps it before the budget on a loaded
        // machine, so that "no late answer" below is about shedding, not about that machine's scheduling.
        service = NumbersServer.start(Map.of(Setting.MAX_IN_FLIGHT.name(), "1", Setting.SAFETY_MARGIN.name(), "100ms",
                Setting.MAX_SAFETY_MARGIN.name(), "200ms"));
        Scrape before = scrape();

        CompletableFuture<HttpResponse<String>> holder = service.client().sendAsync(
                HttpRequest.newBuilder(service.numbersUri(List.of(upstream.url("/slow"))))
                        .timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        Scrape during = awaitScrape(s -> s.value(IN_FLIGHT) == 1);
        HttpResponse<String> shed = service.get(upstream.url("/primes"));
        assertEquals(503, shed.statusCode());
        assertServerTiming(shed, null);
        assertEquals("1", shed.headers().firstValue("Retry-After").orElseThrow());
        assertEquals("{\"numbers\":[]}", holder.get(5, TimeUnit.SECONDS).body());

        Scrape after = awaitScrape(s -> s.sum(REQUESTS) - before.sum(REQUESTS) == 2
                && s.sum(FETCHES) - before.sum(FETCHES) == 1 && s.value(IN_FLIGHT) == 0
                && s.delta(before, REQUEST_DURATION + "_count") == 2);
        assertAll(
                () -> assertEquals(1, during.value(IN_FLIGHT)),
                () -> assertEquals(1, after.delta(before, REQUESTS, "result", "shed"), "shed"),
                () -> assertEquals(1, after.delta(before, REQUESTS, "result", "partial"), "partial"),
                () -> assertEquals(1, after.delta(before, FETCHES, "outcome", "late"), "late"),
                () -> assertEquals(0, upstream.hits("/primes"), "a shed request fetches nothing"),
                () -> assertEquals(2, after.delta(before, REQUEST_DURATION + "_count")),
                () -> assertEquals(0, after.delta(before, LATE_ANSWERS)));
    }

    @Test
    void countsARequestThatEntersJustAfterAGcPauseAsBackdated() throws Exception {
        // The request is dated back by up to the pause, which comes off its budget: a budget far longer than any pause
        // keeps its upstream in the answer however slowly a loaded machine collects.
        service.close();
        service = NumbersServer.start(Map.of(Setting.BUDGET.name(), "5s"));
        Scrape before = scrape();
        // A full collection over ~3 million small live objects stops this JVM, and the service in it, for tens of ms
        // or more; the request sent right after enters well within twice that pause's length after its end.
        Object[] live = new Object[3_000_000];
        for (int i = 0; i < live.length; i++) {
            live[i] = new int[2];
        }
        System.gc();
        live = null;
        HttpResponse<String> answer = service.get(upstream.url("/primes"));
        Scrape after = scrape();
        assertAll(
                () -> assertEquals("{\"numbers\":[2,3,5,7,11,13]}", answer.body()),
                () -> assertEquals(1, after.delta(before, BACKDATED)),
                () -> assertTrue(after.delta(before, BACKDATED_SECONDS) >= 0.001, "dated back by under 1 ms"),
                () -> assertTrue(after.delta(before, BACKDATED_SECONDS) < 10, "dated back by 10 s or more"));
    }

    @Test
    void exposesEveryLabelAtZeroFromTheStartWithTypesAndBuckets() throws Exception {
        HttpResponse<String> response = service.send(HttpRequest.newBuilder(service.uri("/metrics"))
                .timeout(Duration.ofSeconds(5)).build());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"),
                response.headers().toString());
        String text = response.body();
        Scrape scrape = Scrape.parse(text);
        for (RequestResult result : RequestResult.values()) {
            assertEquals(0, scrape.value(REQUESTS, "result", result.label()), result.label());
        }
        for (UpstreamOutcome outcome : UpstreamOutcome.values()) {
            assertEquals(0, scrape.value(FETCHES, "outcome", outcome.label()), outcome.label());
        }
        for (AttemptKind kind : AttemptKind.values()) {
            assertEquals(0, scrape.value("numbers_upstream_attempts_total", "kind", kind.label()), kind.label());
            assertEquals(0, scrape.value("numbers_upstream_wins_total", "kind", kind.label()), kind.label());
        }
        for (ExtraAttemptRefusal reason : ExtraAttemptRefusal.values()) {
            assertEquals(0, scrape.value("numbers_upstream_extra_refused_total", "reason", reason.label()),
                    reason.label());
        }
        assertAll(
                () -> assertTrue(text.contains("# TYPE numbers_requests_total counter"), text),
                () -> assertTrue(text.contains("# TYPE numbers_upstream_fetches_total counter"), text),
                () -> assertTrue(text.contains("# TYPE numbers_request_duration_seconds histogram"), text),
                () -> assertTrue(text.contains("# TYPE numbers_upstream_duration_seconds histogram"), text),
                () -> assertTrue(text.contains("# TYPE numbers_in_flight_requests gauge"), text),
                () -> assertTrue(text.contains("# TYPE numbers_late_answers_total counter"), text),
                () -> assertTrue(text.contains("# TYPE numbers_answers_undelivered_total counter"), text),
                () -> assertTrue(text.contains("# TYPE numbers_arrivals_backdated_total counter"), text),
                () -> assertEquals(0, scrape.value(BACKDATED)),
                () -> assertEquals(0, scrape.value(LATE_ANSWERS)),
                () -> assertEquals(0, scrape.value(IN_FLIGHT)),
                () -> assertEquals(List.of(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.44,
                        0.45, 0.462, 0.5, 1.0, 2.5, Double.POSITIVE_INFINITY), scrape.bounds(REQUEST_DURATION)),
                () -> assertEquals(scrape.bounds(REQUEST_DURATION), scrape.bounds(UPSTREAM_DURATION)));
    }

    @Test
    void servesOpenMetricsAndProtobufWhenTheScraperAsksForThem() throws Exception {
        HttpResponse<String> openMetrics = service.send(HttpRequest.newBuilder(service.uri("/metrics"))
                .header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8")
                .timeout(Duration.ofSeconds(5)).build());
        assertTrue(openMetrics.headers().firstValue("Content-Type").orElseThrow()
                .startsWith("application/openmetrics-text"), openMetrics.headers().toString());
        assertTrue(openMetrics.body().contains("numbers_requests_total{result=\"complete\"} 0"), openMetrics.body());
        assertTrue(openMetrics.body().endsWith("# EOF\n"));
        HttpResponse<byte[]> protobuf = service.client().send(HttpRequest.newBuilder(service.uri("/metrics"))
                .header("Accept", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
                        + "encoding=delimited")
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertTrue(protobuf.headers().firstValue("Content-Type").orElseThrow()
                .startsWith("application/vnd.google.protobuf"), protobuf.headers().toString());
        assertTrue(protobuf.body().length > 0);
    }

    @Test
    void putsAConfiguredBudgetAndTheRangeOfItsCutoffAmongTheBuckets() throws Exception {
        service.close();
        service = NumbersServer.start(Map.of(Setting.BUDGET.name(), "800ms", Setting.SAFETY_MARGIN.name(), "40ms",
                Setting.MAX_SAFETY_MARGIN.name(), "200ms"));
        List<Double> bounds = scrape().bounds(REQUEST_DURATION);
        assertTrue(bounds.containsAll(List.of(0.6, 0.76, 0.8)), bounds.toString());
    }

    @Test
    void exposesTheJvmsStandardMetricsButNotTheOneThatWouldLeakTheWebApp() throws Exception {
        Scrape scrape = scrape();
        assertAll(
                () -> assertTrue(scrape.value("jvm_memory_used_bytes", "area", "heap") > 0),
                () -> assertTrue(scrape.value("jvm_threads_current") > 0),
                () -> assertTrue(scrape.names().contains("jvm_gc_collection_seconds_count"), scrape.names().toString()),
                () -> assertTrue(scrape.names().contains("jvm_classes_currently_loaded"), scrape.names().toString()),
                () -> assertTrue(scrape.names().contains("jvm_runtime_info"), scrape.names().toString()),
                () -> assertTrue(scrape.names().contains("process_cpu_seconds_total"), scrape.names().toString()),
                () -> assertFalse(scrape.names().contains("jvm_memory_pool_allocated_bytes_total"),
                        "its collector leaves a listener on the platform's GC beans"));
    }

    @Test
    void keepsOneRegistryPerWebApplicationAndClearsItOnStop() throws Exception {
        try (NumbersServer other = NumbersServer.start()) {
            Scrape otherBefore = Scrape.of(other);
            Scrape before = scrape(); // not zero when this is the JVM's first service: it served the warm-up
            service.get(upstream.url("/primes"));
            awaitScrape(s -> s.delta(before, REQUESTS, "result", "complete") == 1);
            assertEquals(0, Scrape.of(other).delta(otherBefore, REQUESTS, "result", "complete"),
                    "a request to one web application moved the other's counter");
        }
        PrometheusObserver observer = (PrometheusObserver) service.service().observer();
        assertFalse(observer.registry().scrape().size() == 0);
        service.close();
        assertEquals(0, observer.registry().scrape().size(), "metrics left registered after the web application stopped");
    }

    // ---- helpers ----

    private Scrape scrape() throws Exception {
        return Scrape.of(service);
    }

    private Scrape awaitScrape(Predicate<Scrape> done) throws Exception {
        return Scrape.await(service, done);
    }

    /** {@code total;dur=…} and, unless {@code tally} is null (an error answer), the upstream tally. */
    private static void assertServerTiming(HttpResponse<String> response, String tally) {
        String timing = response.headers().firstValue("Server-Timing").orElseThrow();
        String expected = "total;dur=\\d+\\.\\d(, cutoff;dur=\\d+\\.\\d)?"
                + (tally == null ? "" : ", upstreams;desc=\"" + tally + "\"") + ", arrival;desc=\"\\d+\"";
        assertTrue(timing.matches(expected), timing);
    }
}
