package dev.numbers.web;

import dev.numbers.aggregation.Exchange;
import dev.numbers.aggregation.Slot;
import dev.numbers.answer.ExplainAnswer;
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
import java.util.List;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * {@code GET /numbers?u=URL&u=URL…}: validates the request, then either answers at once (errors, no valid URL,
 * overload, a drain past its period) or starts an asynchronous {@code Aggregation} that fans out to the upstreams and writes the merged
 * answer within the budget. {@code HEAD} behaves like {@code GET} without a body; other methods get {@code 405}.
 * Declared in {@code web.xml} with {@code async-supported}.
 *
 * <p>{@code GET /explain} is the same servlet, registered by {@link NumbersContextListener} at
 * {@code numbers.explainPath}: the same rules, limits and budget, and an answer that also tells how each upstream
 * fared ({@code ExplainAnswer}).
 */
public final class NumbersServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final String ALLOW = "GET, HEAD";

    /** Answers as {@code /explain}. */
    private final boolean explain;
    private transient NumbersService service;

    /** {@code /numbers}, as {@code web.xml} declares it. */
    public NumbersServlet() {
        this(false);
    }

    /** @param explain whether to answer as {@code /explain} */
    NumbersServlet(boolean explain) {
        this.explain = explain;
    }

    @Override
    public void init() throws ServletException {
        service = NumbersService.from(getServletContext());
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
        String[] values = request.getParameterValues("u");
        UpstreamUrls upstreams;
        try {
            upstreams = UpstreamUrls.select(values, settings.maxUrls());
        } catch (UpstreamUrls.TooManyUrlsException e) {
            reject(Problem.tooManyUrls(e.limit()), response, headOnly, arrivalNanos);
            return;
        }

        if (upstreams.urls().isEmpty()) {
            NumbersAnswer empty = !explain ? NumbersAnswer.of(new ConcurrentSkipListSet<>())
                    : ExplainAnswer.of(new ConcurrentSkipListSet<>(), settings.budget(), null,
                            ExplainAnswer.millis(System.nanoTime() - arrivalNanos), List.of(),
                            UpstreamUrls.invalid(values));
            empty.write(response, headOnly, ServerTiming.of(arrivalNanos, 0, 0), 0, 0);
            service.observer().requestFinished(RequestResult.EMPTY, since(arrivalNanos));
            return;
        }

        if (!service.drain().admits()) {
            shed(Problem.stopping(), response, headOnly, arrivalNanos);
            return;
        }
        Slot slot = service.limiter().tryAcquire();
        if (slot == null) {
            shed(Problem.overloaded(service.limiter().limit()), response, headOnly, arrivalNanos);
            return;
        }
        if (!service.drain().admits()) {
            // Admission closed as this request took its slot. The drain closes admission, then counts the slots: it
            // either counted this one, or this check sees admission closed.
            slot.release();
            shed(Problem.stopping(), response, headOnly, arrivalNanos);
            return;
        }
        // The budget counts from when the request may have arrived: earlier than its entry if it queued during a
        // pause or stall of the process (ArrivalClock). Refusals above answer at once and count from entry.
        long assumedArrivalNanos = service.arrivals().arrivalNanos(arrivalNanos);
        if (assumedArrivalNanos != arrivalNanos) {
            service.observer().arrivalBackdated(Duration.ofNanos(arrivalNanos - assumedArrivalNanos));
        }
        Exchange.Explain explained = explain ? new Exchange.Explain(UpstreamUrls.invalid(values)) : null;
        try {
            AsyncContext async = request.startAsync(request, response);
            service.aggregations().start(
                    new Exchange(async, response, headOnly, assumedArrivalNanos, upstreams.urls(), explained), slot);
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

    /** A fast {@code 503} with {@code Retry-After}: over the in-flight limit, or stopping. */
    private void shed(Problem problem, HttpServletResponse response, boolean headOnly, long arrivalNanos)
            throws IOException {
        response.setHeader("Retry-After", "1");
        problem.write(response, headOnly, ServerTiming.of(arrivalNanos));
        service.observer().requestFinished(RequestResult.SHED, since(arrivalNanos));
    }

    private static Duration since(long arrivalNanos) {
        return Duration.ofNanos(System.nanoTime() - arrivalNanos);
    }
}
