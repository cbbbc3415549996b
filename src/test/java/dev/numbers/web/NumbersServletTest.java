package dev.numbers.web;

import static dev.numbers.testing.FakeUpstream.delayed;
import static dev.numbers.testing.FakeUpstream.json;
import static dev.numbers.testing.FakeUpstream.never;
import static dev.numbers.testing.FakeUpstream.numbers;
import static dev.numbers.testing.FakeUpstream.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.numbers.config.Setting;
import dev.numbers.testing.FakeUpstream;
import dev.numbers.testing.NumbersServer;
import dev.numbers.testing.RawUpstream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract of {@code /numbers} (docs/contract.md), one test per row, against a real Jetty with the servlet and real
 * fake upstreams. Timing assertions carry margins that a loaded 2-core machine cannot break: what they tell apart is
 * "answered at the budget" from "waited for a 3 s upstream".
 */
class NumbersServletTest {

    private static final long SLOW = 3_000;
    /** Generous bound for "answered by the 500 ms budget, not by the slow upstream". */
    private static final long WELL_BEFORE_SLOW = 2_000;

    private FakeUpstream upstream;
    private NumbersServer service;

    @BeforeEach
    void start() throws Exception {
        upstream = FakeUpstream.start()
                .on("/primes", json("{\"Numbers\":[2,3,5,7,11,13]}"))
                .on("/fibo", json("{\"numbers\":[1,1,2,3,5,8,13,21]}"))
                .on("/slow", delayed(SLOW, numbers(1000, 2000)))
                .on("/never", never());
        service = NumbersServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        service.close();
        upstream.close();
    }

    @Test
    void mergesFastUpstreamsSortedAndDeduplicated() throws Exception {
        HttpResponse<String> response = service.get(upstream.url("/primes"), upstream.url("/fibo"));
        assertEquals(200, response.statusCode());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("{\"numbers\":[1,2,3,5,7,8,11,13,21]}", response.body());
    }

    @Test
    void mergesABodyThatArrivesInManyChunks() throws Exception {
        // ~140 KB: many network reads, each copied into the body buffer, which grows past its 512-byte start.
        long[] many = LongStream.range(0, 20_000).map(i -> i * 3 + 1).toArray();
        upstream.on("/many", numbers(many));
        HttpResponse<String> response = service.get(upstream.url("/many"), upstream.url("/primes"));
        assertEquals(200, response.statusCode());
        String expected = LongStream.concat(LongStream.of(many), LongStream.of(2, 3, 5, 7, 11, 13)).sorted().distinct()
                .mapToObj(Long::toString).collect(Collectors.joining(",", "{\"numbers\":[", "]}"));
        assertEquals(expected, response.body());
    }

    @Test
    void leavesOutAnUpstreamSlowerThanTheBudget() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> response = service.get(upstream.url("/primes"), upstream.url("/slow"));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, response.statusCode());
        assertEquals("{\"numbers\":[2,3,5,7,11,13]}", response.body());
        assertTrue(millis < WELL_BEFORE_SLOW, "answered after " + millis + "ms");
        assertTrue(millis >= 400, "answered after " + millis + "ms, before the budget's cutoff");
    }

    @Test
    void answersEmptyWhenEveryUpstreamIsTooSlow() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> response = service.get(upstream.url("/slow"), upstream.url("/never"));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, response.statusCode());
        assertEquals("{\"numbers\":[]}", response.body());
        assertTrue(millis < WELL_BEFORE_SLOW, "answered after " + millis + "ms");
    }

    @Test
    void answersAsSoonAsEveryUpstreamHasAnswered() throws Exception {
        upstream.on("/quick", delayed(50, numbers(4)));
        long start = System.nanoTime();
        HttpResponse<String> response = service.get(upstream.url("/quick"), upstream.url("/primes"));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals("{\"numbers\":[2,3,4,5,7,11,13]}", response.body());
        assertTrue(millis < 400, "waited " + millis + "ms although both upstreams answered within 50ms");
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 404, 429, 500, 502, 503})
    void ignoresAnUpstreamAnsweringWithAnErrorStatus(int code) throws Exception {
        upstream.on("/error", status(code, "{\"numbers\":[99]}"));
        assertEquals("{\"numbers\":[2,3,5,7,11,13]}", service.get(upstream.url("/primes"), upstream.url("/error")).body());
    }

    @Test
    void ignoresAnUpstreamThatRefusesConnections() throws Exception {
        int closedPort = FakeUpstream.closedPort();
        HttpResponse<String> response = service.get(upstream.url("/primes"), "http://127.0.0.1:" + closedPort + "/x");
        assertEquals(200, response.statusCode());
        assertEquals("{\"numbers\":[2,3,5,7,11,13]}", response.body());
    }

    @Test
    void ignoresAnUpstreamThatResetsTheConnection() throws Exception {
        try (RawUpstream reset = RawUpstream.start(RawUpstream.reset())) {
            HttpResponse<String> response = service.get(upstream.url("/primes"), reset.url("/x"));
            assertEquals("{\"numbers\":[2,3,5,7,11,13]}", response.body());
        }
    }

    @Test
    void ignoresAnUpstreamWithMalformedChunkedEncoding() throws Exception {
        String raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{\"numbers\":[1]}\r\n0\r\n\r\n";
        try (RawUpstream garbage = RawUpstream.start(RawUpstream.send(raw))) {
            HttpResponse<String> response = service.get(upstream.url("/primes"), garbage.url("/x"));
            assertEquals("{\"numbers\":[2,3,5,7,11,13]}", response.body());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", "not json", "{", "[1,2,3]", "{\"numbers\":[1,2,3]", "{\"numbers\":[1,2,3]} trailing", "null",
            "{\"other\":[1,2]}", "{\"numbers\":null}", "{\"numbers\":{\"a\":1}}", "{\"numbers\":\"1,2\"}",
            "{\"numbers\":[1,2.5]}", "{\"numbers\":[1,\"2\"]}", "{\"numbers\":[1,null]}", "{\"numbers\":[1,1e20]}",
            "{\"numbers\":[1,1e2]}", "{\"numbers\":[1,9223372036854775808]}", "{\"numbers\":[1,-9223372036854775809]}",
            "{\"numbers\":[1,true]}", "{\"numbers\":[1,[2]]}", "{\"numbers\":[1,2],\"Numbers\":[3]}",
            "{'numbers':[1,2]}", "{\"numbers\":[1,2,]}", "{\"numbers\":[01]}", "{\"numbers\":[NaN]}"})
    void contributesNothingFromAMalformedBody(String body) throws Exception {
        upstream.on("/bad", json(body));
        HttpResponse<String> response = service.get(upstream.url("/primes"), upstream.url("/bad"));
        assertEquals(200, response.statusCode());
        assertEquals("{\"numbers\":[2,3,5,7,11,13]}", response.body(), "body " + body);
    }

    @Test
    void matchesTheNumbersMemberCaseInsensitivelyAndIgnoresUnknownMembers() throws Exception {
        upstream.on("/upper", json("{\"NUMBERS\":[40],\"extra\":{\"numbers\":[1]}}"));
        upstream.on("/mixed", json("{\"note\":\"x\",\"nUmBeRs\":[41]}"));
        assertEquals("{\"numbers\":[2,3,5,7,11,13,40,41]}",
                service.get(upstream.url("/primes"), upstream.url("/upper"), upstream.url("/mixed")).body());
    }

    @Test
    void keepsNegativeNumbersZeroAndTheLongRange() throws Exception {
        upstream.on("/edge", json("{\"numbers\":[0,-5,9223372036854775807,-9223372036854775808,-5,0]}"));
        assertEquals("{\"numbers\":[-9223372036854775808,-5,0,2,3,5,7,11,13,9223372036854775807]}",
                service.get(upstream.url("/edge"), upstream.url("/primes")).body());
    }

    @Test
    void skipsInvalidUrlsAndFetchesTheValidOnes() throws Exception {
        HttpResponse<String> response = service.get("not-a-url", "ftp://x/y", "/relative", "http://", "",
                "javascript:alert(1)", "http://127.0.0.1:0/x", "http://127.0.0.1:70000/x", "http:opaque",
                upstream.url("/primes"));
        assertEquals(200, response.statusCode());
        assertEquals("{\"numbers\":[2,3,5,7,11,13]}", response.body());
    }

    @Test
    void saysOnEveryOkAnswerWhetherItIsComplete() throws Exception {
        upstream.on("/missing", status(404, "{}"));
        assertEquals("?1;merged=2;upstreams=2", completeness(service.get(upstream.url("/primes"),
                upstream.url("/fibo"))), "complete");
        assertEquals("?0;merged=1;upstreams=2", completeness(service.get(upstream.url("/primes"),
                upstream.url("/missing"))), "partial");
        assertEquals("?0;merged=0;upstreams=1", completeness(service.get(upstream.url("/missing"))), "empty, partial");
        assertEquals("?1;merged=0;upstreams=0", completeness(service.get("not-a-url")), "no valid u: complete");
        HttpResponse<String> head = service.send(HttpRequest.newBuilder(service.numbersUri(
                List.of(upstream.url("/primes")))).timeout(Duration.ofSeconds(5))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
        assertEquals("?1;merged=1;upstreams=1", completeness(head), "HEAD");
    }

    @Test
    void saysNothingAboutCompletenessOnAnError() throws Exception {
        HttpResponse<String> post = service.send(HttpRequest.newBuilder(service.numbersUri(
                List.of(upstream.url("/primes")))).timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(405, post.statusCode());
        assertTrue(post.headers().firstValue("Numbers-Completeness").isEmpty(), post.headers().toString());
    }

    private static String completeness(HttpResponse<String> response) {
        assertEquals(200, response.statusCode());
        return response.headers().firstValue("Numbers-Completeness").orElseThrow();
    }

    @Test
    void answersAnEmptyListAtOnceWithoutAnyValidUrl() throws Exception {
        assertEquals("{\"numbers\":[]}", service.send(HttpRequest.newBuilder(service.uri("/numbers"))
                .timeout(Duration.ofSeconds(5)).build()).body());
        HttpResponse<String> invalidOnly = service.get("nope", "ftp://x");
        assertEquals(200, invalidOnly.statusCode());
        assertEquals("{\"numbers\":[]}", invalidOnly.body());
    }

    @Test
    void sendsTheUpstreamItsHostAndPortAsTheHostHeaderWithoutUserInformation() throws Exception {
        AtomicReference<String> host = new AtomicReference<>();
        upstream.on("/host", (request, response, callback, scheduler) -> {
            host.set(request.getHeaders().get(HttpHeader.HOST));
            numbers(4).handle(request, response, callback, scheduler);
        });
        String url = "http://someone@127.0.0.1:" + upstream.port() + "/host";
        HttpResponse<String> response = service.get(url);
        assertEquals("{\"numbers\":[4]}", response.body());
        assertEquals("127.0.0.1:" + upstream.port(), host.get());
    }

    @Test
    void fetchesADuplicatedUrlOnce() throws Exception {
        String primes = upstream.url("/primes");
        assertEquals("{\"numbers\":[2,3,5,7,11,13]}", service.get(primes, primes, primes).body());
        assertEquals(1, upstream.hits("/primes"));
    }

    @Test
    void keepsTheQueryStringOfAnUpstreamUrl() throws Exception {
        upstream.on("/query", (request, response, callback, scheduler) -> {
            String query = request.getHttpURI().getQuery();
            numbers("x=1&y=2".equals(query) ? 12 : -1).handle(request, response, callback, scheduler);
        });
        assertEquals("{\"numbers\":[12]}", service.get(upstream.url("/query?x=1&y=2")).body());
    }

    @Test
    void decodesGzipBodies() throws Exception {
        upstream.on("/gzip", FakeUpstream.gzipJson("{\"numbers\":[77,78]}"));
        assertEquals("{\"numbers\":[2,3,5,7,11,13,77,78]}", service.get(upstream.url("/gzip"), upstream.url("/primes")).body());
    }

    @ParameterizedTest
    @ValueSource(ints = {301, 302, 303, 307, 308})
    void followsRedirects(int code) throws Exception {
        upstream.on("/moved", FakeUpstream.redirect(code, upstream.url("/fibo")));
        assertEquals("{\"numbers\":[1,2,3,5,8,13,21]}", service.get(upstream.url("/moved")).body());
    }

    @Test
    void givesUpOnARedirectLoopButStillAnswers() throws Exception {
        upstream.on("/loop", FakeUpstream.redirect(302, upstream.url("/loop")));
        HttpResponse<String> response = service.get(upstream.url("/loop"), upstream.url("/primes"));
        assertEquals(200, response.statusCode());
        assertEquals("{\"numbers\":[2,3,5,7,11,13]}", response.body());
    }

    @Test
    void abandonsABodyOverTheCap() throws Exception {
        service.close();
        service = NumbersServer.start(Map.of(Setting.MAX_BODY_BYTES.name(), "1KiB"));
        upstream.on("/big", json("{\"numbers\":[" + "1,".repeat(1000) + "2]}"));
        upstream.on("/endless", FakeUpstream.endless(64L * 1024 * 1024));
        upstream.on("/small", json("{\"numbers\":[3]}"));
        HttpResponse<String> response = service.get(upstream.url("/big"), upstream.url("/endless"), upstream.url("/small"));
        assertEquals(200, response.statusCode());
        assertEquals("{\"numbers\":[3]}", response.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
    void refusesOtherMethodsWith405AndAllow(String method) throws Exception {
        HttpResponse<String> response = service.send(HttpRequest.newBuilder(service.numbersUri(List.of(upstream.url("/primes"))))
                .timeout(Duration.ofSeconds(5)).method(method, HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(405, response.statusCode());
        assertEquals("GET, HEAD", response.headers().firstValue("Allow").orElseThrow());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(response.body().contains("\"status\":405"), response.body());
        assertEquals(0, upstream.hits("/primes"));
    }

    @Test
    void closesTheConnectionAfterRefusingARequestWithAnUnreadBody() throws Exception {
        HttpResponse<String> response = service.send(HttpRequest.newBuilder(service.uri("/numbers"))
                .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString("{\"u\":[]}")).build());
        assertEquals(405, response.statusCode());
        assertEquals("close", response.headers().firstValue("Connection").orElseThrow());
    }

    @Test
    void answersHeadLikeGetWithoutABody() throws Exception {
        HttpResponse<String> get = service.get(upstream.url("/primes"));
        HttpResponse<String> head = service.send(HttpRequest.newBuilder(service.numbersUri(List.of(upstream.url("/primes"))))
                .timeout(Duration.ofSeconds(5)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        assertEquals(String.valueOf(get.body().length()), head.headers().firstValue("Content-Length").orElseThrow());
    }

    @Test
    void rejectsMoreDistinctValidUrlsThanTheLimitWithAProblem() throws Exception {
        service.close();
        service = NumbersServer.start(Map.of(Setting.MAX_URLS.name(), "3"));
        HttpResponse<String> response = service.get(upstream.url("/a"), upstream.url("/b"), upstream.url("/c"),
                upstream.url("/d"));
        assertEquals(400, response.statusCode());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("{\"type\":\"urn:numbers:problem:too-many-urls\",\"title\":\"Too many URLs\",\"status\":400,"
                + "\"detail\":\"At most 3 distinct valid u parameters are accepted per request\"}", response.body());
        // duplicates and invalid values do not count towards the limit
        HttpResponse<String> fine = service.get(upstream.url("/primes"), upstream.url("/primes"), "junk", "ftp://x",
                upstream.url("/fibo"));
        assertEquals(200, fine.statusCode());
    }

    @Test
    void carriesServerTimingWithTheUpstreamTally() throws Exception {
        HttpResponse<String> response = service.get(upstream.url("/primes"), upstream.url("/slow"));
        String timing = response.headers().firstValue("Server-Timing").orElseThrow();
        assertTrue(timing.matches("total;dur=\\d+\\.\\d, cutoff;dur=\\d+\\.\\d, upstreams;desc=\"1/2\", arrival;desc=\"\\d+\""),
                timing);
    }
}
