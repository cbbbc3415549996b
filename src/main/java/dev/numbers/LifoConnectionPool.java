package dev.numbers;

import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.Destination;

/**
 * The upstream client's connection pool: Jetty's own pool logic (creation on demand, idle timeouts, max usage)
 * over a {@link LifoPool}, whose acquire does not scan. One per upstream origin, all sharing one
 * {@link ConnectionBudget}.
 */
final class LifoConnectionPool extends AbstractConnectionPool {

    LifoConnectionPool(Destination destination, int maxConnections, ConnectionBudget budget) {
        super(destination, () -> LifoPool.of(maxConnections, budget), 1);
    }
}
