package dev.numbers.web;

import dev.numbers.aggregation.Exchange;
import dev.numbers.aggregation.Slot;
import dev.numbers.answer.NumbersAnswer;
import dev.numbers.answer.ServerTiming;
import dev.numbers.config.Settings;
import dev.numbers.metrics.RequestResult;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * {@code GET /numbers?u=URL&u=URL…}: validates the request, then either answers at once (errors, no valid URL,
 * overload) or starts an asynchronous {@code Aggregation} that fans out to the upstreams and writes the merged
 * answer within the budget. {@code HEAD} behaves like {@code GET} without a body; other methods get {@code 405}.
 * Declared in {@code web.xml} with {@code async-supported}.
 */
public final class NumbersServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final String ALLOW = "GET, HEAD";

    private transient NumbersService service;
    private transient ArrivalClock arrivals;

    @Override
    public void init() throws ServletException {
        service = NumbersService.from(getServletContext());
        arrivals = service.settings().pauseAwareArrival() ? ArrivalClock.pauseAware() : ArrivalClock.entryTime();
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        long arrivalNanos = System.nanoTime();
        String method = request.getMethod();
        boolean headOnly = "HEAD".equals(method);
        if (!headOnly && !"GET".equals(method)) {
            response.setHeader("Allow", ALLOW);
            if (request.getContentLengthLong() != 0) {
                // The body is never read. Say so, rather than let the container close the connection after the
                // answer while the client, unaware, sends its next request on it.
                response.setHeader("Connection", "close");
            }
            reject(Problem.methodNotAllowed(method), response, false, arrivalNanos);
            return;
        }

        Settings settings = service.settings();
        UpstreamUrls upstreams;
        try {
            upstreams = UpstreamUrls.select(request.getParameterValues("u"), settings.maxUrls());
        } catch (UpstreamUrls.TooManyUrlsException e) {
            reject(Problem.tooManyUrls(e.limit()), response, headOnly, arrivalNanos);
            return;
        }

        if (upstreams.urls().isEmpty()) {
            NumbersAnswer.of(new ConcurrentSkipListSet<>())
                    .write(response, headOnly, ServerTiming.of(arrivalNanos, 0, 0), 0, 0);
            service.observer().requestFinished(RequestResult.EMPTY, since(arrivalNanos));
            return;
        }

        Slot slot = service.limiter().tryAcquire();
        if (slot == null) {
            response.setHeader("Retry-After", "1");
            Problem.overloaded(service.limiter().limit()).write(response, headOnly, ServerTiming.of(arrivalNanos));
            service.observer().requestFinished(RequestResult.SHED, since(arrivalNanos));
            return;
        }
        // The budget counts from when the request may have arrived: earlier than its entry if it queued during a
        // stop-the-world pause (ArrivalClock). Refusals above answer at once and count from entry.
        long assumedArrivalNanos = arrivals.arrivalNanos(arrivalNanos);
        if (assumedArrivalNanos != arrivalNanos) {
            service.observer().arrivalBackdated(Duration.ofNanos(arrivalNanos - assumedArrivalNanos));
        }
        try {
            AsyncContext async = request.startAsync(request, response);
            service.aggregations().start(
                    new Exchange(async, response, headOnly, assumedArrivalNanos, upstreams.urls()), slot);
        } catch (RuntimeException | IOException e) {
            // startAsync or the fan-out failed before the aggregation could own the slot. If the aggregation's
            // listener was registered it releases it as well; only the first release counts.
            slot.release();
            throw e;
        }
    }

    private void reject(Problem problem, HttpServletResponse response, boolean headOnly, long arrivalNanos)
            throws IOException {
        problem.write(response, headOnly, ServerTiming.of(arrivalNanos));
        service.observer().requestFinished(RequestResult.REJECTED, since(arrivalNanos));
    }

    private static Duration since(long arrivalNanos) {
        return Duration.ofNanos(System.nanoTime() - arrivalNanos);
    }
}
