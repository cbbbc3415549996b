package dev.numbers.upstream;

import dev.numbers.config.Settings;
import dev.numbers.upstream.policy.AddressPolicy;
import dev.numbers.upstream.policy.AddressRefusedException;
import dev.numbers.upstream.policy.PolicyCheckingResolver;
import java.net.InetAddress;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The one {@link HttpClient} a web application shares for every upstream fetch, with the threads it owns. Why each
 * part is set up as it is: docs/design.md#threads-and-pools and docs/design.md#upstream-connections.
 *
 * <p>All of its threads (the client's pool, selectors, two timers and name lookups) are created here and ended by
 * {@link #stop()}, which waits until they have terminated, so that undeploying leaves no thread behind (Tomcat checks
 * this); only a lookup stuck in the system resolver may outlive that wait, on a daemon thread.
 */
public final class UpstreamClient {

    private static final long STOP_WAIT_MILLIS = 5_000;
    private static final int CLIENT_THREADS = 32;
    /** How long a destination without connections or queued requests is kept (Jetty sweeps once a second). */
    static final long DESTINATION_IDLE_MILLIS = 1_000;
    /**
     * Name lookups made at once, on threads of their own ({@link BoundedNameResolver}). Upstreams in regular use are
     * answered from the JDK's cache (30 s), so lookups are rare unless callers name new hosts.
     */
    static final int DNS_THREADS = 8;
    /**
     * Distinct names waiting for one of those threads; one more fails at once. Resolutions of a name already being
     * looked up wait for that lookup and take no place here (a cold pool opens hundreds of connections to one host
     * at once, each resolving it).
     */
    static final int DNS_QUEUE = 256;

    private final HttpClient httpClient;
    private final OriginLimit origins;
    private final ConnectionBudget connections;
    private final BoundedNameResolver names;
    private final PolicyCheckingResolver resolver;
    private final QueuedThreadPool executor;
    /** The client's timer: connect, idle, request and lookup timeouts. */
    private final ScheduledThreadPoolExecutor timer;
    /** The deadlines' and hedges' timer. */
    private final ScheduledThreadPoolExecutor deadlineTimer;
    private final Scheduler deadlines;
    /** The timers' threads, joined on stop: an executor counts as terminated a moment before its thread has ended. */
    private final Queue<Thread> timerThreads = new ConcurrentLinkedQueue<>();

    private UpstreamClient(Settings settings, NameLookup lookup) {
        // The pool writes answers, parses large bodies and runs the deadline tasks (names are resolved elsewhere);
        // upstream responses themselves are handled on the selector thread (see below). A few threads per core
        // suffice, and on a small machine hundreds of them only add context switches and lock convoys.
        executor = new QueuedThreadPool(CLIENT_THREADS, 4);
        executor.setName("numbers-client");
        executor.setDaemon(true);
        executor.setStopTimeout(STOP_WAIT_MILLIS);

        timer = newTimer("numbers-client-timer");
        ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler(timer);
        // The deadlines and hedges have a timer of their own. Jetty expires a connection's idle timeout on the client's
        // timer thread and closes the connection there; a cold start opens connections by the hundred, and 30 s after
        // their last use they time out in the same second: on a shared thread the deadlines waited behind the closes.
        deadlineTimer = newTimer("numbers-deadline-timer");
        deadlines = new ScheduledExecutorScheduler(deadlineTimer);

        ClientConnector connector = new ClientConnector();
        connector.setExecutor(executor);
        connector.setScheduler(scheduler);
        // The connect timeout (2 s by default) outlives the budget on purpose. A fetch gives up at the budget, but its
        // connection attempt goes on and, once connected, joins the pool for the next fetch. With a timeout at the
        // budget, a selector that runs late (a cold JVM, a long GC pause) times out connects that have already
        // succeeded in the kernel, and Jetty fails every fetch queued for the origin when one connect fails.
        connector.setConnectTimeout(settings.connectTimeout());
        connector.setSelectors(selectors());

        HttpClientTransportOverHTTP transport = new HttpClientTransportOverHTTP(connector);
        // Jetty's pools scan their connections for an idle one on every acquire; with the hundreds of connections one
        // slow upstream needs, that scan dominates. See LifoPool.
        int maxConnections = settings.maxConnectionsPerHost();
        connections = ConnectionBudget.of(settings.maxConnections(), executor);
        transport.setConnectionPoolFactory(destination -> new LifoConnectionPool(destination, maxConnections,
                connections));
        // Upstream responses are handled on the selector thread that read them instead of being handed to the pool
        // (Jetty's default, BLOCKING): UpstreamFetch and Aggregation never block there — small bodies are parsed in
        // place, large ones and every answer (rendered, then written without blocking) go to the pool, and a merge
        // never waits for the writer's lock. That saves the context switches of a hand-over per response.
        transport.setInvocationType(Invocable.InvocationType.NON_BLOCKING);
        // Callers choose the origins, and Jetty keeps state for each: see OriginLimit. Dropping idle destinations
        // (below) does not bound how many exist while their requests wait for a lookup or a connection.
        int extraAttemptPercent = settings.extraAttemptPercent();
        origins = OriginLimit.newClient(transport, settings.maxOrigins(), () -> OriginState.of(extraAttemptPercent));
        httpClient = origins.client();
        httpClient.setName("numbers-client");
        httpClient.setExecutor(executor);
        httpClient.setScheduler(scheduler);
        httpClient.setConnectTimeout(settings.connectTimeout().toMillis());
        // Every connection, including each redirect hop, resolves through the address policy (docs/security.md).
        // Name lookups block a thread each, so they get threads of their own and a bounded queue: on the client's
        // pool, a burst of names that do not resolve would hold every thread, and with them every deadline and
        // answer (BoundedNameResolver).
        names = BoundedNameResolver.create(lookup, DNS_THREADS, DNS_QUEUE, scheduler, executor,
                settings.connectTimeout());
        resolver = PolicyCheckingResolver.of(AddressPolicy.of(settings.allowedNetworks()), names);
        httpClient.setSocketAddressResolver(resolver);
        httpClient.setMaxConnectionsPerDestination(settings.maxConnectionsPerHost());
        httpClient.setMaxRequestsQueuedPerDestination(settings.maxQueuedPerHost());
        httpClient.setFollowRedirects(true);
        httpClient.setMaxRedirects(settings.maxRedirects());
        httpClient.setIdleTimeout(30_000);
        // Jetty keeps a destination (its queue and connection pool) for every origin ever named, unless told to drop
        // idle ones: callers choose the origins, so without this requests naming distinct origins (refused private
        // addresses cost no network at all) would fill the heap. A destination with no connection and no queued request is dropped after a second; one
        // with pooled connections is never idle in this sense, so a working upstream keeps its pool.
        httpClient.setDestinationIdleTimeout(DESTINATION_IDLE_MILLIS);
        httpClient.setMaxResponseHeadersSize(16 * 1024);
        // Upstreams of different callers must not share state through cookies.
        httpClient.setHttpCookieStore(new HttpCookieStore.Empty());
        httpClient.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "numbers"));
        httpClient.setStrictEventOrdering(false);
    }

    /**
     * Selector threads, as Jetty sizes a server connector's: half the processors, at least one, at most four. Each
     * selector thread also runs the response handling of its connections, so one is not enough on a large host.
     */
    private static int selectors() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
    }

    /**
     * Runs {@code task} on the client's pool, or on the calling thread when the pool refuses it because the client is
     * stopping: an upstream must still settle and an answer still be written rather than never.
     */
    public static void runOnPool(Executor pool, Runnable task) {
        try {
            pool.execute(task);
        } catch (RejectedExecutionException stopping) {
            task.run();
        }
    }

    /**
     * Configures a client; it is not started.
     *
     * @param settings the effective settings
     * @return the client, ready to {@link #start()}
     */
    public static UpstreamClient create(Settings settings) {
        return create(settings, InetAddress::getAllByName);
    }

    /** As {@link #create(Settings)}, with the blocking name lookup given (the JDK's in the service; a test's). */
    public static UpstreamClient create(Settings settings, NameLookup lookup) {
        return new UpstreamClient(settings, lookup);
    }

    public void start() throws Exception {
        httpClient.start();
    }

    /**
     * Stops the client (aborting whatever is still in flight) and waits for its threads to end. Must not be called
     * from one of the client's own threads.
     */
    public void stop() throws Exception {
        try {
            httpClient.stop();
        } finally {
            try {
                names.stop(STOP_WAIT_MILLIS);
            } finally {
                timer.shutdownNow();
                deadlineTimer.shutdownNow();
                timer.awaitTermination(STOP_WAIT_MILLIS, TimeUnit.MILLISECONDS);
                deadlineTimer.awaitTermination(STOP_WAIT_MILLIS, TimeUnit.MILLISECONDS);
                for (Thread t : timerThreads) {
                    t.join(STOP_WAIT_MILLIS);
                }
            }
        }
    }

    /** A single-thread timer whose cancelled tasks leave its queue at once: they are cancelled by the thousand. */
    private ScheduledThreadPoolExecutor newTimer(String name) {
        AtomicInteger threads = new AtomicInteger();
        ScheduledThreadPoolExecutor newTimer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            timerThreads.add(t);
            return t;
        });
        newTimer.setRemoveOnCancelPolicy(true);
        return newTimer;
    }

    /**
     * @return the timer for the aggregations' deadlines and hedges, apart from the client's: whatever Jetty does on the
     *         client's timer thread (closing the connections whose idle timeout expired) does not delay them
     */
    public Scheduler deadlines() {
        return deadlines;
    }

    public HttpClient httpClient() {
        return httpClient;
    }

    /**
     * Judges a URL's host before sending when it is an IP literal, as the client's resolver would judge it at connect
     * time, so that a refused literal never becomes one of the client's destinations.
     *
     * @param host a URI's host, IPv6 literals in brackets
     * @return the address policy's refusal, or {@code null} for a host name or a permitted literal
     */
    public AddressRefusedException refusalOfLiteral(String host) {
        return resolver.refusalOfLiteral(host);
    }

    /**
     * @param request a request of this client, sent or not
     * @return what is learnt about the request's origin, while the client has a destination for it; else {@code null}
     */
    public OriginState originState(Request request) {
        return origins.state(httpClient.createOrigin(request, null));
    }

    /** @return upstream origins the client keeps state for now */
    public int originCount() {
        return origins.destinations();
    }

    /** @return upstream connections open or being opened now, all origins together */
    public int connectionCount() {
        return connections.taken();
    }

    ConnectionBudget connectionBudget() {
        return connections;
    }

    public boolean isRunning() {
        return httpClient.isRunning();
    }

    public String describe() {
        return "client maxConnectionsPerDestination=" + httpClient.getMaxConnectionsPerDestination()
                + " maxRequestsQueuedPerDestination=" + httpClient.getMaxRequestsQueuedPerDestination()
                + " maxRedirects=" + httpClient.getMaxRedirects() + " threads=" + executor.getMaxThreads()
                + " resolver=" + names;
    }
}
