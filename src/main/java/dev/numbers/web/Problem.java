package dev.numbers.web;

import com.google.gson.stream.JsonWriter;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * An RFC 9457 problem detail, written as {@code application/problem+json}: the body of every error the client can
 * cause.
 *
 * @param type   a URI reference naming the kind of problem
 * @param title  a short, fixed summary of the kind
 * @param status the HTTP status code
 * @param detail what happened in this request
 */
record Problem(String type, String title, int status, String detail) {

    static Problem tooManyUrls(int limit) {
        return new Problem("urn:numbers:problem:too-many-urls", "Too many URLs", 400,
                "At most " + limit + " distinct valid u parameters are accepted per request");
    }

    static Problem methodNotAllowed(String method) {
        return new Problem("urn:numbers:problem:method-not-allowed", "Method not allowed", 405,
                "Method " + method + " is not supported; use GET or HEAD");
    }

    static Problem overloaded(int maxInFlight) {
        return new Problem("urn:numbers:problem:overloaded", "Service overloaded", 503,
                "More than " + maxInFlight + " requests are being aggregated; retry shortly");
    }

    static Problem stopping() {
        return new Problem("urn:numbers:problem:stopping", "Service stopping", 503,
                "This instance is stopping; retry on another");
    }

    /** @return the JSON body */
    String json() {
        StringWriter out = new StringWriter();
        try (JsonWriter json = new JsonWriter(out)) {
            json.beginObject()
                    .name("type").value(type)
                    .name("title").value(title)
                    .name("status").value(status)
                    .name("detail").value(detail)
                    .endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    /**
     * Writes the problem as the whole response.
     *
     * @param response     the response, not yet committed
     * @param headOnly     whether to leave the body out ({@code HEAD})
     * @param serverTiming the {@code Server-Timing} header value
     * @throws IOException when the client is gone
     */
    void write(HttpServletResponse response, boolean headOnly, String serverTiming) throws IOException {
        byte[] body = json().getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setHeader("Server-Timing", serverTiming);
        response.setContentType("application/problem+json");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        if (!headOnly) {
            response.getOutputStream().write(body);
        }
    }
}
