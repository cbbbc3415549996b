package dev.numbers;

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
     * What a pool does when a place in the budget it waited for is free: its destination sends its queued requests,
     * reserving a connection for them as for a request sent just now.
     */
    private static Runnable sendQueue(Destination destination) {
        return destination instanceof HttpDestination http ? http::send : () -> { };
    }
}
