package dev.numbers.bench;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;

import com.google.gson.Gson;

/**
 * A fake upstream for benchmarking {@code /numbers}, with the same semantics as the shared harness's Go
 * {@code upstream} (so that figures compare), plus {@code /big}.
 *
 * <ul>
 * <li>{@code /primes /fibo /odd /rand}: the classic test server: a uniformly random 0..549 ms delay, then 503 with
 * probability 10 %, otherwise {@code {"Numbers":[…]}}. {@code --random=false} answers at once and never fails.</li>
 * <li>{@code /set/{k}?delay=MS[&status=CODE]}: after exactly MS ms, {@code {"numbers":[7,k*1000+1,k*1000+2,k*1000+3]}}
 * (or CODE, if given and not 200).</li>
 * <li>{@code /big?n=N[&start=S][&step=D][&delay=MS][&order=shuffled|asc|desc]}: the N distinct numbers S, S+D, …,
 * S+(N-1)·D (default S=0, D=1, shuffled with a fixed seed) after MS ms. Bodies are cached.</li>
 * <li>{@code /health}: "ok". {@code /stats}: counters as JSON.</li>
 * </ul>
 *
 * Non-blocking: delayed answers are scheduled on a {@link Scheduler}; no thread ever sleeps.
 * Usage: {@code java -cp numbers-bench.jar dev.numbers.bench.FakeUpstream [--addr 127.0.0.1:8090] [--random=false]
 * [--max-delay-ms 550] [--error-rate 0.10] [--quiet]}
 * ({@code --seed} is accepted for compatibility and ignored: classic delays use ThreadLocalRandom.)
 */
public final class FakeUpstream {

    static final Map<String, long[]> CLASSIC = Map.of(
            "/primes", new long[] {2, 3, 5, 7, 11, 13},
            "/fibo", new long[] {1, 1, 2, 3, 5, 8, 13, 21},
            "/odd", new long[] {1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23},
            "/rand", new long[] {5, 17, 3, 19, 76, 24, 1, 5, 10, 34, 8, 27, 7});

    /** In every /set/{k} answer, so that de-duplication is exercised. */
    static final long SHARED_NUMBER = 7;
    static final int BIG_MAX_N = 5_000_000;

    private static final HttpField JSON = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");
    private static final HttpField TEXT = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");

    private final boolean random;
    private final int maxDelayMs;
    private final double errorRate;
    private final Map<String, byte[]> classicBodies = new ConcurrentHashMap<>();
    private final Map<String, byte[]> bigBodies = java.util.Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, byte[]> e) {
                    return size() > 16;
                }
            });

    // counters, as in the Go upstream's /stats
    private final LongAdder requests = new LongAdder();
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong maxInFlight = new AtomicLong();
    private final LongAdder canceled = new LongAdder();
    private final LongAdder errors503 = new LongAdder();
    private final LongAdder badRequests = new LongAdder();
    private final LongAdder connsOpened = new LongAdder();
    private final AtomicLong connsActive = new AtomicLong();
    private final Map<String, LongAdder> paths = new ConcurrentHashMap<>();

    private Server server;
    private Scheduler scheduler;

    FakeUpstream(boolean random, int maxDelayMs, double errorRate, long seed) {
        this.random = random;
        this.maxDelayMs = maxDelayMs;
        this.errorRate = errorRate;
        CLASSIC.forEach((p, nums) -> classicBodies.put(p, body("Numbers", nums)));
    }

    /** {@code {"<member>":[n1,n2,…]}\n} as UTF-8. */
    static byte[] body(String member, long[] nums) {
        StringBuilder b = new StringBuilder(16 + 8 * nums.length);
        b.append("{\"").append(member).append("\":[");
        for (int i = 0; i < nums.length; i++) {
            if (i > 0) b.append(',');
            b.append(nums[i]);
        }
        return b.append("]}\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The numbers of /set/{k}. */
    static long[] setNumbers(long k) {
        long b = k * 1000;
        return new long[] {SHARED_NUMBER, b + 1, b + 2, b + 3};
    }

    /** The numbers of /big: start + i*step for i in [0, n), in the given order (shuffled with a fixed seed). */
    static long[] bigNumbers(int n, long start, long step, String order) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) a[i] = start + i * step;
        switch (order) {
            case "asc":
                break;
            case "desc":
                for (int i = 0, j = n - 1; i < j; i++, j--) {
                    long t = a[i]; a[i] = a[j]; a[j] = t;
                }
                break;
            default: // shuffled, deterministic for the same parameters
                SplittableRandom r = new SplittableRandom(start * 31 + step * 17 + n);
                for (int i = n - 1; i > 0; i--) {
                    int j = r.nextInt(i + 1);
                    long t = a[i]; a[i] = a[j]; a[j] = t;
                }
        }
        return a;
    }

    public int start(String host, int port) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(64, 4);
        pool.setName("upstream");
        scheduler = new ScheduledExecutorScheduler("upstream-scheduler", false);
        server = new Server(pool, scheduler, null);
        HttpConfiguration hc = new HttpConfiguration();
        hc.setSendServerVersion(false);
        hc.setSendDateHeader(false);
        ServerConnector c = new ServerConnector(server, 1, 1, new HttpConnectionFactory(hc));
        c.setHost(host);
        c.setPort(port);
        c.setAcceptQueueSize(4096);
        c.setIdleTimeout(120_000);
        c.addEventListener(new Connection.Listener() {
            @Override
            public void onOpened(Connection connection) {
                connsOpened.increment();
                connsActive.incrementAndGet();
            }

            @Override
            public void onClosed(Connection connection) {
                connsActive.decrementAndGet();
            }
        });
        server.addConnector(c);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                return FakeUpstream.this.handle(request, response, callback);
            }
        });
        server.start();
        return c.getLocalPort();
    }

    public void stop() throws Exception {
        if (server != null) server.stop();
    }

    private void enter(String path) {
        requests.increment();
        paths.computeIfAbsent(path, p -> new LongAdder()).increment();
        long n = inFlight.incrementAndGet();
        long m;
        while (n > (m = maxInFlight.get()) && !maxInFlight.compareAndSet(m, n)) {
            // retry
        }
    }

    boolean handle(Request request, Response response, Callback callback) {
        String path = request.getHttpURI().getPath();
        if (path == null) path = "/";
        switch (path) {
            case "/health":
                write(response, 200, TEXT, "ok\n".getBytes(StandardCharsets.US_ASCII), callback);
                return true;
            case "/stats":
                write(response, 200, JSON, stats().getBytes(StandardCharsets.UTF_8), callback);
                return true;
            default:
                break;
        }
        byte[] classic = classicBodies.get(path);
        if (classic != null) {
            enter(path);
            int delay = 0;
            boolean fail = false;
            if (random) {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                delay = maxDelayMs > 0 ? r.nextInt(maxDelayMs) : 0;
                fail = r.nextDouble() < errorRate;
            }
            if (fail) {
                errors503.increment();
                later(delay, response, callback, 503, TEXT, "service unavailable\n".getBytes(StandardCharsets.US_ASCII));
            } else {
                later(delay, response, callback, 200, JSON, classic);
            }
            return true;
        }
        if (path.startsWith("/set/")) {
            enter("/set/");
            long k;
            try {
                k = Long.parseLong(path.substring(5));
            } catch (NumberFormatException e) {
                k = -1;
            }
            if (k < 1 || k > (1L << 40)) {
                return bad(response, callback, "bad k (want /set/{k}, 1 <= k <= 2^40)");
            }
            Fields q = Request.extractQueryParameters(request);
            int delay = intParam(q, "delay", 0);
            int status = intParam(q, "status", 200);
            if (delay < 0) return bad(response, callback, "bad delay");
            if (status < 100 || status > 599) return bad(response, callback, "bad status");
            if (status != 200) {
                later(delay, response, callback, status, TEXT, "injected status\n".getBytes(StandardCharsets.US_ASCII));
            } else {
                later(delay, response, callback, 200, JSON, body("numbers", setNumbers(k)));
            }
            return true;
        }
        if (path.equals("/big")) {
            enter("/big");
            Fields q = Request.extractQueryParameters(request);
            int n = intParam(q, "n", 1000);
            long start = longParam(q, "start", 0);
            long step = longParam(q, "step", 1);
            int delay = intParam(q, "delay", 0);
            String order = q.getValue("order") == null ? "shuffled" : q.getValue("order");
            if (n < 0 || n > BIG_MAX_N || step < 1 || delay < 0 || start == Long.MIN_VALUE) {
                return bad(response, callback, "bad /big parameters (0 <= n <= " + BIG_MAX_N + ", step >= 1, delay >= 0)");
            }
            String key = n + "/" + start + "/" + step + "/" + order;
            byte[] b = bigBodies.get(key);
            if (b == null) {
                b = body("numbers", bigNumbers(n, start, step, order));
                bigBodies.put(key, b);
            }
            later(delay, response, callback, 200, JSON, b);
            return true;
        }
        write(response, 404, TEXT, "not found\n".getBytes(StandardCharsets.US_ASCII), callback);
        return true;
    }

    private boolean bad(Response response, Callback callback, String msg) {
        badRequests.increment();
        inFlight.decrementAndGet();
        write(response, 400, TEXT, (msg + "\n").getBytes(StandardCharsets.UTF_8), callback);
        return true;
    }

    private static int intParam(Fields q, String name, int dflt) {
        String v = q.getValue(name);
        if (v == null || v.isEmpty()) return dflt;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static long longParam(Fields q, String name, long dflt) {
        String v = q.getValue(name);
        if (v == null || v.isEmpty()) return dflt;
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    /** Answers after delayMs without holding a thread; counts the in-flight request down when written. */
    private void later(int delayMs, Response response, Callback callback, int status, HttpField type, byte[] body) {
        Callback done = new Callback() {
            @Override
            public void succeeded() {
                inFlight.decrementAndGet();
                callback.succeeded();
            }

            @Override
            public void failed(Throwable x) {
                inFlight.decrementAndGet();
                canceled.increment(); // the client went away before (or while) we answered
                callback.failed(x);
            }
        };
        if (delayMs <= 0) {
            write(response, status, type, body, done);
        } else {
            scheduler.schedule(() -> write(response, status, type, body, done), delayMs, TimeUnit.MILLISECONDS);
        }
    }

    private static void write(Response response, int status, HttpField type, byte[] body, Callback callback) {
        try {
            response.setStatus(status);
            response.getHeaders().put(type);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
            response.write(true, ByteBuffer.wrap(body), callback);
        } catch (Throwable x) {
            callback.failed(x);
        }
    }

    String stats() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requests", requests.sum());
        m.put("in_flight", inFlight.get());
        m.put("max_in_flight", maxInFlight.get());
        m.put("canceled", canceled.sum());
        m.put("errors_503", errors503.sum());
        m.put("bad_requests", badRequests.sum());
        m.put("conns_opened", connsOpened.sum());
        m.put("conns_active", connsActive.get());
        Map<String, Long> p = new LinkedHashMap<>();
        paths.forEach((k, v) -> p.put(k, v.sum()));
        m.put("paths", p);
        return new Gson().toJson(m) + "\n";
    }

    public static void main(String[] args) throws Exception {
        String addr = "127.0.0.1:8090";
        boolean random = true;
        int maxDelay = 550;
        double errorRate = 0.10;
        long seed = 0;
        boolean quiet = false;
        for (int i = 0; i < args.length; i++) {
            CommandLineOption option = CommandLineOption.of(args[i], "--");
            String v = option.inlineValue();
            switch (option.name()) {
                case "addr": case "bind": addr = v != null ? v : args[++i]; break;
                case "random": random = Boolean.parseBoolean(v != null ? v : "true"); break;
                case "max-delay-ms": maxDelay = Integer.parseInt(v != null ? v : args[++i]); break;
                case "error-rate": errorRate = Double.parseDouble(v != null ? v : args[++i]); break;
                case "seed": seed = Long.parseLong(v != null ? v : args[++i]); break;
                case "quiet": quiet = true; break;
                default:
                    System.err.println("FakeUpstream: unknown option " + args[i]
                            + " (options: --addr HOST:PORT --random=BOOL --max-delay-ms N --error-rate P --seed N --quiet)");
                    System.exit(2);
            }
        }
        int colon = addr.lastIndexOf(':');
        String host = addr.substring(0, colon);
        int port = Integer.parseInt(addr.substring(colon + 1));
        if (!new InetSocketAddress(host, 0).getAddress().isLoopbackAddress()) {
            System.err.println("FakeUpstream: only loopback addresses are allowed, not " + host);
            System.exit(2);
        }
        FakeUpstream up = new FakeUpstream(random, maxDelay, errorRate, seed);
        int actual = up.start(host, port);
        if (!quiet) {
            System.err.printf("upstream listening on %s:%d (random=%s max-delay=%dms error-rate=%.2f)%n",
                    host, actual, random, maxDelay, errorRate);
        }
        final boolean q = quiet;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (!q) System.err.println("upstream stopping: " + up.stats().trim());
            try {
                up.stop();
            } catch (Exception ignored) {
                // exiting anyway
            }
        }));
        up.server.join();
    }
}
