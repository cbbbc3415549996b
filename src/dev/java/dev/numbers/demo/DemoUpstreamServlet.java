package dev.numbers.demo;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The classic test server of the exercise, for the development setup only ({@code mvn jetty:run}; it is compiled
 * with the tests, so the production WAR does not contain it). {@code /demo/primes}, {@code /demo/fibo},
 * {@code /demo/odd} and {@code /demo/rand} wait a uniformly random 0–549 ms, then answer {@code 503} with probability
 * 10%, otherwise {@code {"Numbers":[…]}} — without holding a thread while they wait.
 */
public final class DemoUpstreamServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    static final Map<String, String> BODIES = Map.of(
            "/primes", "{\"Numbers\":[2,3,5,7,11,13]}",
            "/fibo", "{\"Numbers\":[1,1,2,3,5,8,13,21]}",
            "/odd", "{\"Numbers\":[1,3,5,7,9,11,13,15,17,19,21,23]}",
            "/rand", "{\"Numbers\":[5,17,3,19,76,24,1,5,10,34,8,27,7]}");

    private transient ScheduledThreadPoolExecutor timer;

    @Override
    public void init() {
        timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "demo-upstream-timer");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void destroy() {
        timer.shutdownNow();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String body = BODIES.get(request.getPathInfo());
        if (body == null) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        AsyncContext async = request.startAsync();
        async.setTimeout(5_000);
        long delay = ThreadLocalRandom.current().nextLong(550);
        timer.schedule(() -> async.start(() -> answer(async, body)), delay, TimeUnit.MILLISECONDS);
    }

    private static void answer(AsyncContext async, String body) {
        HttpServletResponse response = (HttpServletResponse) async.getResponse();
        try {
            if (ThreadLocalRandom.current().nextInt(10) == 0) {
                response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "service unavailable");
            } else {
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                response.setContentType("application/json");
                response.setContentLength(bytes.length);
                response.getOutputStream().write(bytes);
            }
        } catch (IOException | IllegalStateException e) {
            // the caller gave up (its budget ended); nothing to answer
        } finally {
            async.complete();
        }
    }
}
