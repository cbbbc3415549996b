package dev.numbers.aggregation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.numbers.config.Setting;
import dev.numbers.testing.FakeUpstream;
import dev.numbers.testing.NumbersServer;
import dev.numbers.testing.Scrape;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The writer waits for merges under way, so a large upstream whose merge would still run at the cutoff is left out
 * of the answer instead of making it late; small ones are never left out for it.
 */
class MergeCostTest {

    private static final String FETCHES = "numbers_upstream_fetches_total";
    private static final int LARGE = 2 * MergeCost.MEASURED_FROM;
    private static final long NOW = TimeUnit.HOURS.toNanos(1);

    private FakeUpstream upstream;

    @BeforeEach
    void start() throws Exception {
        upstream = FakeUpstream.start()
                .on("/large", FakeUpstream.numbers(LongStream.range(0, LARGE).map(i -> LARGE - i).toArray()))
                .on("/small", FakeUpstream.numbers(0));
    }

    @AfterEach
    void stop() throws Exception {
        upstream.close();
    }

    @Test
    void estimatesNothingBeforeAnyLargeMergeAndNothingForSmallOnes() {
        MergeCost cost = MergeCost.measured();
        assertEquals(0, cost.estimateNanos(1_000_000, NOW));
        cost.record(100_000, TimeUnit.MILLISECONDS.toNanos(20), NOW);
        assertEquals(0, cost.estimateNanos(MergeCost.MEASURED_FROM - 1, NOW));
        cost.record(MergeCost.MEASURED_FROM - 1, TimeUnit.SECONDS.toNanos(10), NOW); // too small to be measured
        assertEquals(TimeUnit.MILLISECONDS.toNanos(60), cost.estimateNanos(300_000, NOW));
    }

    @Test
    void estimatesByTheSlowestRateOfTheLastTenSecondsOrElseTheLastOneDecaying() {
        MergeCost cost = MergeCost.measured();
        cost.record(100_000, TimeUnit.MILLISECONDS.toNanos(40), NOW);
        cost.record(100_000, TimeUnit.MILLISECONDS.toNanos(10), NOW + TimeUnit.SECONDS.toNanos(5));
        assertEquals(TimeUnit.MILLISECONDS.toNanos(40), cost.estimateNanos(100_000, NOW + TimeUnit.SECONDS.toNanos(9)));
        assertEquals(TimeUnit.MILLISECONDS.toNanos(10), cost.estimateNanos(100_000, NOW + TimeUnit.SECONDS.toNanos(11)));
        // With none recent the last one counts, halved every further 10 s: refused merges are not measured, so a rate
        // that was too high must not refuse them for good, nor may refusing them all for 10 s admit the next at once.
        assertEquals(TimeUnit.MILLISECONDS.toNanos(10), cost.estimateNanos(100_000, NOW + TimeUnit.SECONDS.toNanos(20)));
        assertEquals(TimeUnit.MILLISECONDS.toNanos(5), cost.estimateNanos(100_000, NOW + TimeUnit.SECONDS.toNanos(30)));
        assertEquals(0, cost.estimateNanos(100_000, NOW + TimeUnit.HOURS.toNanos(1)));
    }

    @Test
    void leavesOutOnlyALargeMergeThatWouldEndAfterTheCutoff() {
        MergeCost cost = MergeCost.measured();
        cost.record(100_000, TimeUnit.MILLISECONDS.toNanos(20), System.nanoTime());
        long now = System.nanoTime();
        assertEquals(TimeUnit.MILLISECONDS.toNanos(20), cost.estimateIfPast(100_000, now), "the cutoff is now");
        assertEquals(0, cost.estimateIfPast(100_000, now + TimeUnit.HOURS.toNanos(1)), "an hour is enough");
        assertEquals(0, cost.estimateIfPast(MergeCost.MEASURED_FROM - 1, now), "a small merge never");
    }

    @Test
    void countsTheLargeMergesUnderWayThatShareAProcessor() {
        MergeCost one = MergeCost.onProcessors(1);
        one.record(100_000, TimeUnit.MILLISECONDS.toNanos(20), NOW);
        MergeCost.Merge first = one.begin(100_000);
        assertEquals(null, one.begin(MergeCost.MEASURED_FROM - 1), "a small merge is not counted");
        assertEquals(TimeUnit.MILLISECONDS.toNanos(40), one.estimateNanos(100_000, NOW), "sharing one processor");
        MergeCost two = MergeCost.onProcessors(2);
        two.record(100_000, TimeUnit.MILLISECONDS.toNanos(20), NOW);
        MergeCost.Merge other = two.begin(100_000);
        assertEquals(TimeUnit.MILLISECONDS.toNanos(20), two.estimateNanos(100_000, NOW), "one processor each");
        one.end(first, NOW);
        two.end(other, NOW);
        assertEquals(TimeUnit.MILLISECONDS.toNanos(20), one.estimateNanos(100_000, NOW), "the merge has ended");
    }

    @Test
    void aLargeUpstreamWhoseMergeWouldEndAfterTheCutoffIsLeftOut() throws Exception {
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.BUDGET.name(), "5s"))) {
            // As if the last large merge had taken 10 ms of processor time a number: this one would take 200 s.
            service.service().aggregations().mergeCost().record(MergeCost.MEASURED_FROM, Duration.ofSeconds(100).toNanos(),
                    System.nanoTime());
            Scrape before = Scrape.of(service);
            String body = service.get(upstream.url("/large"), upstream.url("/small")).body();
            assertEquals("{\"numbers\":[0]}", body.length() > 40 ? body.substring(0, 40) + "…" : body);
            Scrape after = Scrape.of(service);
            assertEquals(1, after.delta(before, FETCHES, "outcome", "late"));
            assertEquals(1, after.delta(before, FETCHES, "outcome", "ok"));
        }
    }

    @Test
    void aLargeUpstreamIsMergedAndMeasuredWhenNothingSaysItWouldBeLate() throws Exception {
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.BUDGET.name(), "5s"))) {
            Scrape before = Scrape.of(service);
            String body = service.get(upstream.url("/large"), upstream.url("/small")).body();
            assertTrue(body.startsWith("{\"numbers\":[0,1,2,3,"), () -> body.substring(0, 40));
            assertTrue(body.endsWith("," + LARGE + "]}"), () -> body.substring(body.length() - 40));
            assertEquals(2, Scrape.of(service).delta(before, FETCHES, "outcome", "ok"));
            assertTrue(service.service().aggregations().mergeCost().estimateNanos(LARGE, System.nanoTime()) > 0,
                    "the merge was measured");
        }
    }
}
