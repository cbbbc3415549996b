package dev.numbers.web;

import static dev.numbers.testing.FakeUpstream.json;
import static dev.numbers.testing.Await.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.numbers.config.Setting;
import dev.numbers.testing.Answers;
import dev.numbers.testing.FakeUpstream;
import dev.numbers.testing.LogCapture;
import dev.numbers.testing.NumbersServer;
import dev.numbers.testing.RawUpstream;
import dev.numbers.testing.Scrape;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docs/security.md over real HTTP: the address policy at the connection (spellings, redirects), the limits, load
 * shedding, and upstreams that misbehave on purpose. Only loopback is ever contacted: 127.0.0.2 stands for a
 * forbidden host, and the policy must refuse it before any packet leaves.
 */
class NumbersServletSafetyTest {

    private static final String PRIMES = "{\"numbers\":[2,3,5,7,11,13]}";
    /** "Answered by the budget, not by the misbehaving upstream", with room for a loaded 2-core machine. */
    private static final long CLIENT_BOUND_MILLIS = 1_500;
    private static final String UNDELIVERED = "numbers_answers_undelivered_total";
    /** A raw upstream's head announcing a body of 1 000 bytes, and a 600-byte body, for the body memory of 1 KiB. */
    private static final String HEAD_OF_1000_BYTES =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
    private static final String BODY_OF_600_BYTES = "{\"numbers\":[10" + ",1".repeat(292) + "]}";

    private FakeUpstream upstream;
    private FakeUpstream forbidden;

    @BeforeEach
    void start() throws Exception {
        upstream = FakeUpstream.start().on("/primes", json(PRIMES));
        forbidden = FakeUpstream.start("127.0.0.2").on("/secret", json("{\"numbers\":[666]}"));
    }

    @AfterEach
    void stop() throws Exception {
        upstream.close();
        forbidden.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "0x7f.1", "[::1]",
            "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "0.0.0.0", "localhost", "evil.example@127.0.0.1",
            "127.0.0.1.", "[::]"})
    void refusesLoopbackInEverySpellingByDefault(String host) throws Exception {
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.ALLOWED_NETWORKS.name(), ""))) {
            String url = "http://" + host + ":" + upstream.port() + "/primes";
            HttpResponse<String> response = service.get(url);
            assertEquals(200, response.statusCode());
            assertEquals("{\"numbers\":[]}", response.body(), url);
            assertEquals(0, upstream.hits("/primes"), "the refused upstream was reached through " + url);
        }
    }

    @Test
    void refusesARedirectFromAnAllowedHostIntoARefusedOne() throws Exception {
        upstream.on("/hop", FakeUpstream.redirect(302, forbidden.url("/secret")));
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.ALLOWED_NETWORKS.name(), "127.0.0.1/32"))) {
            HttpResponse<String> response = service.get(upstream.url("/hop"), upstream.url("/primes"));
            assertEquals(200, response.statusCode());
            assertEquals(PRIMES, response.body());
            assertEquals(1, upstream.hits("/hop"));
            assertEquals(0, forbidden.totalHits(), "the redirect reached the refused host");
        }
    }

    @Test
    void allowedNetworksOpenExactlyTheirCidrs() throws Exception {
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.ALLOWED_NETWORKS.name(), "127.0.0.2/32"))) {
            assertEquals("{\"numbers\":[666]}", service.get(forbidden.url("/secret"), upstream.url("/primes")).body());
            assertEquals(0, upstream.hits("/primes"));
        }
        int forbiddenHits = forbidden.totalHits();
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.ALLOWED_NETWORKS.name(), "127.0.0.0/31"))) {
            assertEquals(PRIMES, service.get(forbidden.url("/secret"), upstream.url("/primes")).body());
            assertEquals(forbiddenHits, forbidden.totalHits(), "127.0.0.2 is outside 127.0.0.0/31");
        }
    }

    @Test
    void answersAThousandUrlsWithAProblemWithinTheBudget() throws Exception {
        try (NumbersServer service = NumbersServer.start()) {
            List<String> urls = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                urls.add(upstream.url("/primes?i=" + i));
            }
            long start = System.nanoTime();
            HttpResponse<String> response = service.get(urls.toArray(String[]::new));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(400, response.statusCode());
            assertTrue(response.body().contains("At most 64 distinct valid u parameters"), response.body());
            assertEquals(0, upstream.totalHits());
            assertTrue(millis < CLIENT_BOUND_MILLIS, "took " + millis + "ms");
        }
    }

    @Test
    void answersAHundredKilobyteQueryStringWithTheContainersError() throws Exception {
        try (NumbersServer service = NumbersServer.start()) {
            String query = "u=" + "x".repeat(100 * 1024);
            HttpResponse<String> response = service.send(HttpRequest.newBuilder(service.uri("/numbers?" + query))
                    .timeout(Duration.ofSeconds(5)).build());
            assertTrue(response.statusCode() == 414 || response.statusCode() == 431, "status " + response.statusCode());
        }
    }

    @Test
    void abandonsAFiftyMebibyteBodyAndStillMergesTheOthers() throws Exception {
        upstream.on("/huge", FakeUpstream.endless(50L * 1024 * 1024));
        try (NumbersServer service = NumbersServer.start()) {
            long start = System.nanoTime();
            HttpResponse<String> response = service.get(upstream.url("/huge"), upstream.url("/primes"));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(200, response.statusCode());
            assertEquals(PRIMES, response.body());
            assertTrue(millis < CLIENT_BOUND_MILLIS, "took " + millis + "ms");
        }
    }

    @Test
    void cutsOffABodyDrippingPastTheDeadline() throws Exception {
        try (RawUpstream drip = RawUpstream.start(RawUpstream.drip(100, 50));
                NumbersServer service = NumbersServer.start()) {
            long start = System.nanoTime();
            HttpResponse<String> response = service.get(drip.url("/x"), upstream.url("/primes"));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(PRIMES, response.body());
            assertTrue(millis < CLIENT_BOUND_MILLIS, "took " + millis + "ms");
        }
    }

    @Test
    void survivesAHeaderBomb() throws Exception {
        StringBuilder head = new StringBuilder("HTTP/1.1 200 OK\r\n");
        for (int i = 0; i < 2000; i++) {
            head.append("X-Bomb-").append(i).append(": ").append("y".repeat(100)).append("\r\n");
        }
        head.append("Content-Length: 15\r\n\r\n{\"numbers\":[1]}");
        try (RawUpstream bomb = RawUpstream.start(RawUpstream.send(head.toString()));
                NumbersServer service = NumbersServer.start()) {
            HttpResponse<String> response = service.get(bomb.url("/x"), upstream.url("/primes"));
            assertEquals(200, response.statusCode());
            assertEquals(PRIMES, response.body());
        }
    }

    @Test
    void boundsTheMemoryOfAllBufferedBodiesTogether() throws Exception {
        // A holds 600 of the 1024 service-wide bytes while it stalls; B's 600 bytes cannot be reserved (too_large);
        // C's few bytes can. At the deadline: only C, and every reserved byte is returned.
        upstream.on("/b", FakeUpstream.delayed(150, json(BODY_OF_600_BYTES)));
        upstream.on("/c", FakeUpstream.delayed(150, json("{\"numbers\":[5]}")));
        try (RawUpstream a = RawUpstream.start((socket, out) -> {
                    out.write((HEAD_OF_1000_BYTES + " ".repeat(600)).getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    Thread.sleep(3_000);
                });
                NumbersServer service = NumbersServer.start(Map.of(Setting.MAX_BODY_BYTES.name(), "1KiB",
                        Setting.MAX_BUFFERED_BYTES.name(), "1KiB"))) {
            assertEquals(600, BODY_OF_600_BYTES.length());
            HttpResponse<String> response = service.get(a.url("/a"), upstream.url("/b"), upstream.url("/c"));
            assertEquals(200, response.statusCode());
            assertEquals("{\"numbers\":[5]}", response.body());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (service.service().aggregations().bufferedBodyBytes() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, service.service().aggregations().bufferedBodyBytes(), "buffered bytes not returned");
        }
    }

    @Test
    void anUpstreamLeftOutButKeptForItsConnectionGivesUpItsShareOfTheBodyMemory() throws Exception {
        // A is sent, so at the cutoff it is left to finish within the grace (for its connection) rather than aborted.
        // It had 600 of the 1024 service-wide bytes buffered, and sends 300 more after the answer. Those are drained,
        // not kept, and its 600 are given back: a later request's 600-byte upstream B fits while A still stalls.
        upstream.on("/b", json(BODY_OF_600_BYTES));
        CountDownLatch answered = new CountDownLatch(1);
        CountDownLatch stalling = new CountDownLatch(1);
        try (RawUpstream a = RawUpstream.start((socket, out) -> {
                    out.write((HEAD_OF_1000_BYTES + " ".repeat(600)).getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    answered.await(5, TimeUnit.SECONDS);
                    out.write(" ".repeat(300).getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    stalling.await(30, TimeUnit.SECONDS);
                });
                NumbersServer service = NumbersServer.start(Map.of(Setting.MAX_BODY_BYTES.name(), "1KiB",
                        Setting.MAX_BUFFERED_BYTES.name(), "1KiB", Setting.ABANDON_GRACE.name(), "30s"))) {
            assertEquals("{\"numbers\":[]}", service.get(a.url("/a")).body());
            // The answer is completed before the pending upstream is given up (in the same thread, after it): the slot
            // is freed after both, so once it is, A's next bytes meet a fetch already left out.
            awaitTrue(() -> service.service().limiter().inFlight() == 0, "the request still in flight");
            answered.countDown();
            awaitTrue(() -> service.service().aggregations().bufferedBodyBytes() == 0,
                    () -> service.service().aggregations().bufferedBodyBytes()
                            + " body bytes still reserved by the left-out upstream");
            assertEquals("{\"numbers\":[1,10]}", service.get(upstream.url("/b")).body());
        } finally {
            stalling.countDown();
        }
    }

    @Test
    void aClientThatNeverReadsItsAnswerHoldsUpNoOtherRequest() throws Exception {
        // A ~140 KB answer to a client that never reads, through a 4 KiB send buffer: a blocking write of it would
        // block. Its last upstream settles on the HttpClient's selector thread, so a blocking writer there would stall
        // every other request's upstreams until the budget (here 3 s) and they would answer empty. (This test failed
        // so when the early answer was written on the selector, before answers were written without blocking.)
        upstream.on("/many", FakeUpstream.numbers(LongStream.range(1_000_000, 1_020_000).toArray()))
                .on("/last", FakeUpstream.delayed(200, json("{\"numbers\":[1]}")))
                .on("/fibo", json("{\"numbers\":[1,2,3,5,8,13]}"));
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.BUDGET.name(), "3s"),
                connector -> connector.setAcceptedSendBufferSize(4096));
                Socket stalled = clientThatNeverReads(service, upstream.url("/many"), upstream.url("/last"))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (upstream.hits("/last") == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(700); // /last answers after 200 ms; then the writer is stuck
            assertEquals(1, service.service().limiter().inFlight(), "the stalled request is still in flight");
            assertOtherRequestsMergeFullyAndFast(service);
        }
    }

    @Test
    void moreClientsThatNeverReadTheirAnswersThanPoolThreadsHoldUpNoOtherRequest() throws Exception {
        // Forty clients (more than the HttpClient pool's 32 threads) ask for 40 KB answers and never read them,
        // through 4 KiB socket buffers. A writer that blocked until the client had read would hold a pool thread per
        // client until the idle timeout, and every other request's answer and deadline would queue behind them.
        upstream.on("/many", FakeUpstream.numbers(LongStream.range(1_000_000, 1_005_000).toArray()))
                .on("/fibo", json("{\"numbers\":[1,2,3,5,8,13]}"));
        int stalledClients = 40;
        List<Socket> stalled = new ArrayList<>();
        // Forty fan-outs at once load this machine: the limit is fixed (a late answer must not make it shed a
        // stalled client) and the connect timeout long (a connect must not fail for want of CPU).
        Map<String, String> settings = new HashMap<>(NumbersServer.FIXED_IN_FLIGHT_LIMIT);
        settings.put(Setting.BUDGET.name(), "3s");
        settings.put(Setting.CONNECT_TIMEOUT.name(), "2s");
        try (NumbersServer service = NumbersServer.start(settings,
                connector -> connector.setAcceptedSendBufferSize(4096))) {
            try {
                for (int i = 0; i < stalledClients; i++) {
                    stalled.add(clientThatNeverReads(service, upstream.url("/many?i=" + i)));
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (upstream.hits("/many") < stalledClients && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertEquals(stalledClients, upstream.hits("/many"), () -> "every stalled client's upstream was "
                        + "asked; in flight " + service.service().limiter().inFlight());
                Thread.sleep(500); // the answers are written (as far as the clients let them) by now
                assertEquals(stalledClients, service.service().limiter().inFlight(),
                        "the stalled answers are still being delivered");
                assertOtherRequestsMergeFullyAndFast(service);
            } finally {
                for (Socket socket : stalled) {
                    socket.close();
                }
            }
            // Gone with their answers half written: each write fails, is counted, and frees its slot.
            Scrape metrics = Scrape.await(service, s -> s.value(UNDELIVERED) == stalledClients);
            assertEquals(stalledClients, metrics.value(UNDELIVERED), metrics.text());
            assertEquals(0, service.service().limiter().inFlight(), "every slot is free");
        }
    }

    @Test
    void aClientThatStopsReadingIsDisconnectedByTheIdleTimeoutAndFreesItsSlot() throws Exception {
        // No async timeout ends a delivery (it would cut or, on Tomcat, garble the body): the container's idle
        // timeout fails a write that makes no progress, here after 1.5 s.
        upstream.on("/many", FakeUpstream.numbers(LongStream.range(1_000_000, 1_020_000).toArray()));
        try (LogCapture warnings = LogCapture.warnings();
                NumbersServer service = NumbersServer.start(Map.of(), connector -> {
                    connector.setAcceptedSendBufferSize(4096);
                    connector.setIdleTimeout(1_500);
                });
                Socket stalled = clientThatNeverReads(service, upstream.url("/many"))) {
            Thread.sleep(1_000); // past the 500 ms budget: answered, the body partly written
            assertEquals(1, service.service().limiter().inFlight(), "the answer is still being delivered");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (service.service().limiter().inFlight() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, service.service().limiter().inFlight(), "the slot is free after the idle timeout");
            Scrape metrics = Scrape.of(service);
            assertEquals(1, metrics.value(UNDELIVERED), metrics.text());
            stalled.setSoTimeout(5_000);
            byte[] received = stalled.getInputStream().readAllBytes(); // ends: the connection is closed
            String text = new String(received, StandardCharsets.ISO_8859_1);
            assertTrue(text.startsWith("HTTP/1.1 200"), text.substring(0, Math.min(100, text.length())));
            int bodyStart = text.indexOf("\r\n\r\n") + 4;
            long contentLength = Long.parseLong(text.substring(0, bodyStart).lines()
                    .filter(line -> line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:"))
                    .findFirst().orElseThrow().substring("content-length:".length()).trim());
            assertTrue(received.length - bodyStart < contentLength,
                    "the body was cut: " + (received.length - bodyStart) + " of " + contentLength + " bytes");
            assertTrue(warnings.isEmpty(), warnings::describe);
        }
    }

    /** Sends {@code GET /numbers} for the given upstreams through a 4 KiB receive buffer, and reads nothing. */
    private static Socket clientThatNeverReads(NumbersServer service, String... upstreamUrls) throws Exception {
        URI uri = service.numbersUri(List.of(upstreamUrls));
        Socket socket = new Socket();
        try {
            socket.setReceiveBufferSize(4096);
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 2_000);
            socket.getOutputStream().write(("GET " + uri.getRawPath() + "?" + uri.getRawQuery()
                    + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return socket;
        } catch (Exception e) {
            socket.close();
            throw e;
        }
    }

    /** Five requests for {@code /primes} and {@code /fibo}: each merges both and is answered within the bound. */
    private void assertOtherRequestsMergeFullyAndFast(NumbersServer service) throws Exception {
        for (int i = 0; i < 5; i++) {
            long start = System.nanoTime();
            HttpResponse<String> response = service.get(upstream.url("/primes"), upstream.url("/fibo?i=" + i));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals("{\"numbers\":[1,2,3,5,7,8,11,13]}", response.body());
            assertTrue(millis < CLIENT_BOUND_MILLIS, "answered after " + millis + " ms");
        }
    }

    @Test
    void capsTheNumbersPerUpstream() throws Exception {
        upstream.on("/many", json("{\"numbers\":[1,2,3,4,5,6,7]}"));
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.MAX_NUMBERS_PER_UPSTREAM.name(), "6"))) {
            assertEquals(PRIMES, service.get(upstream.url("/many"), upstream.url("/primes")).body());
        }
    }

    @Test
    void shedsLoadBeyondMaxInFlightWithAFast503AndAnswersTheRestCorrectly() throws Exception {
        upstream.on("/slowish", FakeUpstream.delayed(100, json(PRIMES)));
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.MAX_IN_FLIGHT.name(), "8"))) {
            URI uri = service.numbersUri(List.of(upstream.url("/slowish")));
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            List<CompletableFuture<Long>> clientMillis = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                long sent = System.nanoTime();
                CompletableFuture<HttpResponse<String>> r = service.client().sendAsync(
                        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                responses.add(r);
                clientMillis.add(r.thenApply(x -> (System.nanoTime() - sent) / 1_000_000));
            }
            CompletableFuture.allOf(clientMillis.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            int ok = 0;
            int complete = 0;
            int shed = 0;
            long slowest = 0;
            double slowestServer = 0;
            for (int i = 0; i < responses.size(); i++) {
                HttpResponse<String> response = responses.get(i).get();
                slowest = Math.max(slowest, clientMillis.get(i).get());
                slowestServer = Math.max(slowestServer, Answers.serverMillis(response));
                if (response.statusCode() == 200) {
                    ok++;
                    // correct: the upstream whole, or nothing when this overloaded machine made it miss the cutoff
                    assertTrue(response.body().equals(PRIMES) || response.body().equals("{\"numbers\":[]}"),
                            response.body());
                    complete += response.body().equals(PRIMES) ? 1 : 0;
                } else {
                    shed++;
                    assertEquals(503, response.statusCode());
                    assertEquals("1", response.headers().firstValue("Retry-After").orElseThrow());
                    assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElseThrow());
                }
            }
            System.out.printf("NumbersServletSafetyTest overload: %d answered (%d complete), %d shed, slowest %.1fms "
                    + "server-measured, %dms client-measured%n", ok, complete, shed, slowestServer, slowest);
            assertTrue(ok >= 8, ok + " answered");
            assertTrue(shed > 0, "nothing was shed");
            assertTrue(slowestServer < 500, "slowest written " + slowestServer + "ms after arrival");
            assertTrue(slowest < 2 * CLIENT_BOUND_MILLIS, "slowest " + slowest + "ms at the client");
            assertEquals(0, service.service().limiter().inFlight(), "in-flight slots leaked");
        }
    }
}
