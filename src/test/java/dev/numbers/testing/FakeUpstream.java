package dev.numbers.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A real HTTP upstream on 127.0.0.1, port 0, whose paths behave as each test says. Delays are scheduled, never
 * slept, so hundreds of slow answers cost no threads.
 */
public final class FakeUpstream implements AutoCloseable {

    /** What a path does with a request. */
    @FunctionalInterface
    public interface Behavior {
        void handle(Request request, Response response, Callback callback, Scheduler scheduler) throws Exception;
    }

    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server, 1, 1);
    private final Map<String, Behavior> routes = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();

    private FakeUpstream(String host) {
        connector.setHost(host);
        connector.setPort(0);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String path = Request.getPathInContext(request);
                hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
                Behavior behavior = routes.get(path);
                if (behavior == null) {
                    Response.writeError(request, response, callback, 404);
                    return true;
                }
                behavior.handle(request, response, callback, server.getScheduler());
                return true;
            }
        });
    }

    /** A loopback port nothing listens on (bound and released): connections to it are refused. */
    public static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public static FakeUpstream start() throws Exception {
        return start("127.0.0.1");
    }

    /** Starts on another loopback address, e.g. 127.0.0.2, to stand for a host the policy refuses. */
    public static FakeUpstream start(String loopbackHost) throws Exception {
        FakeUpstream upstream = new FakeUpstream(loopbackHost);
        upstream.server.start();
        return upstream;
    }

    public FakeUpstream on(String path, Behavior behavior) {
        routes.put(path, behavior);
        return this;
    }

    public String url(String pathAndQuery) {
        return "http://" + connector.getHost() + ":" + connector.getLocalPort() + pathAndQuery;
    }

    public int port() {
        return connector.getLocalPort();
    }

    public int totalHits() {
        return hits.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    public int hits(String path) {
        AtomicInteger count = hits.get(path);
        return count == null ? 0 : count.get();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    // ---- behaviours ----

    public static Behavior json(String body) {
        return status(200, body);
    }

    public static Behavior numbers(long... values) {
        StringBuilder body = new StringBuilder("{\"numbers\":[");
        for (int i = 0; i < values.length; i++) {
            body.append(i == 0 ? "" : ",").append(values[i]);
        }
        return json(body.append("]}").toString());
    }

    public static Behavior status(int status, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return (request, response, callback, scheduler) -> {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
            response.write(true, ByteBuffer.wrap(bytes), callback);
        };
    }

    public static Behavior gzipJson(String body) {
        byte[] gzipped = gzip(body.getBytes(StandardCharsets.UTF_8));
        return (request, response, callback, scheduler) -> {
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.getHeaders().put(HttpHeader.CONTENT_ENCODING, "gzip");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, gzipped.length);
            response.write(true, ByteBuffer.wrap(gzipped), callback);
        };
    }

    public static Behavior redirect(int status, String location) {
        return (request, response, callback, scheduler) -> {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.LOCATION, location);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
            response.write(true, ByteBuffer.allocate(0), callback);
        };
    }

    /** Answers after {@code millis}, without holding a thread meanwhile. */
    public static Behavior delayed(long millis, Behavior then) {
        return (request, response, callback, scheduler) -> scheduler.schedule(() -> {
            try {
                then.handle(request, response, callback, scheduler);
            } catch (Exception e) {
                callback.failed(e);
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * The first request gets the first behaviour, the second the second, and so on; every request after the last
     * behaviour's gets the last one.
     */
    public static Behavior inTurn(Behavior... behaviors) {
        AtomicInteger turns = new AtomicInteger();
        return (request, response, callback, scheduler) -> behaviors[Math.min(turns.getAndIncrement(),
                behaviors.length - 1)].handle(request, response, callback, scheduler);
    }

    /** Never answers; the exchange ends when the client gives up or the server stops. */
    public static Behavior never() {
        return (request, response, callback, scheduler) -> {
        };
    }

    /** Streams {@code bytes} bytes of a never-ending JSON array, without a Content-Length. */
    public static Behavior endless(long bytes) {
        return (request, response, callback, scheduler) -> {
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            ByteBuffer chunk = ByteBuffer.wrap("1,".repeat(32 * 1024).getBytes(StandardCharsets.US_ASCII));
            response.write(false, ByteBuffer.wrap("{\"numbers\":[".getBytes(StandardCharsets.US_ASCII)),
                    new Callback() {
                        private long sent;

                        @Override
                        public void succeeded() {
                            if (sent >= bytes) {
                                response.write(true, ByteBuffer.wrap("1]}".getBytes(StandardCharsets.US_ASCII)), callback);
                                return;
                            }
                            sent += chunk.remaining();
                            response.write(false, chunk.duplicate(), this);
                        }

                        @Override
                        public void failed(Throwable x) {
                            callback.failed(x);
                        }
                    });
        };
    }

    public static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
