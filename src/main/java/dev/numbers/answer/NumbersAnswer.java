package dev.numbers.answer;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.NavigableSet;

/**
 * The {@code 200 {"numbers":[…]}} answer: renders an ascending set of numbers and writes it with its headers. The
 * answer of {@code /explain} ({@link ExplainAnswer}) is a {@code 200 application/json} answer of this class too.
 *
 * <p>The body is rendered into one byte array first so that {@code Content-Length} is exact and the container can
 * send headers and body in as few writes as possible.
 */
public final class NumbersAnswer {

    private final byte[] body;

    NumbersAnswer(byte[] body) {
        this.body = body;
    }

    /**
     * Renders a snapshot of the given set.
     *
     * @param numbers an ascending set; iterated once (a weakly consistent iterator is fine when nothing is added)
     * @return the rendered answer
     */
    public static NumbersAnswer of(NavigableSet<Long> numbers) {
        StringBuilder json = new StringBuilder(16 + numbers.size() * 8);
        json.append("{\"numbers\":[");
        boolean first = true;
        for (Long n : numbers) {
            if (!first) {
                json.append(',');
            }
            json.append(n.longValue());
            first = false;
        }
        json.append("]}");
        // Digits, signs, commas and brackets only: ISO-8859-1 gives the same bytes as US-ASCII, by a plain copy of the
        // string's own bytes where US-ASCII checks each.
        return new NumbersAnswer(json.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    /** @return the rendered JSON, for tests */
    String json() {
        return new String(body, StandardCharsets.US_ASCII);
    }

    /** @return the rendered body; not to be modified */
    public byte[] body() {
        return body;
    }

    /**
     * Sets status and headers, {@code Content-Length} included. The response is not committed before this.
     *
     * @param response      the response
     * @param serverTiming  the {@code Server-Timing} header value
     * @param merged        upstreams merged into this answer
     * @param upstreams     distinct valid upstream URLs of the request
     */
    public void setHeaders(HttpServletResponse response, String serverTiming, int merged, int upstreams) {
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType("application/json");
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("Server-Timing", serverTiming);
        response.setHeader(Completeness.HEADER, Completeness.of(merged, upstreams));
        response.setContentLength(body.length);
    }

    /**
     * Writes status, headers and (unless {@code headOnly}) the body with blocking I/O, on the container thread of a
     * request answered without going asynchronous. Asynchronous answers go through {@link AnswerWriter}.
     *
     * @param response      the response
     * @param headOnly      a {@code HEAD} request: headers and {@code Content-Length} only
     * @param serverTiming  the {@code Server-Timing} header value
     * @param merged        upstreams merged into this answer
     * @param upstreams     distinct valid upstream URLs of the request
     * @throws IOException when the client is gone
     */
    public void write(HttpServletResponse response, boolean headOnly, String serverTiming, int merged, int upstreams)
            throws IOException {
        setHeaders(response, serverTiming, merged, upstreams);
        if (!headOnly) {
            response.getOutputStream().write(body);
        }
    }
}
