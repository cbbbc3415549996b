package dev.numbers.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.numbers.config.Setting;
import dev.numbers.config.Settings;
import dev.numbers.testing.FakeUpstream;
import dev.numbers.testing.NumbersServer;
import dev.numbers.testing.Scrape;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code /health} and the placement of the operational endpoints: registered by {@link NumbersContextListener} at
 * {@code numbers.healthPath} / {@code numbers.metricsPath}, absent when a path is {@code off}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NumbersContextListenerEndpointsTest {

    @Test
    void healthAnswers200WithASmallJsonBodyWhileTheServiceCanServe() throws Exception {
        try (NumbersServer service = NumbersServer.start()) {
            HttpResponse<String> health = get(service, "/health");
            assertEquals(200, health.statusCode());
            assertEquals("application/json", health.headers().firstValue("Content-Type").orElseThrow());
            assertEquals("no-store", health.headers().firstValue("Cache-Control").orElseThrow());
            int ceiling = Settings.defaults().maxInFlight();
            assertEquals("{\"status\":\"up\",\"inFlight\":0,\"inFlightLimit\":" + ceiling + ",\"maxInFlight\":" + ceiling
                    + "}", health.body());
        }
    }

    @Test
    void healthAnswers503OnceTheUpstreamClientHasStopped() throws Exception {
        try (NumbersServer service = NumbersServer.start()) {
            service.service().client().stop();
            HttpResponse<String> health = get(service, "/health");
            assertEquals(503, health.statusCode());
            assertEquals("{\"status\":\"down\"}", health.body());
        }
    }

    @Test
    void aLateAnswerLowersTheInFlightLimitShownByHealthAndMetrics() throws Exception {
        // With no margin the answer to a never-answering upstream leaves at the budget, i.e. late by construction.
        try (FakeUpstream upstream = FakeUpstream.start().on("/never", FakeUpstream.never());
                NumbersServer service = NumbersServer.start(Map.of(Setting.SAFETY_MARGIN.name(), "0ms",
                        Setting.MAX_SAFETY_MARGIN.name(), "0ms", Setting.MIN_IN_FLIGHT.name(), "2",
                        Setting.MAX_IN_FLIGHT.name(), "8"))) {
            // Measured from here: this JVM's first service (the fixture's warm-up) may already have answered late.
            Scrape before = Scrape.of(service);
            int limit = (int) before.value("numbers_in_flight_limit");
            int expected = Math.max(2, (int) (limit * InFlightLimiter.BACKOFF_RATIO)); // less a quarter, not below the floor
            HttpResponse<String> answer = service.get(upstream.url("/never"));
            assertEquals(200, answer.statusCode());
            Scrape after = Scrape.await(service, s -> s.delta(before, "numbers_late_answers_total") == 1
                    && s.value("numbers_in_flight_limit") == expected);
            assertEquals(1, after.delta(before, "numbers_late_answers_total"), after.text());
            assertEquals(expected, after.value("numbers_in_flight_limit"), after.text());
            assertEquals("{\"status\":\"up\",\"inFlight\":0,\"inFlightLimit\":" + expected + ",\"maxInFlight\":8}",
                    get(service, "/health").body());
        }
    }

    @Test
    void metricsShowTheSafetyMarginAtItsFloorWhileIdle() throws Exception {
        try (NumbersServer service = NumbersServer.start()) {
            assertEquals(Settings.defaults().safetyMargin().toNanos() / 1e9,
                    Scrape.of(service).value("numbers_safety_margin_seconds"), 1e-9);
        }
    }

    @Test
    void anAnswerWrittenAfterItsCutoffRaisesTheSafetyMarginShownByMetrics() throws Exception {
        // With a floor of 0 the answer to a never-answering upstream is written after its cutoff at the budget: its
        // lag raises the margin to 1.5 times the lag plus 2 ms, within the ceiling.
        try (FakeUpstream upstream = FakeUpstream.start().on("/never", FakeUpstream.never());
                NumbersServer service = NumbersServer.start(Map.of(Setting.SAFETY_MARGIN.name(), "0ms",
                        Setting.MAX_SAFETY_MARGIN.name(), "400ms", Setting.MIN_IN_FLIGHT.name(), "512"))) {
            assertEquals(0.0, Scrape.of(service).value("numbers_safety_margin_seconds"));
            assertEquals(200, service.get(upstream.url("/never")).statusCode());
            Scrape after = Scrape.await(service, s -> s.value("numbers_safety_margin_seconds") > 0);
            double margin = after.value("numbers_safety_margin_seconds");
            assertTrue(margin >= 0.002 && margin <= 0.4, after.text());
        }
    }

    @Test
    void servesMetricsAndHealthAtConfiguredPathsOnly() throws Exception {
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.METRICS_PATH.name(), "/ops/prometheus",
                Setting.HEALTH_PATH.name(), "/ops/ready"))) {
            HttpResponse<String> metrics = get(service, "/ops/prometheus");
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("numbers_requests_total{result=\"complete\"} 0.0"), metrics.body());
            assertEquals(200, get(service, "/ops/ready").statusCode());
            assertEquals(404, get(service, "/metrics").statusCode());
            assertEquals(404, get(service, "/health").statusCode());
        }
    }

    @Test
    void switchesBothEndpointsOffButKeepsServingNumbers() throws Exception {
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.METRICS_PATH.name(), "off",
                Setting.HEALTH_PATH.name(), "off"))) {
            assertEquals(404, get(service, "/metrics").statusCode());
            assertEquals(404, get(service, "/health").statusCode());
            HttpResponse<String> numbers = service.get("not-a-url");
            assertEquals(200, numbers.statusCode());
            assertEquals("{\"numbers\":[]}", numbers.body());
        }
    }

    @Test
    void refusesToStartWhenAnEndpointPathIsTakenByAnotherServlet() {
        Exception failure = assertThrows(Exception.class,
                () -> NumbersServer.start(Map.of(Setting.METRICS_PATH.name(), "/numbers")).close());
        assertTrue(describe(failure).contains("numbers.metricsPath"), describe(failure));
        Exception same = assertThrows(Exception.class, () -> NumbersServer.start(Map.of(
                Setting.METRICS_PATH.name(), "/ops", Setting.HEALTH_PATH.name(), "/ops")).close());
        assertTrue(describe(same).contains("numbers.healthPath"), describe(same));
    }

    private static HttpResponse<String> get(NumbersServer service, String path) throws Exception {
        return service.send(HttpRequest.newBuilder(service.uri(path)).timeout(Duration.ofSeconds(5)).build());
    }

    private static String describe(Throwable t) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.append(c).append('\n');
        }
        return all.toString();
    }
}
