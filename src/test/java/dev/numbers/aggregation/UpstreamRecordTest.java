package dev.numbers.aggregation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.numbers.answer.ExplainAnswer;
import dev.numbers.metrics.UpstreamOutcome;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How an upstream's record reads at the moment the answer is written, for every state of its attempts. */
class UpstreamRecordTest {

    private static final long MS = 1_000_000;
    private static final long ARRIVAL = 1_000 * MS;
    private static final URI URL = URI.create("http://h:8080/p?q=1");

    private final UpstreamRecord record = new UpstreamRecord(URL);

    @Test
    void anUpstreamNotSentYetIsLateWithoutStartOrEnd() {
        assertEquals(new ExplainAnswer.Upstream(URL.toString(), "late", 0, null, null, 0, List.of()),
                record.report(ARRIVAL));
    }

    @Test
    void aPendingAttemptIsLateWithoutEnd() {
        record.begin(UpstreamRecord.Kind.FIRST, ARRIVAL + 2 * MS).status(200);
        assertEquals(new ExplainAnswer.Upstream(URL.toString(), "late", 0, 2.0, null, 0,
                List.of(new ExplainAnswer.Attempt("first", 2.0, null, "late", 0))), record.report(ARRIVAL));
    }

    @Test
    void aFailedAttemptGivesItsOutcomeStatusAndEnd() {
        UpstreamRecord.Attempt attempt = record.begin(UpstreamRecord.Kind.FIRST, ARRIVAL + 1_250_000);
        attempt.status(503);
        attempt.end(ARRIVAL + 12_349_999, UpstreamOutcome.HTTP_ERROR);
        assertEquals(new ExplainAnswer.Upstream(URL.toString(), "http_error", 503, 1.3, 12.3, 0,
                List.of(new ExplainAnswer.Attempt("first", 1.3, 12.3, "http_error", 503))), record.report(ARRIVAL));
    }

    @Test
    void aMergedAttemptIsOkWithWhatItContributed() {
        UpstreamRecord.Attempt attempt = record.begin(UpstreamRecord.Kind.FIRST, ARRIVAL);
        attempt.status(200);
        attempt.merged(ARRIVAL + 470 * MS, 7);
        assertEquals(new ExplainAnswer.Upstream(URL.toString(), "ok", 200, 0.0, 470.0, 7,
                List.of(new ExplainAnswer.Attempt("first", 0.0, 470.0, "ok", 200))), record.report(ARRIVAL));
    }

    @Test
    void withSeveralAttemptsAMergedOneDecidesThenAPendingOneThenTheLastToEnd() {
        UpstreamRecord.Attempt first = record.begin(UpstreamRecord.Kind.FIRST, ARRIVAL + MS);
        first.end(ARRIVAL + 5 * MS, UpstreamOutcome.CONNECT_ERROR);
        UpstreamRecord.Attempt second = record.begin(UpstreamRecord.Kind.FIRST, ARRIVAL + 6 * MS);
        ExplainAnswer.Upstream pending = record.report(ARRIVAL);
        assertEquals("late", pending.outcome());
        assertNull(pending.endMs());
        assertEquals(1.0, pending.startMs());
        second.status(502);
        second.end(ARRIVAL + 9 * MS, UpstreamOutcome.HTTP_ERROR);
        ExplainAnswer.Upstream failed = record.report(ARRIVAL);
        assertEquals(List.of("http_error", "502", "9.0"),
                List.of(failed.outcome(), String.valueOf(failed.status()), String.valueOf(failed.endMs())));
        UpstreamRecord.Attempt third = record.begin(UpstreamRecord.Kind.FIRST, ARRIVAL + 10 * MS);
        third.merged(ARRIVAL + 11 * MS, 3);
        ExplainAnswer.Upstream merged = record.report(ARRIVAL);
        assertEquals(List.of("ok", "11.0", "3", "3"), List.of(merged.outcome(), String.valueOf(merged.endMs()),
                String.valueOf(merged.contributed()), String.valueOf(merged.attempts().size())));
    }
}
