package dev.numbers.upstream;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpClientTransport;
import org.eclipse.jetty.client.Origin;
import org.eclipse.jetty.util.component.Container;

/**
 * Bounds the upstream origins (scheme, host, port) the HTTP client keeps state for at once.
 *
 * <p>Jetty's {@code HttpClient} creates a destination (its request queue and connection pool) for every origin a
 * request names and registers it as one of its beans, in a copy-on-write list: creating or dropping one costs time
 * in proportion to how many there are. Callers choose the origins, and a destination lives while its requests wait
 * for a name lookup or a connection (up to the connect timeout) and a second after (see {@link UpstreamClient}). A
 * caller naming thousands of distinct host names that do not resolve, or permitted addresses that do not answer,
 * could otherwise make the client hold that many destinations and spend its time on that list. {@link #newClient}
 * makes a client that refuses, once {@code max} destinations exist, to create one more: the request fails with
 * {@link TooManyOriginsException} before it is sent ({@code too_many_origins}). The check is where Jetty looks every
 * destination up, so it covers redirect hops too. Requests to origins that have a destination, such as every upstream in regular use (a
 * destination with pooled connections is never dropped), go on as before.
 *
 * <p>The count is kept by listening to the client's beans, so it is exact. The check and the creation are not one
 * atomic step: requests sent at the same moment may each see the last free place, so the limit can be passed by at
 * most the number of threads sending at once. Thread-safe.
 *
 * <p>Each origin with a destination also has an {@link OriginState}, what the service learns about it (latencies, its
 * budget of extra attempts), made with its first destination and dropped with its last: it is bounded by the same
 * limit.
 */
final class OriginLimit implements Container.Listener {

    private final int max;
    private final HttpClient client;
    private final AtomicInteger destinations = new AtomicInteger();
    /**
     * Origins with a destination: how many (a stale destination and its replacement may briefly overlap) and what is
     * learnt about them. Keyed by scheme and address, which is what tells this client's origins apart.
     */
    private final ConcurrentHashMap<Key, Entry> origins = new ConcurrentHashMap<>();
    private final Supplier<OriginState> newState;

    private OriginLimit(HttpClientTransport transport, int max, Supplier<OriginState> newState) {
        this.max = max;
        this.client = new LimitedHttpClient(transport, this);
        this.newState = newState;
    }

    /**
     * Creates a client over {@code transport} whose destinations this limit counts and bounds. The limit registers
     * with the client before it is started, so it sees every destination.
     *
     * @param transport the client's transport
     * @param max       destinations beyond which requests to new origins fail
     * @param newState  makes the state of an origin that gets its first destination
     * @return the limit, whose {@link #client()} is not started
     */
    static OriginLimit newClient(HttpClientTransport transport, int max, Supplier<OriginState> newState) {
        OriginLimit limit = new OriginLimit(transport, max, newState);
        limit.client.addEventListener(limit);
        return limit;
    }

    /** @return the client this limit bounds */
    HttpClient client() {
        return client;
    }

    /** @return the client's destinations now */
    int destinations() {
        return destinations.get();
    }

    /**
     * Throws unless {@code origin} has a destination or fewer than {@code max} exist. Costs one counter read while
     * under the limit, one map lookup at it.
     */
    void check(Origin origin) {
        if (destinations.get() >= max && !origins.containsKey(Key.of(origin))) {
            throw new TooManyOriginsException(max, origin);
        }
    }

    /** @return the state of an origin that has a destination now, else {@code null} */
    OriginState state(Origin origin) {
        Entry entry = origins.get(Key.of(origin));
        return entry == null ? null : entry.state;
    }

    /** Called by the client, inside its destination map's update, when it has created a destination. */
    @Override
    public void beanAdded(Container parent, Object child) {
        if (child instanceof Destination destination) {
            origins.compute(Key.of(destination.getOrigin()),
                    (key, entry) -> entry == null ? new Entry(1, newState.get()) : entry.plus(1));
            destinations.incrementAndGet();
        }
    }

    /**
     * Called by the client when it has dropped a destination (idle, or replaced when stale). Stopping the client
     * clears its destinations without this call; the count only matters while it runs.
     */
    @Override
    public void beanRemoved(Container parent, Object child) {
        if (child instanceof Destination destination) {
            destinations.decrementAndGet();
            origins.computeIfPresent(Key.of(destination.getOrigin()),
                    (key, entry) -> entry.destinations == 1 ? null : entry.plus(-1));
        }
    }

    /** What tells this client's origins apart: it never tags requests nor varies their protocol or transport. */
    private record Key(String scheme, Origin.Address address) {
        static Key of(Origin origin) {
            return new Key(origin.getScheme(), origin.getAddress());
        }
    }

    /** An origin's destinations and state; replaced, never changed, inside the map's atomic updates. */
    private record Entry(int destinations, OriginState state) {
        Entry plus(int n) {
            return new Entry(destinations + n, state);
        }
    }

    /** Jetty's client, looking every destination up through the limit first. */
    private static final class LimitedHttpClient extends HttpClient {
        private final OriginLimit limit;

        private LimitedHttpClient(HttpClientTransport transport, OriginLimit limit) {
            super(transport);
            this.limit = limit;
        }

        /**
         * Every request, redirect hops included, finds its destination here. What this throws, Jetty's
         * {@code HttpRequest.send} turns into the request's failure, reported to its listener.
         */
        @Override
        public Destination resolveDestination(Origin origin) {
            limit.check(origin);
            return super.resolveDestination(origin);
        }
    }
}
