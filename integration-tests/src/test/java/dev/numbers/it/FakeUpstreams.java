package dev.numbers.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Upstreams the service under test fetches, in the test JVM on 127.0.0.1 and an ephemeral port.
 *
 * <ul>
 *   <li>{@code /primes}, {@code /fibo}, {@code /odd}: answer at once, like the classic test server
 *       ({@code {"Numbers":[…]}}, capital N);</li>
 *   <li>{@code /n/<a>,<b>,…}: answer at once with those numbers (distinct URLs for limit tests);</li>
 *   <li>{@code /range/FROM/COUNT}: {@code COUNT} consecutive numbers from {@code FROM};</li>
 *   <li>{@code /slow?id=X}: sleeps {@link #SLOW_MILLIS} before answering {@code {"numbers":[999]}};
 *       {@link #awaitHit(String, long)} tells when the service has called it;</li>
 *   <li>{@code /late?id=X}: as {@code /slow}, but sleeps {@link #LATE_MILLIS}, within the budget, and answers
 *       {@code {"numbers":[300]}};</li>
 *   <li>{@code /unavailable}: 503; {@code /malformed}: 200 with a body that is not JSON.</li>
 * </ul>
 */
final class FakeUpstreams implements AutoCloseable {

    static final long SLOW_MILLIS = 3_000;
    static final long LATE_MILLIS = 300;

    static final long[] PRIMES = {2, 3, 5, 7, 11, 13};
    static final long[] FIBO = {1, 1, 2, 3, 5, 8, 13, 21};

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, CountDownLatch> hits = new ConcurrentHashMap<>();

    FakeUpstreams() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-upstream");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/primes", ex -> json(ex, 200, "{\"Numbers\":[2,3,5,7,11,13]}"));
        server.createContext("/fibo", ex -> json(ex, 200, "{\"Numbers\":[1,1,2,3,5,8,13,21]}"));
        server.createContext("/odd", ex -> json(ex, 200,
                "{\"Numbers\":[1,3,5,7,9,11,13,15,17,19,21,23]}"));
        server.createContext("/n/", ex -> {
            String list = ex.getRequestURI().getPath().substring("/n/".length());
            json(ex, 200, "{\"numbers\":[" + list + "]}");
        });
        server.createContext("/range/", ex -> {
            // /range/FROM/COUNT: COUNT consecutive numbers from FROM
            String[] bounds = ex.getRequestURI().getPath().substring("/range/".length()).split("/");
            long from = Long.parseLong(bounds[0]);
            int count = Integer.parseInt(bounds[1]);
            StringBuilder body = new StringBuilder(count * 8 + 16).append("{\"numbers\":[");
            for (int i = 0; i < count; i++) {
                body.append(i == 0 ? "" : ",").append(from + i);
            }
            json(ex, 200, body.append("]}").toString());
        });
        server.createContext("/slow", ex -> sleepThenAnswer(ex, SLOW_MILLIS, "{\"numbers\":[999]}"));
        server.createContext("/late", ex -> sleepThenAnswer(ex, LATE_MILLIS, "{\"numbers\":[300]}"));
        server.createContext("/unavailable", ex -> json(ex, 503, "{\"numbers\":[503]}"));
        server.createContext("/malformed", ex -> json(ex, 200, "{\"numbers\":[1,2,"));
        server.start();
    }

    /** Base URL, e.g. {@code http://127.0.0.1:34567}. */
    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    String url(String pathAndQuery) {
        return base() + pathAndQuery;
    }

    /** Waits until the service has called {@code /slow?id=<id>} or {@code /late?id=<id>}. */
    boolean awaitHit(String id, long millis) throws InterruptedException {
        return hitLatch(id).await(millis, TimeUnit.MILLISECONDS);
    }

    private CountDownLatch hitLatch(String id) {
        return hits.computeIfAbsent(id, k -> new CountDownLatch(1));
    }

    private void sleepThenAnswer(HttpExchange ex, long millis, String body) throws IOException {
        String query = ex.getRequestURI().getRawQuery();
        hitLatch(query != null && query.startsWith("id=") ? query.substring(3) : "").countDown();
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        json(ex, 200, body);
    }

    private static void json(HttpExchange ex, int status, String body) throws IOException {
        try (ex) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException e) {
            // the service abandoned this upstream (deadline): expected
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
