package dev.numbers.aggregation;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.util.List;

/**
 * One {@code /numbers} exchange handed to an aggregation: what belongs to this request alone.
 *
 * @param async        the started asynchronous context
 * @param response     its response, not yet committed
 * @param headOnly     a {@code HEAD} request: headers only
 * @param arrivalNanos {@link System#nanoTime()} from which the budget counts
 * @param urls         the distinct valid upstream URLs, at least one
 */
public record Exchange(AsyncContext async, HttpServletResponse response, boolean headOnly, long arrivalNanos,
        List<URI> urls) {

    public Exchange {
        urls = List.copyOf(urls);
    }
}
