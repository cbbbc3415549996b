package dev.numbers.web;

import static dev.numbers.testing.Await.awaitTrue;
import static dev.numbers.testing.FakeUpstream.json;
import static dev.numbers.testing.FakeUpstream.numbers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.numbers.testing.FakeUpstream;
import dev.numbers.testing.NumbersServer;
import dev.numbers.testing.RawUpstream;
import dev.numbers.testing.Scrape;
import dev.numbers.testing.UpstreamConnections;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One upstream fails in each way a network or a server can, next to one that answers: the answer comes within the
 * budget and a generous bound, with the working upstream's numbers; the faulty fetch counts as {@code connect_error}
 * when it failed, as {@code late} when it was still pending at the cutoff; and afterwards the service holds nothing for
 * it — no in-flight slot, no body byte, no upstream request or connection, no connection budget place, no lookup, and
 * no more client threads than its pools' bounds ({@link NothingHeld}).
 */
class NumbersServletUpstreamFaultsTest {

    private static final String PRIMES = "{\"numbers\":[2,3,5,7,11,13]}";
    private static final String FETCHES = "numbers_upstream_fetches_total";
    /** "Answered by the budget (500 ms), not held up by the fault", with room for a loaded 2-core machine. */
    private static final long CLIENT_BOUND_MILLIS = 1_500;
    private static final String HEAD_OF_100_BYTES =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
    /** A name the test's lookup answers (127.0.0.1) only after {@link #SLOW_LOOKUP_MILLIS}: past the budget. */
    private static final String SLOW_NAME = "slow-name.test";
    private static final long SLOW_LOOKUP_MILLIS = 1_000;

    private final AtomicInteger lookupsInProgress = new AtomicInteger();
    private FakeUpstream upstream;
    private NumbersServer service;

    @BeforeEach
    void start() throws Exception {
        upstream = FakeUpstream.start().on("/primes", json(PRIMES)).on("/named", numbers(99));
        service = NumbersServer.startWithNameLookup(NumbersServer.FIXED_IN_FLIGHT_LIMIT, this::lookUp);
    }

    @AfterEach
    void stop() throws Exception {
        service.close();
        upstream.close();
    }

    /** The JDK's lookup, except for {@link #SLOW_NAME}. */
    private InetAddress[] lookUp(String host) throws UnknownHostException {
        if (!host.equals(SLOW_NAME)) {
            return InetAddress.getAllByName(host);
        }
        lookupsInProgress.incrementAndGet();
        try {
            Thread.sleep(SLOW_LOOKUP_MILLIS);
            return new InetAddress[] {InetAddress.getLoopbackAddress()};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnknownHostException(host + ": interrupted");
        } finally {
            lookupsInProgress.decrementAndGet();
        }
    }

    @Test
    void anUpstreamThatResetsMidBody() throws Exception {
        try (RawUpstream faulty = RawUpstream.start(RawUpstream.resetAfter(HEAD_OF_100_BYTES + "{\"numbers\":[1,2,"))) {
            assertAnsweredInTimeWithTheOthersMerged(faulty.url("/reset-mid-body"), "connect_error");
            assertNothingLeftBehind(faulty);
        }
    }

    @Test
    void anUpstreamThatSendsAChunkedBodyForever() throws Exception {
        // Small chunks, slowly: the body never ends and never reaches numbers.maxBodyBytes. Sent before the answer, the
        // fetch may run on for the abandon grace (1 s); then its connection is closed.
        try (RawUpstream faulty = RawUpstream.start(RawUpstream.chunkedForever(20))) {
            assertAnsweredInTimeWithTheOthersMerged(faulty.url("/chunked-forever"), "late");
            assertNothingLeftBehind(faulty);
        }
    }

    @Test
    void anUpstreamThatSendsItsHeadersThenStalls() throws Exception {
        try (RawUpstream faulty = RawUpstream.start(RawUpstream.stallAfter(HEAD_OF_100_BYTES))) {
            assertAnsweredInTimeWithTheOthersMerged(faulty.url("/stall"), "late");
            assertNothingLeftBehind(faulty);
        }
    }

    @Test
    void anUpstreamThatClosesBeforeItsHeaders() throws Exception {
        try (RawUpstream faulty = RawUpstream.start(RawUpstream.send(""))) {
            assertAnsweredInTimeWithTheOthersMerged(faulty.url("/close"), "connect_error");
            assertNothingLeftBehind(faulty);
        }
    }

    @Test
    void anUpstreamThatNeverCompletesTheTcpHandshake() throws Exception {
        // Its accept queue full, Linux drops the service's SYN, and every retransmission of it, until the connect
        // timeout (2 s) ends the attempt: the connection is pending for 2 s, then gone.
        try (RawUpstream faulty = RawUpstream.startNotAccepting(RawUpstream.silent())) {
            faulty.fillAcceptQueue();
            assertAnsweredInTimeWithTheOthersMerged(faulty.url("/handshake"), "late");
            assertNothingLeftBehind(faulty);
        }
    }

    @Test
    void anUpstreamWhoseNameDoesNotResolve() throws Exception {
        // .invalid never resolves (RFC 6761), whatever the machine's resolver does with it, and however long it takes.
        assertAnsweredInTimeWithTheOthersMerged("http://nothing.invalid/x", "connect_error");
        NothingHeld.await(service.service());
    }

    @Test
    void anUpstreamWhoseNameResolvesSlowly() throws Exception {
        String slow = "http://" + SLOW_NAME + ":" + upstream.port() + "/named";
        assertAnsweredInTimeWithTheOthersMerged(slow, "late");
        awaitTrue(() -> lookupsInProgress.get() == 0, "the slow lookup never ended");
        NothingHeld.await(service.service());
        // The name is resolved now: the same upstream answers in the next request.
        assertEquals("{\"numbers\":[2,3,5,7,11,13,99]}", service.get(upstream.url("/primes"), slow).body());
    }

    /**
     * A request for the working upstream and {@code faulty}: a 200 with the working one's numbers, in time; the
     * faulty fetch counted with {@code outcome}.
     */
    private void assertAnsweredInTimeWithTheOthersMerged(String faulty, String outcome) throws Exception {
        Scrape before = Scrape.of(service);
        long start = System.nanoTime();
        HttpResponse<String> response = service.get(upstream.url("/primes"), faulty);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(200, response.statusCode());
        assertEquals(PRIMES, response.body());
        assertTrue(millis < CLIENT_BOUND_MILLIS, "answered after " + millis + " ms");
        // The faulty fetch's outcome is counted once it has settled: at the latest at its timeout (2 s for a connect).
        Scrape after = Scrape.await(service, s -> s.delta(before, FETCHES, "outcome", outcome) == 1);
        assertEquals(1, after.delta(before, FETCHES, "outcome", outcome), () -> faulty + "\n" + after.text());
        assertEquals(1, after.delta(before, FETCHES, "outcome", "ok"), "the working upstream's fetch");
    }

    /** Nothing held for the faulty upstream by the service, and no connection to it left open on either side. */
    private void assertNothingLeftBehind(RawUpstream faulty) throws InterruptedException {
        NumbersService running = service.service();
        NothingHeld.await(running);
        awaitTrue(() -> UpstreamConnections.held(running.client(), faulty.port()) == 0,
                "the client keeps connections to the faulty upstream");
        awaitTrue(() -> faulty.open() == 0, () -> faulty.open() + " connections still open at the faulty upstream");
        long threads = NothingHeld.clientThreads();
        assertTrue(threads <= NothingHeld.CLIENT_THREADS, threads + " upstream client threads");
    }
}
