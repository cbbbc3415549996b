package dev.numbers.aggregation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.numbers.answer.ExplainAnswer;
import dev.numbers.metrics.AttemptKind;
import dev.numbers.metrics.UpstreamOutcome;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How an upstream's report reads at the moment the answer is written, for every state of its attempts. */
class UpstreamReportTest {

    private static final long MS = 1_000_000;
    private static final long ARRIVAL = 1_000 * MS;
    private static final URI URL = URI.create("http://h:8080/p?q=1");

    private static ExplainAnswer.Upstream report(Attempt... attempts) {
        return Upstream.report(URL, List.of(attempts), ARRIVAL);
    }

    @Test
    void anUpstreamNotSentYetIsLateWithoutStartOrEnd() {
        assertEquals(new ExplainAnswer.Upstream(URL.toString(), "late", 0, null, null, 0, List.of()), report());
    }

    @Test
    void aPendingAttemptIsLateWithoutEnd() {
        Attempt attempt = new Attempt(AttemptKind.FIRST, ARRIVAL + 2 * MS);
        assertEquals(new ExplainAnswer.Upstream(URL.toString(), "late", 0, 2.0, null, 0,
                List.of(new ExplainAnswer.Attempt("first", 2.0, null, "late", 0))), report(attempt));
    }

    @Test
    void anAttemptEndedButNotYetDecidedOnIsPending() {
        Attempt attempt = new Attempt(AttemptKind.FIRST, ARRIVAL + 2 * MS);
        attempt.ended(ARRIVAL + 5 * MS, 200);
        assertEquals(new ExplainAnswer.Upstream(URL.toString(), "late", 0, 2.0, null, 0,
                List.of(new ExplainAnswer.Attempt("first", 2.0, null, "late", 0))), report(attempt));
    }

    @Test
    void aFailedAttemptGivesItsOutcomeStatusAndEnd() {
        Attempt attempt = new Attempt(AttemptKind.FIRST, ARRIVAL + 1_250_000);
        attempt.ended(ARRIVAL + 12_349_999, 503);
        attempt.settled(UpstreamOutcome.HTTP_ERROR);
        assertEquals(new ExplainAnswer.Upstream(URL.toString(), "http_error", 503, 1.3, 12.3, 0,
                List.of(new ExplainAnswer.Attempt("first", 1.3, 12.3, "http_error", 503))), report(attempt));
    }

    @Test
    void aMergedAttemptIsOkWithWhatItContributed() {
        Attempt attempt = new Attempt(AttemptKind.FIRST, ARRIVAL);
        attempt.ended(ARRIVAL + 470 * MS, 200);
        attempt.merged(7);
        assertEquals(new ExplainAnswer.Upstream(URL.toString(), "ok", 200, 0.0, 470.0, 7,
                List.of(new ExplainAnswer.Attempt("first", 0.0, 470.0, "ok", 200))), report(attempt));
    }

    @Test
    void aFailureThatPassedItsPlaceToARetryLeavesTheUpstreamPendingUntilTheRetrySettlesIt() {
        Attempt first = new Attempt(AttemptKind.FIRST, ARRIVAL + MS);
        first.ended(ARRIVAL + 5 * MS, 503);
        first.end(UpstreamOutcome.HTTP_ERROR);
        ExplainAnswer.Upstream waiting = report(first); // the retry is claimed, not yet sent
        assertEquals("late", waiting.outcome());
        assertNull(waiting.endMs());
        assertEquals(List.of(new ExplainAnswer.Attempt("first", 1.0, 5.0, "http_error", 503)), waiting.attempts());
        Attempt retry = new Attempt(AttemptKind.RETRY, ARRIVAL + 6 * MS);
        assertEquals("late", report(first, retry).outcome());
        retry.ended(ARRIVAL + 9 * MS, 502);
        retry.settled(UpstreamOutcome.HTTP_ERROR);
        ExplainAnswer.Upstream failed = report(first, retry);
        assertEquals(List.of("http_error", "502", "1.0", "9.0"), List.of(failed.outcome(),
                String.valueOf(failed.status()), String.valueOf(failed.startMs()), String.valueOf(failed.endMs())));
    }

    @Test
    void aMergedHedgeDecidesWhileTheFirstIsStillPending() {
        Attempt first = new Attempt(AttemptKind.FIRST, ARRIVAL + MS);
        Attempt hedge = new Attempt(AttemptKind.HEDGE, ARRIVAL + 100 * MS);
        hedge.ended(ARRIVAL + 120 * MS, 200);
        hedge.merged(3);
        assertEquals(new ExplainAnswer.Upstream(URL.toString(), "ok", 200, 1.0, 120.0, 3,
                List.of(new ExplainAnswer.Attempt("first", 1.0, null, "late", 0),
                        new ExplainAnswer.Attempt("hedge", 100.0, 120.0, "ok", 200))), report(first, hedge));
        first.ended(ARRIVAL + 130 * MS, 200);
        first.end(UpstreamOutcome.LATE); // its valid answer came after the hedge's: not merged
        ExplainAnswer.Upstream after = report(first, hedge);
        assertEquals(List.of("ok", "120.0", "late", "130.0"), List.of(after.outcome(), String.valueOf(after.endMs()),
                after.attempts().get(0).outcome(), String.valueOf(after.attempts().get(0).endMs())));
    }

    @Test
    void aValidAnswerLeftOutOfTheAnswerSettlesTheUpstreamLate() {
        Attempt first = new Attempt(AttemptKind.FIRST, ARRIVAL);
        first.ended(ARRIVAL + 480 * MS, 200);
        first.settled(UpstreamOutcome.LATE);
        assertEquals(new ExplainAnswer.Upstream(URL.toString(), "late", 200, 0.0, 480.0, 0,
                List.of(new ExplainAnswer.Attempt("first", 0.0, 480.0, "late", 200))), report(first));
    }
}
