package dev.numbers.aggregation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.numbers.config.Setting;
import dev.numbers.config.SettingSource;
import dev.numbers.config.Settings;
import dev.numbers.testing.Answers;
import dev.numbers.testing.FakeUpstream;
import dev.numbers.testing.LogCapture;
import dev.numbers.testing.NumbersServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.Fields;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hundreds of requests whose upstreams answer within a few milliseconds of the cutoff, so that the last upstream's
 * callback and the service's deadline timer race each other (with no safety margin, at the budget itself).
 * Every answer must be a {@code 200} holding each upstream whole or not at all, written by the budget as the
 * service measures it (plus a slack for this loaded test machine; percentiles are printed), and nothing may be logged at WARNING or above (an {@code IllegalStateException} from
 * {@code complete()}, a Jetty "AsyncContext timeout" 500...).
 */
class AggregationDeadlineRaceTest {

    private static final int REQUESTS = 400;
    private static final int CONCURRENCY = 40;
    private static final int UPSTREAMS = 3;
    private static final long SCHEDULING_SLACK_MILLIS = 250;

    private FakeUpstream upstream;

    @BeforeEach
    void start() throws Exception {
        // /d?k=K&ms=MS answers {K*10+1, K*10+2, K*10+3} after MS milliseconds.
        upstream = FakeUpstream.start().on("/d", (request, response, callback, scheduler) -> {
            Fields query = org.eclipse.jetty.server.Request.extractQueryParameters(request);
            long k = Long.parseLong(query.getValue("k"));
            long ms = Long.parseLong(query.getValue("ms"));
            FakeUpstream.delayed(ms, FakeUpstream.numbers(k * 10 + 1, k * 10 + 2, k * 10 + 3))
                    .handle(request, response, callback, scheduler);
        });
    }

    @AfterEach
    void stop() throws Exception {
        upstream.close();
    }

    @ParameterizedTest(name = "safety margin {0}")
    @ValueSource(strings = {"none", "adaptive"})
    void everyAnswerNearTheDeadlineIsWholeValidAndInTime(String margin) throws Exception {
        // "none": the cutoff is the budget itself.
        // "adaptive": the defaults; upstreams answer around the earliest cutoff (budget - the margin's floor).
        // The in-flight limit is fixed: answers late by construction (no margin) or because the machine is loaded
        // would rightly make the adaptive limit shed with 503s, and this test is about the race alone.
        Map<String, String> settings = new HashMap<>(NumbersServer.FIXED_IN_FLIGHT_LIMIT);
        if (margin.equals("none")) {
            settings.put(Setting.SAFETY_MARGIN.name(), "0ms");
            settings.put(Setting.MAX_SAFETY_MARGIN.name(), "0ms");
        }
        long cutoff = 500 - Settings.load(SettingSource.of(settings)).safetyMargin().toMillis();
        try (NumbersServer service = NumbersServer.start(settings);
                LogCapture warnings = LogCapture.warnings()) {
            Semaphore window = new Semaphore(CONCURRENCY);
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                List<String> urls = new ArrayList<>();
                for (int k = 1; k <= UPSTREAMS; k++) {
                    long ms = cutoff - 12 + ThreadLocalRandom.current().nextLong(24);
                    urls.add(upstream.url("/d?k=" + k + "&ms=" + ms));
                }
                HttpRequest request = HttpRequest.newBuilder(service.numbersUri(urls)).timeout(Duration.ofSeconds(10)).build();
                window.acquire();
                answers.add(service.client().sendAsync(request, HttpResponse.BodyHandlers.ofString())
                        .whenComplete((r, x) -> window.release()));
            }
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);

            int whole = 0;
            double slowest = 0;
            List<Double> times = new ArrayList<>();
            for (CompletableFuture<HttpResponse<String>> answer : answers) {
                HttpResponse<String> response = answer.get();
                assertEquals(200, response.statusCode(), response.body());
                List<Long> numbers = Answers.numbers(response.body());
                for (int i = 1; i < numbers.size(); i++) {
                    assertTrue(numbers.get(i - 1) < numbers.get(i), "not strictly ascending: " + numbers);
                }
                for (int k = 1; k <= UPSTREAMS; k++) {
                    int present = 0;
                    for (int j = 1; j <= 3; j++) {
                        present += numbers.contains(k * 10L + j) ? 1 : 0;
                    }
                    assertTrue(present == 0 || present == 3, "upstream " + k + " half merged: " + numbers);
                    whole += present == 3 ? 1 : 0;
                }
                assertEquals(numbers.size(), whole(numbers), "foreign numbers in " + numbers);
                slowest = Math.max(slowest, Answers.serverMillis(response));
                times.add(Answers.serverMillis(response));
            }
            times.sort(null);
            System.out.printf("AggregationDeadlineRaceTest[margin %s]: %d answers, %d of %d upstreams merged, "
                    + "server-measured p50 %.1fms p90 %.1fms p99 %.1fms max %.1fms%n", margin, REQUESTS, whole, REQUESTS * UPSTREAMS,
                    times.get(REQUESTS / 2), times.get(REQUESTS * 9 / 10), times.get(REQUESTS * 99 / 100), slowest);
            if (cutoff < 500) {
                // With a safety margin the answer is due by the budget; the slack only absorbs this test machine's
                // own scheduling (the pinned benchmark is where lateness is measured). Without a margin, answers
                // leave at the budget by construction: that run exists for the race, not for the time.
                assertTrue(slowest < 500 + SCHEDULING_SLACK_MILLIS, "an answer was written " + slowest + "ms after arrival");
            }
            assertTrue(warnings.isEmpty(), warnings.describe());
        }
    }

    private static int whole(List<Long> numbers) {
        int ours = 0;
        for (long n : numbers) {
            long k = n / 10;
            long j = n % 10;
            ours += k >= 1 && k <= UPSTREAMS && j >= 1 && j <= 3 ? 1 : 0;
        }
        return ours;
    }
}
