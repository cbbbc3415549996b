package dev.numbers.upstream;

import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.transport.HttpDestination;

/**
 * The upstream client's connection pool: Jetty's own pool logic (creation on demand, idle timeouts, max usage)
 * over a {@link LifoPool}, whose acquire does not scan. One per upstream origin, all sharing one
 * {@link ConnectionBudget}.
 */
final class LifoConnectionPool extends AbstractConnectionPool {

    LifoConnectionPool(Destination destination, int maxConnections, ConnectionBudget budget) {
        super(destination, () -> LifoPool.of(maxConnections, budget, sendQueue(destination)), 1);
    }

    /**
     * What a pool does when the budget hands it a place it waited for: its destination sends its queued requests,
     * reserving a connection for them as for a request sent just now. Not while the client stops: no new connection
     * then.
     */
    private static Runnable sendQueue(Destination destination) {
        if (destination instanceof HttpDestination http) {
            return () -> {
                if (http.getHttpClient().isRunning()) {
                    http.send();
                }
            };
        }
        return () -> { };
    }
}
