package dev.numbers.web;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /health}: {@code 200 {"status":"up",…}} while the service can serve — it is started and its upstream
 * HttpClient is running —, {@code 503 {"status":"draining"}} from {@code SIGTERM} until the process ends
 * ({@link Drain}), and {@code 503 {"status":"down"}} otherwise (not started yet, stopping, or the client stopped). The body also tells the aggregations in flight and their limit. Registered by
 * {@link NumbersContextListener} at {@code numbers.healthPath}.
 */
final class HealthServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object attribute = getServletContext().getAttribute(NumbersService.ATTRIBUTE);
        NumbersService service = attribute instanceof NumbersService ? (NumbersService) attribute : null;
        String body;
        if (service != null && service.drain().draining()) {
            response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
            body = "{\"status\":\"draining\"}";
        } else if (service != null && service.client().isRunning()) {
            InFlightLimiter limiter = service.limiter();
            response.setStatus(HttpServletResponse.SC_OK);
            body = "{\"status\":\"up\",\"inFlight\":" + limiter.inFlight() + ",\"inFlightLimit\":" + limiter.limit()
                    + ",\"maxInFlight\":" + limiter.ceiling() + "}";
        } else {
            response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
            body = "{\"status\":\"down\"}";
        }
        byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
        response.setContentType("application/json");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
