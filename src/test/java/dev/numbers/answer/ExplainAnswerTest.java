package dev.numbers.answer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListSet;
import org.junit.jupiter.api.Test;

class ExplainAnswerTest {

    @Test
    void rendersTheNumbersTheBudgetAndEveryUpstreamWithItsAttempts() {
        NumbersAnswer answer = ExplainAnswer.of(new ConcurrentSkipListSet<>(List.of(5L, -3L)), Duration.ofMillis(500),
                470.0, 471.2, List.of(
                        new ExplainAnswer.Upstream("http://h/a", "ok", 200, 0.4, 2.1, 2,
                                List.of(new ExplainAnswer.Attempt("first", 0.4, 2.1, "ok", 200))),
                        new ExplainAnswer.Upstream("http://h/<b>", "late", 0, 0.5, null, 0,
                                List.of(new ExplainAnswer.Attempt("first", 0.5, null, "late", 0)))),
                List.of("not-a-url"));
        assertEquals("{\"numbers\":[-3,5],\"budgetMs\":500,\"cutoffMs\":470.0,\"answeredMs\":471.2,\"upstreams\":["
                + "{\"url\":\"http://h/a\",\"outcome\":\"ok\",\"status\":200,\"startMs\":0.4,\"endMs\":2.1,"
                + "\"contributed\":2,\"attempts\":[{\"kind\":\"first\",\"outcome\":\"ok\",\"status\":200,"
                + "\"startMs\":0.4,\"endMs\":2.1}]},"
                + "{\"url\":\"http://h/\\u003cb\\u003e\",\"outcome\":\"late\",\"startMs\":0.5,\"endMs\":null,"
                + "\"contributed\":0,\"attempts\":[{\"kind\":\"first\",\"outcome\":\"late\",\"startMs\":0.5,"
                + "\"endMs\":null}]}],\"skipped\":[\"not-a-url\"]}", answer.json());
    }

    @Test
    void rendersAnAnswerWithoutFetchWithoutCutoff() {
        assertEquals("{\"numbers\":[],\"budgetMs\":500,\"cutoffMs\":null,\"answeredMs\":0.1,\"upstreams\":[],"
                + "\"skipped\":[]}", ExplainAnswer.of(new ConcurrentSkipListSet<>(), Duration.ofMillis(500), null,
                        0.1, List.of(), List.of()).json());
    }

    @Test
    void roundsNanosecondsToTenthsOfAMillisecond() {
        assertEquals(0.0, ExplainAnswer.millis(49_999));
        assertEquals(0.1, ExplainAnswer.millis(50_000));
        assertEquals(470.3, ExplainAnswer.millis(470_251_000));
    }
}
