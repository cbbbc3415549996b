package dev.numbers.web;

import static dev.numbers.testing.FakeUpstream.delayed;
import static dev.numbers.testing.FakeUpstream.inTurn;
import static dev.numbers.testing.FakeUpstream.json;
import static dev.numbers.testing.FakeUpstream.never;
import static dev.numbers.testing.FakeUpstream.numbers;
import static dev.numbers.testing.FakeUpstream.status;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.numbers.aggregation.Slot;
import dev.numbers.config.Setting;
import dev.numbers.testing.Await;
import dev.numbers.testing.FakeUpstream;
import dev.numbers.testing.LogCapture;
import dev.numbers.testing.NumbersServer;
import dev.numbers.testing.RawUpstream;
import dev.numbers.testing.Scrape;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Retries and hedges (docs/design.md#retries-and-hedges) against a real Jetty with the servlet and real fake
 * upstreams. The in-flight limit is fixed and the CPU rule lifted unless a test is about them, so that a late answer
 * or a busy test JVM on a loaded machine does not stop extra attempts. What is timed is only ever ordered by hundreds of milliseconds: a hedge at half a 2 s budget,
 * answers well before or after it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NumbersServletExtraAttemptsTest {

    private static final String ATTEMPTS = "numbers_upstream_attempts_total";
    private static final String WINS = "numbers_upstream_wins_total";
    private static final String REFUSED = "numbers_upstream_extra_refused_total";
    private static final String FETCHES = "numbers_upstream_fetches_total";
    /** A 2 s budget: the hedge of an origin the service knows little about fires at 1 s, the cutoff is near 1.97 s. */
    private static final Map<String, String> LONG_BUDGET = Map.of(Setting.BUDGET.name(), "2s");
    private static final Map<String, String> NO_HEDGES = Map.of(Setting.HEDGING.name(), "false");

    private LogCapture trace;
    private FakeUpstream upstream;
    private NumbersServer service;

    @BeforeEach
    void start() throws Exception {
        upstream = FakeUpstream.start();
        trace = LogCapture.lines("dev.numbers.aggregation.Aggregation", Level.INFO); // numbers.debug=true's trace
    }

    @AfterEach
    void stop() throws Exception {
        trace.close();
        if (service != null) {
            service.close();
        }
        upstream.close();
    }

    @Test
    void retriesAfterA503AndMergesTheRetrysAnswer() throws Exception {
        upstream.on("/flaky", inTurn(status(503, "{\"numbers\":[99]}"), numbers(4, 5)));
        serve(Map.of());
        Scrape before = Scrape.of(service);
        HttpResponse<String> answer = service.get(upstream.url("/flaky"));
        assertEquals("{\"numbers\":[4,5]}", answer.body());
        assertEquals("?1;merged=1;upstreams=1", answer.headers().firstValue("Numbers-Completeness").orElseThrow());
        assertEquals(2, upstream.hits("/flaky"));
        Scrape after = Scrape.await(service, s -> s.delta(before, WINS, "kind", "retry") == 1);
        assertAll(
                () -> assertEquals(1, after.delta(before, ATTEMPTS, "kind", "first")),
                () -> assertEquals(1, after.delta(before, ATTEMPTS, "kind", "retry")),
                () -> assertEquals(0, after.delta(before, ATTEMPTS, "kind", "hedge")),
                () -> assertEquals(0, after.delta(before, WINS, "kind", "first")),
                () -> assertEquals(1, after.delta(before, FETCHES, "outcome", "ok")));
    }

    @Test
    void retriesAfterAConnectionResetBeforeAnyByte() throws Exception {
        try (RawUpstream resetOnce = RawUpstream.start(RawUpstream.inTurn(RawUpstream.reset(),
                RawUpstream.keepAlive("{\"numbers\":[6]}")))) {
            serve(Map.of());
            assertEquals("{\"numbers\":[6]}", service.get(resetOnce.url("/x")).body());
            assertEquals(2, resetOnce.accepted());
        }
    }

    @Test
    void retriesARefusedConnectionOnceAndNoMore() throws Exception {
        serve(Map.of());
        Scrape before = Scrape.of(service);
        String refused = "http://127.0.0.1:" + FakeUpstream.closedPort() + "/x";
        assertEquals("{\"numbers\":[]}", service.get(refused).body());
        Scrape after = Scrape.await(service, s -> s.delta(before, FETCHES, "outcome", "connect_error") == 1);
        assertEquals(1, after.delta(before, ATTEMPTS, "kind", "first"));
        assertEquals(1, after.delta(before, ATTEMPTS, "kind", "retry"));
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 404, 429, 500, 501})
    void neverRetriesAfterAnotherStatus(int code) throws Exception {
        upstream.on("/no", status(code, "{\"numbers\":[99]}"));
        serve(Map.of());
        assertEquals("{\"numbers\":[]}", service.get(upstream.url("/no")).body());
        // The upstream settles, and the answer leaves, only once no attempt is running or may start.
        assertEquals(1, upstream.hits("/no"));
    }

    @Test
    void neverRetriesABodyThatBreaksTheContract() throws Exception {
        upstream.on("/malformed", json("{\"numbers\":[1,"))
                .on("/big", json("{\"numbers\":[" + "1,".repeat(1000) + "2]}"));
        serve(Map.of(Setting.MAX_BODY_BYTES.name(), "1KiB"));
        Scrape before = Scrape.of(service);
        assertEquals("{\"numbers\":[]}", service.get(upstream.url("/malformed"), upstream.url("/big")).body());
        assertEquals(1, upstream.hits("/malformed"));
        assertEquals(1, upstream.hits("/big"));
        Scrape after = Scrape.await(service, s -> s.delta(before, FETCHES, "outcome", "invalid_body") == 1
                && s.delta(before, FETCHES, "outcome", "too_large") == 1);
        assertEquals(0, after.delta(before, ATTEMPTS, "kind", "retry"));
    }

    @Test
    void neverRetriesWhatTheAddressPolicyRefused() throws Exception {
        // Loopback closed but for one address nothing listens on: a literal refused before it is sent, and a name
        // refused once resolved, at connect time.
        serve(Map.of(Setting.ALLOWED_NETWORKS.name(), "127.0.0.3/32"));
        Scrape before = Scrape.of(service);
        String literal = "http://127.0.0.1:" + upstream.port() + "/x";
        String name = "http://localhost:" + upstream.port() + "/y";
        assertEquals("{\"numbers\":[]}", service.get(literal, name).body());
        Scrape after = Scrape.await(service, s -> s.delta(before, FETCHES, "outcome", "refused") == 2);
        assertEquals(0, after.delta(before, ATTEMPTS, "kind", "retry"));
        assertEquals(0, after.delta(before, ATTEMPTS, "kind", "hedge"));
        assertEquals(0, upstream.totalHits());
    }

    @Test
    void beginsNoAttemptWithLessTimeLeftThanTheOriginNeeds() throws Exception {
        // The origin is taught that it takes 300 ms; a 503 after 200 ms leaves about 270 ms before the cutoff.
        serve(NO_HEDGES);
        List<String> teach = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            upstream.on("/slow" + i, delayed(300, numbers(i)));
            teach.add(upstream.url("/slow" + i));
        }
        assertEquals("{\"numbers\":[0,1,2,3,4,5,6,7]}", service.get(teach.toArray(String[]::new)).body());
        upstream.on("/late503", delayed(200, status(503, "{}")));
        Scrape before = Scrape.of(service);
        assertEquals("{\"numbers\":[]}", service.get(upstream.url("/late503")).body());
        Scrape after = Scrape.await(service, s -> s.delta(before, FETCHES, "outcome", "http_error") == 1);
        assertEquals(1, after.delta(before, REFUSED, "reason", "deadline"));
        assertEquals(0, after.delta(before, ATTEMPTS, "kind", "retry"));
        assertEquals(1, upstream.hits("/late503"));
    }

    @Test
    void hedgesAfterTheDelayAndTheFirstValidAnswerWinsWhileTheLosersIsNeverMerged() throws Exception {
        // /stall's first request answers [99] after 1.5 s; its hedge, sent at 1 s, answers [1,2] at once. /never
        // holds the answer until the cutoff, so the loser's [99] arrives while the answer is still to be written.
        upstream.on("/stall", inTurn(delayed(1_500, numbers(99)), numbers(1, 2))).on("/never", never());
        serve(debug(LONG_BUDGET));
        Scrape before = Scrape.of(service);
        HttpResponse<String> answer = service.get(upstream.url("/stall"), upstream.url("/never"));
        assertEquals("{\"numbers\":[1,2]}", answer.body());
        assertEquals("?0;merged=1;upstreams=2", answer.headers().firstValue("Numbers-Completeness").orElseThrow());
        assertEquals(2, upstream.hits("/stall"));
        Scrape after = Scrape.await(service, s -> s.delta(before, FETCHES, "outcome", "late") == 1);
        assertAll(
                () -> assertEquals(2, after.delta(before, ATTEMPTS, "kind", "first")),
                () -> assertEquals(2, after.delta(before, ATTEMPTS, "kind", "hedge"), "/stall's and /never's"),
                () -> assertEquals(1, after.delta(before, WINS, "kind", "hedge")),
                () -> assertEquals(1, after.delta(before, FETCHES, "outcome", "ok")));
        String stall = upstream.url("/stall");
        long first = sentAt(stall, "first");
        long hedge = sentAt(stall, "hedge");
        assertTrue(hedge - first >= 999, "hedged " + (hedge - first) + "ms after the first, before the delay");
        awaitTrace(Pattern.quote(stall) + " first attempt sent at \\+\\d+ms ended late after \\d+ms");
    }

    @Test
    void aHedgesInvalidAnswerDoesNotWinOverTheFirstsValidOne() throws Exception {
        upstream.on("/mixed", inTurn(delayed(1_300, numbers(7)), json("{\"numbers\":[1,")));
        serve(LONG_BUDGET);
        Scrape before = Scrape.of(service);
        assertEquals("{\"numbers\":[7]}", service.get(upstream.url("/mixed")).body());
        Scrape after = Scrape.await(service, s -> s.delta(before, FETCHES, "outcome", "ok") == 1);
        assertEquals(1, after.delta(before, ATTEMPTS, "kind", "hedge"));
        assertEquals(1, after.delta(before, WINS, "kind", "first"));
        assertEquals(0, after.delta(before, FETCHES, "outcome", "invalid_body"), "the upstream settles once");
    }

    @Test
    void extraAttemptsStopOnceTheirShareIsSpentAndResumeWithNewFirstAttempts() throws Exception {
        // 50 %: four first attempts to one origin pay for two extra attempts (one, if a count is lost at a turn of
        // the budget's one-second windows).
        serve(Map.of(Setting.EXTRA_ATTEMPT_PERCENT.name(), "50", Setting.HEDGING.name(), "false"));
        String[] down = new String[4];
        for (int i = 0; i < down.length; i++) {
            upstream.on("/down" + i, delayed(100, status(503, "{}")));
            down[i] = upstream.url("/down" + i);
        }
        for (int round = 1; round <= 2; round++) {
            Scrape before = Scrape.of(service);
            assertEquals("{\"numbers\":[]}", service.get(down).body());
            Scrape after = Scrape.await(service, s -> s.delta(before, FETCHES, "outcome", "http_error") == 4);
            double retries = after.delta(before, ATTEMPTS, "kind", "retry");
            double refused = after.delta(before, REFUSED, "reason", "budget");
            assertTrue(retries >= 1 && retries <= 2, "round " + round + ": " + retries + " retries");
            assertEquals(4, retries + refused, "round " + round + ": every failure retried or refused");
        }
    }

    @Test
    void makesNoExtraAttemptWhileTheInFlightLimitIsBackingOff() throws Exception {
        upstream.on("/flaky", inTurn(status(503, "{}"), numbers(4, 5)));
        serve(Map.of(Setting.MIN_IN_FLIGHT.name(), "16", Setting.MAX_IN_FLIGHT.name(), "512"));
        InFlightLimiter limiter = service.service().limiter();
        // A lasting overload: a late answer every 50 ms, which cuts the limit every 100 ms, down to its floor.
        Slot stalled = limiter.tryAcquire();
        ScheduledExecutorService overload = Executors.newSingleThreadScheduledExecutor();
        try {
            overload.scheduleAtFixedRate(() -> stalled.answered(Duration.ofSeconds(5)), 0, 50, TimeUnit.MILLISECONDS);
            Await.awaitTrue(() -> limiter.limit() < 512, "the limit never backed off");
            Scrape before = Scrape.of(service);
            assertEquals("{\"numbers\":[]}", service.get(upstream.url("/flaky")).body());
            Scrape after = Scrape.await(service, s -> s.delta(before, FETCHES, "outcome", "http_error") == 1);
            // The retry refused, and the hedge too if its timer fired before the 503 came back.
            assertTrue(after.delta(before, REFUSED, "reason", "overload") >= 1, after.text());
            assertEquals(0, after.delta(before, ATTEMPTS, "kind", "retry"));
            assertEquals(0, after.delta(before, ATTEMPTS, "kind", "hedge"));
            assertEquals(1, upstream.hits("/flaky"));
        } finally {
            overload.shutdownNow();
            stalled.release();
        }
    }

    @Test
    void makesNoExtraAttemptWhileTheProcessHasNoCpuToSpare() throws Exception {
        upstream.on("/flaky", inTurn(status(503, "{}"), numbers(4, 5)));
        serve(Map.of(Setting.EXTRA_ATTEMPT_CPU_PERCENT.name(), "1"));
        // 1.2 s of this thread's CPU since the service started, so longer than a sample and, whatever else ran, over
        // 1 % of up to 50 processors.
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long spinUntil = threads.getCurrentThreadCpuTime() + TimeUnit.MILLISECONDS.toNanos(1_200);
        while (threads.getCurrentThreadCpuTime() < spinUntil) {
            Thread.onSpinWait();
        }
        Scrape before = Scrape.of(service);
        assertEquals("{\"numbers\":[]}", service.get(upstream.url("/flaky")).body());
        Scrape after = Scrape.await(service, s -> s.delta(before, FETCHES, "outcome", "http_error") == 1);
        assertTrue(after.delta(before, REFUSED, "reason", "overload") >= 1, after.text());
        assertEquals(0, after.delta(before, ATTEMPTS, "kind", "retry"));
        assertEquals(1, upstream.hits("/flaky"));
    }

    @Test
    void turnsRetriesOffWithItsSwitch() throws Exception {
        upstream.on("/flaky", inTurn(status(503, "{}"), numbers(4, 5)));
        serve(Map.of(Setting.RETRIES.name(), "false"));
        assertEquals("{\"numbers\":[]}", service.get(upstream.url("/flaky")).body());
        assertEquals(1, upstream.hits("/flaky"));
    }

    private void serve(Map<String, String> settings) throws Exception {
        Map<String, String> all = new HashMap<>(NumbersServer.FIXED_IN_FLIGHT_LIMIT);
        all.putAll(NumbersServer.EXTRAS_WHATEVER_THE_CPU);
        all.putAll(settings);
        service = NumbersServer.start(all);
    }

    private static Map<String, String> debug(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        all.put(Setting.DEBUG.name(), "true");
        return all;
    }

    /** @return milliseconds after arrival at which the trace says the attempt of this kind was sent */
    private long sentAt(String url, String kind) throws InterruptedException {
        Matcher m = Pattern.compile(Pattern.quote(url) + " " + kind + " attempt sent at \\+(\\d+)ms")
                .matcher(awaitTrace(Pattern.quote(url) + " " + kind + " attempt sent at .*"));
        assertTrue(m.find());
        return Long.parseLong(m.group(1));
    }

    /** Waits (at most 5 s) for a trace line matching {@code regex} after the request's tag; returns it. */
    private String awaitTrace(String regex) throws InterruptedException {
        Pattern line = Pattern.compile("\\[\\d+] " + regex);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            for (String logged : trace.messages()) {
                if (line.matcher(logged).matches()) {
                    return logged;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no trace line " + regex + " in " + trace.messages());
    }
}
