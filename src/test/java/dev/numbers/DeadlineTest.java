package dev.numbers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * 200 concurrent requests, each with one upstream that never answers and one that answers at once: every answer
 * carries the fast upstream's numbers and leaves by the budget. The slowest time is printed; the server-measured time
 * (arrival to answer written) must stay under the 500 ms budget, and the client-measured time — which adds this
 * loaded machine's scheduling of the test client itself — under a bound no healthy run comes near.
 */
class DeadlineTest {

    private static final int REQUESTS = 200;
    private static final long CLIENT_BOUND_MILLIS = 1_500;

    private FakeUpstream upstream;
    private NumbersServer service;

    @BeforeEach
    void start() throws Exception {
        upstream = FakeUpstream.start()
                .on("/never", FakeUpstream.never())
                .on("/fast", FakeUpstream.numbers(3, 1, 2));
        service = NumbersServer.start();
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
        List<CompletableFuture<Long>> clientMillis = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            long sent = System.nanoTime();
            CompletableFuture<HttpResponse<String>> response =
                    service.client().sendAsync(request, HttpResponse.BodyHandlers.ofString());
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
        System.out.printf("DeadlineTest: %d requests, slowest answer %.1fms server-measured, %dms client-measured%n",
                REQUESTS, slowestServer, slowestClient);
        assertTrue(slowestServer < 500, "slowest answer written " + slowestServer + "ms after arrival");
        assertTrue(slowestClient < CLIENT_BOUND_MILLIS, "slowest answer took " + slowestClient + "ms at the client");
    }
}
