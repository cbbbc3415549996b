package dev.numbers.answer;

import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.NavigableSet;

/**
 * The answer of {@code GET /explain}: the merged numbers, as {@code /numbers} answers them, and how each upstream
 * fared on the budget's axis — when it was sent, when it ended and how, what it contributed. Times are milliseconds
 * from the request's arrival, with one decimal. See docs/contract.md#explain.
 */
public final class ExplainAnswer {

    private ExplainAnswer() {
    }

    /**
     * One request sent to an upstream: its first, and at most one extra (a retry or a hedge).
     *
     * @param kind    what made it: {@code first}, {@code retry} or {@code hedge}
     * @param startMs when it was sent
     * @param endMs   when it ended, or {@code null} while it was still pending as the answer was written
     * @param outcome how it ended, as the metrics label it ({@code late} while pending)
     * @param status  the HTTP status it was answered with, or 0 when none was received
     */
    public record Attempt(String kind, double startMs, Double endMs, String outcome, int status) {
    }

    /**
     * One distinct valid upstream URL of the request.
     *
     * @param url         the URL
     * @param outcome     how it ended, as the metrics label it: {@code ok} when its numbers are in the answer,
     *                    {@code late} while pending
     * @param status      the HTTP status of the attempt that settled it, or 0 when none was received
     * @param startMs     when its first attempt was sent, or {@code null} when none was sent before the answer
     * @param endMs       when the attempt that settled it ended, or {@code null} while it was still pending as the
     *                    answer was written
     * @param contributed the distinct numbers of its body merged into the answer; 0 when not merged
     * @param attempts    its attempts, in the order they were sent
     */
    public record Upstream(String url, String outcome, int status, Double startMs, Double endMs, int contributed,
            List<Attempt> attempts) {

        public Upstream {
            attempts = List.copyOf(attempts);
        }
    }

    /**
     * @param nanos a duration in nanoseconds
     * @return the duration in milliseconds, rounded to one decimal
     */
    public static double millis(long nanos) {
        return Math.round(nanos / 100_000.0) / 10.0;
    }

    /**
     * Renders the answer of an aggregation.
     *
     * @param numbers       the merged numbers, ascending; iterated once
     * @param budget        the budget
     * @param cutoffMs      when pending upstreams were abandoned, from arrival; {@code null} when nothing was
     *                      fetched
     * @param answeredMs    when the answer was rendered, from arrival
     * @param upstreams     one entry per distinct valid URL, in request order
     * @param skipped       the {@code u} values that were not valid URLs
     * @return the answer, {@code 200 application/json}
     */
    public static NumbersAnswer of(NavigableSet<Long> numbers, Duration budget, Double cutoffMs, double answeredMs,
            List<Upstream> upstreams, List<String> skipped) {
        StringWriter out = new StringWriter(256 + numbers.size() * 8 + upstreams.size() * 256);
        try (JsonWriter json = new JsonWriter(out)) {
            json.setHtmlSafe(true);
            json.beginObject().name("numbers").beginArray();
            for (Long n : numbers) {
                json.value(n.longValue());
            }
            json.endArray();
            json.name("budgetMs").value(budget.toMillis());
            json.name("cutoffMs").value(cutoffMs);
            json.name("answeredMs").value(answeredMs);
            json.name("upstreams").beginArray();
            for (Upstream upstream : upstreams) {
                json.beginObject().name("url").value(upstream.url()).name("outcome").value(upstream.outcome());
                status(json, upstream.status());
                json.name("startMs").value(upstream.startMs()).name("endMs").value(upstream.endMs());
                json.name("contributed").value(upstream.contributed());
                json.name("attempts").beginArray();
                for (Attempt attempt : upstream.attempts()) {
                    json.beginObject().name("kind").value(attempt.kind()).name("outcome").value(attempt.outcome());
                    status(json, attempt.status());
                    json.name("startMs").value(attempt.startMs()).name("endMs").value(attempt.endMs()).endObject();
                }
                json.endArray().endObject();
            }
            json.endArray();
            json.name("skipped").beginArray();
            for (String value : skipped) {
                json.value(value);
            }
            json.endArray().endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return new NumbersAnswer(out.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The status member, present only when a status was received. */
    private static void status(JsonWriter json, int status) throws IOException {
        if (status > 0) {
            json.name("status").value(status);
        }
    }
}
