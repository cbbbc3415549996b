package dev.numbers.aggregation;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.util.List;

/**
 * One {@code /numbers} or {@code /explain} exchange handed to an aggregation: what belongs to this request alone.
 *
 * @param async        the started asynchronous context
 * @param response     its response, not yet committed
 * @param headOnly     a {@code HEAD} request: headers only
 * @param arrivalNanos {@link System#nanoTime()} from which the budget counts
 * @param urls         the distinct valid upstream URLs, at least one
 * @param explain      for {@code /explain}, what its answer adds; {@code null} for {@code /numbers}
 */
public record Exchange(AsyncContext async, HttpServletResponse response, boolean headOnly, long arrivalNanos,
        List<URI> urls, Explain explain) {

    public Exchange {
        urls = List.copyOf(urls);
    }

    /** A {@code /numbers} exchange. */
    public Exchange(AsyncContext async, HttpServletResponse response, boolean headOnly, long arrivalNanos,
            List<URI> urls) {
        this(async, response, headOnly, arrivalNanos, urls, null);
    }

    /**
     * What an {@code /explain} answer reports besides its upstreams.
     *
     * @param skipped the request's {@code u} values that are not valid URLs
     */
    public record Explain(List<String> skipped) {

        public Explain {
            skipped = List.copyOf(skipped);
        }
    }
}
