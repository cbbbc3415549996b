package dev.numbers;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Origin;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.util.component.Container;

/**
 * Bounds the upstream origins (scheme, host, port) the HTTP client keeps state for at once.
 *
 * <p>Jetty's {@code HttpClient} creates a destination (its request queue and connection pool) for every origin a
 * request names and registers it as one of its beans, in a copy-on-write list: creating or dropping one costs time
 * in proportion to how many there are. Callers choose the origins, and a destination lives while its requests wait
 * for a name lookup or a connection (up to the connect timeout) and a second after (see {@link UpstreamClient}). A
 * caller naming thousands of distinct host names that do not resolve, or permitted addresses that do not answer,
 * therefore made the client hold tens of thousands of destinations and spend seconds per request on that list
 * (measured: README, Security). With this limit, once {@code max} destinations exist a fetch to an origin that has
 * none is not sent ({@link UpstreamOutcome#TOO_MANY_ORIGINS}); fetches to origins that have one, such as every
 * upstream in regular use (a destination with pooled connections is never dropped), go on as before.
 *
 * <p>The count is kept by listening to the client's beans, so it is exact, including destinations created for
 * redirect hops, which are not checked here. The check and the creation are not one atomic step: fetches sent at the
 * same moment may each see the last free place, so the limit can be passed by at most the number of threads sending
 * at once. Thread-safe.
 */
final class OriginLimit implements Container.Listener {

    private final HttpClient client;
    private final int max;
    private final AtomicInteger destinations = new AtomicInteger();
    /** Origins with a destination, with how many (a stale destination and its replacement may briefly overlap). */
    private final ConcurrentHashMap<Origin, Integer> origins = new ConcurrentHashMap<>();

    private OriginLimit(HttpClient client, int max) {
        this.client = client;
        this.max = max;
    }

    /**
     * Creates the limit and registers it with {@code client}, whose destinations it then counts.
     *
     * @param client the HTTP client, before it creates any destination
     * @param max    destinations beyond which fetches to new origins are not sent
     * @return the limit
     */
    static OriginLimit install(HttpClient client, int max) {
        OriginLimit limit = new OriginLimit(client, max);
        client.addEventListener(limit);
        return limit;
    }

    /**
     * Whether {@code request} may be sent: its origin has a destination already, or fewer than {@code max} exist.
     * Costs one counter read while under the limit, one map lookup at it.
     */
    boolean admits(Request request) {
        if (destinations.get() < max) {
            return true;
        }
        return origins.containsKey(client.getHttpClientTransport().newOrigin(request));
    }

    /** @return the client's destinations now */
    int destinations() {
        return destinations.get();
    }

    int max() {
        return max;
    }

    /** Called by the client, inside its destination map's update, when it has created a destination. */
    @Override
    public void beanAdded(Container parent, Object child) {
        if (child instanceof Destination destination) {
            origins.merge(destination.getOrigin(), 1, Integer::sum);
            destinations.incrementAndGet();
        }
    }

    /** Called by the client when it has dropped a destination (idle, or stopping). */
    @Override
    public void beanRemoved(Container parent, Object child) {
        if (child instanceof Destination destination) {
            destinations.decrementAndGet();
            origins.computeIfPresent(destination.getOrigin(), (origin, n) -> n == 1 ? null : n - 1);
        }
    }
}
