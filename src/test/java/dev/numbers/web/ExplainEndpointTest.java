package dev.numbers.web;

import static dev.numbers.testing.FakeUpstream.delayed;
import static dev.numbers.testing.FakeUpstream.inTurn;
import static dev.numbers.testing.FakeUpstream.json;
import static dev.numbers.testing.FakeUpstream.never;
import static dev.numbers.testing.FakeUpstream.numbers;
import static dev.numbers.testing.FakeUpstream.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.numbers.config.Setting;
import dev.numbers.testing.FakeUpstream;
import dev.numbers.testing.NumbersServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code GET /explain} (docs/contract.md#explain) against a real Jetty with the WAR's listener and real fake
 * upstreams: every outcome an upstream can have, each request of a retried or hedged upstream, the same limits,
 * address policy and in-flight limit as {@code /numbers}, the skipped values, and the setting that moves or removes
 * it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExplainEndpointTest {

    private static final long SLOW = 3_000;
    private static final String PRIMES = "[2,3,5,7,11,13]";
    /** One request per upstream: each outcome as a first attempt has it, without a retry or a hedge. */
    private static final Map<String, String> FIRST_ATTEMPTS_ONLY = Map.of(Setting.RETRIES.name(), "false",
            Setting.HEDGING.name(), "false");

    private FakeUpstream upstream;

    @BeforeEach
    void start() throws Exception {
        upstream = FakeUpstream.start()
                .on("/primes", json("{\"Numbers\":[2,3,5,7,11,13,13]}"))
                .on("/unavailable", status(503, "{\"numbers\":[503]}"))
                .on("/malformed", json("{\"numbers\":[1,2,"))
                .on("/big", json("{\"numbers\":[" + "1,".repeat(1000) + "2]}"))
                .on("/slow", delayed(SLOW, numbers(999)))
                .on("/never", never());
    }

    @AfterEach
    void stop() throws Exception {
        upstream.close();
    }

    @Test
    void explainsEveryUpstreamOfAFanOutOnTheBudgetsAxis() throws Exception {
        int closedPort = FakeUpstream.closedPort();
        Map<String, String> settings = new HashMap<>(FIRST_ATTEMPTS_ONLY);
        settings.put(Setting.MAX_BODY_BYTES.name(), "1KiB");
        try (NumbersServer service = NumbersServer.start(settings)) {
            List<String> urls = List.of(upstream.url("/primes"), upstream.url("/unavailable"),
                    upstream.url("/malformed"), upstream.url("/big"), "http://127.0.0.1:" + closedPort + "/x",
                    "http://169.254.169.254/latest/meta-data/", upstream.url("/slow"));
            List<String> query = new ArrayList<>(urls);
            query.addAll(List.of("not-a-url", upstream.url("/primes"), "ftp://x/y", "not-a-url"));
            HttpResponse<String> response = explain(service, query);
            assertEquals(200, response.statusCode(), response.body());
            assertEquals("application/json", response.headers().firstValue("Content-Type").orElseThrow());
            assertEquals("no-store", response.headers().firstValue("Cache-Control").orElseThrow());
            assertTrue(response.headers().firstValue("Server-Timing").orElseThrow().contains("upstreams;desc=\"1/7\""));
            JsonObject answer = JsonParser.parseString(response.body()).getAsJsonObject();

            assertEquals(PRIMES, answer.get("numbers").toString());
            assertEquals(500, answer.get("budgetMs").getAsInt());
            double cutoff = answer.get("cutoffMs").getAsDouble();
            assertTrue(cutoff >= 440 && cutoff <= 470, "cutoff " + cutoff);
            double answered = answer.get("answeredMs").getAsDouble();
            assertTrue(answered >= cutoff, "answered at " + answered + " before the cutoff " + cutoff);
            assertEquals("[\"not-a-url\",\"ftp://x/y\"]", answer.get("skipped").toString());

            Map<String, JsonObject> upstreams = byUrl(answer);
            assertEquals(urls, List.copyOf(upstreams.keySet()), "one entry per distinct valid URL, in request order");
            assertEnded(upstreams.get(urls.get(0)), "ok", 200, 6, answered);
            assertEnded(upstreams.get(urls.get(1)), "http_error", 503, 0, answered);
            assertEnded(upstreams.get(urls.get(2)), "invalid_body", 200, 0, answered);
            assertEnded(upstreams.get(urls.get(3)), "too_large", 200, 0, answered);
            assertEnded(upstreams.get(urls.get(4)), "connect_error", 0, 0, answered);
            assertEnded(upstreams.get(urls.get(5)), "refused", 0, 0, answered);
            JsonObject slow = upstreams.get(urls.get(6));
            assertEquals("late", slow.get("outcome").getAsString(), slow.toString());
            assertTrue(slow.get("endMs").isJsonNull(), "still pending as the answer was written: " + slow);
            assertEquals(0, slow.get("contributed").getAsInt());
            JsonObject attempt = slow.getAsJsonArray("attempts").get(0).getAsJsonObject();
            assertEquals("late", attempt.get("outcome").getAsString());
            assertTrue(attempt.get("endMs").isJsonNull(), attempt.toString());
            assertEquals(1, upstream.hits("/primes"), "a duplicated URL is fetched once");
        }
    }

    @Test
    void reportsEachRequestOfARetriedAndOfAHedgedUpstream() throws Exception {
        // /flaky answers its first request 503 and its retry [4,5]. /stall's first request would answer only after
        // the answer; its hedge, sent at half the 2 s budget (the origin is new), answers [1,2] at once.
        upstream.on("/flaky", inTurn(status(503, "{\"numbers\":[99]}"), numbers(4, 5)))
                .on("/stall", inTurn(delayed(SLOW, numbers(99)), numbers(1, 2)));
        Map<String, String> settings = new HashMap<>(NumbersServer.FIXED_IN_FLIGHT_LIMIT); // calm: extra attempts
        settings.putAll(NumbersServer.EXTRAS_WHATEVER_THE_CPU);
        settings.put(Setting.BUDGET.name(), "2s");
        try (NumbersServer service = NumbersServer.start(settings)) {
            String flaky = upstream.url("/flaky");
            String stall = upstream.url("/stall");
            HttpResponse<String> response = explain(service, List.of(flaky, stall));
            assertEquals(200, response.statusCode(), response.body());
            assertEquals("?1;merged=2;upstreams=2",
                    response.headers().firstValue("Numbers-Completeness").orElseThrow());
            JsonObject answer = JsonParser.parseString(response.body()).getAsJsonObject();
            assertEquals("[1,2,4,5]", answer.get("numbers").toString());
            double answered = answer.get("answeredMs").getAsDouble();
            Map<String, JsonObject> upstreams = byUrl(answer);

            JsonObject retried = upstreams.get(flaky);
            List<JsonObject> tries = attempts(retried, "first", "retry");
            assertAttempt(tries.get(0), "http_error", 503);
            assertAttempt(tries.get(1), "ok", 200);
            assertMergedBy(retried, tries.get(1), 2, answered);
            assertEquals(tries.get(0).get("startMs"), retried.get("startMs"), retried.toString());
            assertTrue(tries.get(0).get("endMs").getAsDouble() <= tries.get(1).get("startMs").getAsDouble(),
                    "retried before the first failed: " + retried);

            JsonObject hedged = upstreams.get(stall);
            List<JsonObject> sent = attempts(hedged, "first", "hedge");
            assertEquals("late", sent.get(0).get("outcome").getAsString(), hedged.toString());
            assertTrue(sent.get(0).get("endMs").isJsonNull(), "the first is still running: " + hedged);
            assertTrue(!sent.get(0).has("status"), hedged.toString());
            assertAttempt(sent.get(1), "ok", 200);
            assertMergedBy(hedged, sent.get(1), 2, answered);
            assertEquals(sent.get(0).get("startMs"), hedged.get("startMs"), hedged.toString());
            assertTrue(sent.get(1).get("startMs").getAsDouble() - sent.get(0).get("startMs").getAsDouble() >= 999,
                    "hedged before half the budget: " + hedged);
            assertEquals(2, upstream.hits("/flaky"));
            assertEquals(2, upstream.hits("/stall"));
        }
    }

    @Test
    void refusesWhatTheAddressPolicyRefusesWithoutContactingIt() throws Exception {
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.ALLOWED_NETWORKS.name(), ""))) {
            List<String> urls = List.of("http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/x",
                    "http://localhost:" + upstream.port() + "/primes", upstream.url("/primes"));
            JsonObject answer = JsonParser.parseString(explain(service, urls).body()).getAsJsonObject();
            assertEquals("[]", answer.get("numbers").toString());
            for (JsonObject refused : byUrl(answer).values()) {
                assertEnded(refused, "refused", 0, 0, answer.get("answeredMs").getAsDouble());
            }
            assertEquals(0, upstream.totalHits(), "a refused upstream was reached");
        }
    }

    @Test
    void saysWhenAnOriginIsOverTheOriginLimit() throws Exception {
        try (FakeUpstream other = FakeUpstream.start().on("/primes", json("{\"numbers\":[2,3]}"));
                NumbersServer service = NumbersServer.start(Map.of(Setting.MAX_ORIGINS.name(), "1"))) {
            // The one origin the client may keep: once this answers, its pooled connection keeps its destination
            // (another test's destination, if any, goes within a second of idleness).
            String kept = upstream.url("/primes");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!service.get(kept).body().equals("{\"numbers\":" + PRIMES + "}") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            JsonObject answer = JsonParser.parseString(explain(service, List.of(kept, other.url("/primes"))).body())
                    .getAsJsonObject();
            Map<String, JsonObject> upstreams = byUrl(answer);
            double answered = answer.get("answeredMs").getAsDouble();
            assertEnded(upstreams.get(kept), "ok", 200, 6, answered);
            assertEnded(upstreams.get(other.url("/primes")), "too_many_origins", 0, 0, answered);
            assertEquals(0, other.totalHits());
        }
    }

    @Test
    void answersAtOnceWithTheSkippedValuesWhenNoUrlIsValid() throws Exception {
        try (NumbersServer service = NumbersServer.start()) {
            HttpResponse<String> response = explain(service, List.of("nope", "", "javascript:alert(1)"));
            assertEquals(200, response.statusCode());
            JsonObject answer = JsonParser.parseString(response.body()).getAsJsonObject();
            assertEquals("[]", answer.get("numbers").toString());
            assertEquals(500, answer.get("budgetMs").getAsInt());
            assertTrue(answer.get("cutoffMs").isJsonNull(), response.body());
            assertEquals("[]", answer.get("upstreams").toString());
            assertEquals("[\"nope\",\"\",\"javascript:alert(1)\"]", answer.get("skipped").toString());
            HttpResponse<String> none = get(service, "/explain");
            assertTrue(none.body().startsWith("{\"numbers\":[],\"budgetMs\":500,\"cutoffMs\":null,"), none.body());
        }
    }

    @Test
    void rejectsMoreDistinctValidUrlsThanNumbersDoes() throws Exception {
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.MAX_URLS.name(), "2"))) {
            HttpResponse<String> response = explain(service, List.of(upstream.url("/primes"),
                    upstream.url("/primes?2"), upstream.url("/primes?3"), "junk"));
            assertEquals(400, response.statusCode());
            assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElseThrow());
            assertEquals("{\"type\":\"urn:numbers:problem:too-many-urls\",\"title\":\"Too many URLs\",\"status\":400,"
                    + "\"detail\":\"At most 2 distinct valid u parameters are accepted per request\"}",
                    response.body());
            assertEquals(0, upstream.totalHits());
        }
    }

    @Test
    void shedsWithA503WhenTheInFlightLimitIsTakenAsNumbersDoes() throws Exception {
        // One slot, held by a /numbers request waiting for an upstream that never answers; a long budget keeps it
        // held while /explain asks.
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.MIN_IN_FLIGHT.name(), "1",
                Setting.MAX_IN_FLIGHT.name(), "1", Setting.BUDGET.name(), "3s"))) {
            CompletableFuture<HttpResponse<String>> holding = service.client().sendAsync(
                    HttpRequest.newBuilder(service.numbersUri(List.of(upstream.url("/never"))))
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (upstream.hits("/never") == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            HttpResponse<String> shed = explain(service, List.of(upstream.url("/primes")));
            assertEquals(503, shed.statusCode(), shed.body());
            assertEquals("1", shed.headers().firstValue("Retry-After").orElseThrow());
            assertEquals("application/problem+json", shed.headers().firstValue("Content-Type").orElseThrow());
            assertTrue(shed.body().contains("\"type\":\"urn:numbers:problem:overloaded\""), shed.body());
            assertEquals(0, upstream.hits("/primes"));
            assertEquals(200, holding.get(10, TimeUnit.SECONDS).statusCode());
        }
    }

    @Test
    void answersHeadWithoutBodyAndOtherMethodsWith405() throws Exception {
        try (NumbersServer service = NumbersServer.start()) {
            URI uri = explainUri(service, "/explain", List.of(upstream.url("/primes")));
            HttpResponse<String> head = service.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(200, head.statusCode());
            assertEquals("", head.body());
            HttpResponse<String> post = service.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                    .POST(HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(405, post.statusCode());
            assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElseThrow());
        }
    }

    @Test
    void movesOrSwitchesOffWithItsSettingAndTellsThePage() throws Exception {
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.EXPLAIN_PATH.name(), "/ops/explain"))) {
            HttpResponse<String> moved = service.send(HttpRequest.newBuilder(explainUri(service, "/ops/explain",
                    List.of(upstream.url("/primes")))).timeout(Duration.ofSeconds(5)).build());
            assertEquals(200, moved.statusCode());
            assertTrue(moved.body().startsWith("{\"numbers\":" + PRIMES + ","), moved.body());
            assertEquals(404, explain(service, List.of(upstream.url("/primes"))).statusCode());
            assertEquals("{\"explain\":\"ops/explain\",\"budgetMs\":500,\"examples\":[]}",
                    get(service, "/try-it.json").body());
        }
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.EXPLAIN_PATH.name(), "off"))) {
            assertEquals(404, explain(service, List.of(upstream.url("/primes"))).statusCode());
            assertEquals("{\"explain\":null,\"budgetMs\":500,\"examples\":[]}", get(service, "/try-it.json").body());
            assertEquals("{\"numbers\":" + PRIMES + "}", service.get(upstream.url("/primes")).body());
        }
    }

    @Test
    void tellsThePageItsExampleUrlsOnlyWhenConfigured() throws Exception {
        try (NumbersServer service = NumbersServer.start()) {
            HttpResponse<String> config = get(service, "/try-it.json");
            assertEquals(200, config.statusCode());
            assertEquals("application/json", config.headers().firstValue("Content-Type").orElseThrow());
            assertEquals("{\"explain\":\"explain\",\"budgetMs\":500,\"examples\":[]}", config.body());
        }
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.EXAMPLE_URLS.name(),
                "demo/primes, http://example.org/a?x=1&y=<2>"))) {
            assertEquals("{\"explain\":\"explain\",\"budgetMs\":500,\"examples\":[\"demo/primes\","
                    + "\"http://example.org/a?x\\u003d1\\u0026y\\u003d\\u003c2\\u003e\"]}",
                    get(service, "/try-it.json").body());
        }
    }

    @Test
    void refusesToStartWhenItsPathIsTaken() {
        for (String taken : new String[] {"/numbers", "/health", "/try-it.json", "/"}) {
            Exception failure = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                    () -> NumbersServer.start(Map.of(Setting.EXPLAIN_PATH.name(), taken)).close());
            String all = Stream.iterate((Throwable) failure, t -> t != null, Throwable::getCause)
                    .map(Throwable::toString).collect(Collectors.joining("\n"));
            assertTrue(all.contains("numbers.explainPath"), taken + ": " + all);
        }
    }

    // ---- helpers

    /** An upstream that ended before the answer was written, with its one attempt. */
    private static void assertEnded(JsonObject upstream, String outcome, int status, int contributed,
            double answeredMs) {
        String what = upstream.toString();
        assertEquals(outcome, upstream.get("outcome").getAsString(), what);
        assertEquals(status, upstream.has("status") ? upstream.get("status").getAsInt() : 0, what);
        assertEquals(contributed, upstream.get("contributed").getAsInt(), what);
        double start = upstream.get("startMs").getAsDouble();
        double end = upstream.get("endMs").getAsDouble();
        assertTrue(0 <= start && start <= end && end <= answeredMs, what + " answered at " + answeredMs);
        JsonArray attempts = upstream.getAsJsonArray("attempts");
        assertEquals(1, attempts.size(), what);
        JsonObject attempt = attempts.get(0).getAsJsonObject();
        assertEquals("first", attempt.get("kind").getAsString(), what);
        assertEquals(outcome, attempt.get("outcome").getAsString(), what);
        assertEquals(start, attempt.get("startMs").getAsDouble(), what);
        assertEquals(end, attempt.get("endMs").getAsDouble(), what);
    }

    /** The upstream's attempts, checked to be of these kinds, in this order. */
    private static List<JsonObject> attempts(JsonObject upstream, String... kinds) {
        List<JsonObject> attempts = new ArrayList<>();
        List<String> sent = new ArrayList<>();
        for (JsonElement element : upstream.getAsJsonArray("attempts")) {
            attempts.add(element.getAsJsonObject());
            sent.add(element.getAsJsonObject().get("kind").getAsString());
        }
        assertEquals(List.of(kinds), sent, upstream.toString());
        return attempts;
    }

    /** An attempt that ended before the answer was written. */
    private static void assertAttempt(JsonObject attempt, String outcome, int status) {
        String what = attempt.toString();
        assertEquals(outcome, attempt.get("outcome").getAsString(), what);
        assertEquals(status, attempt.get("status").getAsInt(), what);
        assertTrue(attempt.get("startMs").getAsDouble() <= attempt.get("endMs").getAsDouble(), what);
    }

    /** The upstream is {@code ok} with the winning attempt's status and end, and what it contributed. */
    private static void assertMergedBy(JsonObject upstream, JsonObject winner, int contributed, double answeredMs) {
        String what = upstream.toString();
        assertEquals("ok", upstream.get("outcome").getAsString(), what);
        assertEquals(200, upstream.get("status").getAsInt(), what);
        assertEquals(contributed, upstream.get("contributed").getAsInt(), what);
        assertEquals(winner.get("endMs").getAsDouble(), upstream.get("endMs").getAsDouble(), what);
        assertTrue(upstream.get("endMs").getAsDouble() <= answeredMs, what + " answered at " + answeredMs);
    }

    private static Map<String, JsonObject> byUrl(JsonObject answer) {
        Map<String, JsonObject> upstreams = new java.util.LinkedHashMap<>();
        for (JsonElement element : answer.getAsJsonArray("upstreams")) {
            JsonObject upstream = element.getAsJsonObject();
            upstreams.put(upstream.get("url").getAsString(), upstream);
        }
        return upstreams;
    }

    private static HttpResponse<String> explain(NumbersServer service, List<String> urls) throws Exception {
        return service.send(HttpRequest.newBuilder(explainUri(service, "/explain", urls))
                .timeout(Duration.ofSeconds(10)).build());
    }

    private static URI explainUri(NumbersServer service, String path, List<String> urls) {
        String query = urls.stream().map(u -> "u=" + URLEncoder.encode(u, StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return service.uri(path + "?" + query);
    }

    private static HttpResponse<String> get(NumbersServer service, String path) throws Exception {
        return service.send(HttpRequest.newBuilder(service.uri(path)).timeout(Duration.ofSeconds(5)).build());
    }
}
