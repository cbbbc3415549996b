package dev.numbers.web;

import static dev.numbers.testing.Await.awaitTrue;

import dev.numbers.testing.UpstreamConnections;
import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.Destination;

/**
 * What the service holds for an aggregation while it runs, and must have given back once it is over: its in-flight
 * slot, the body bytes it reserved, its upstream requests (queued, or active on a connection) and the connection
 * budget's places; and the bound on the upstream client's threads. Shared by the tests that look for leaks.
 */
final class NothingHeld {

    /** The upstream client's threads at most: a pool of 32, its selectors (1 to 4) and one timer. */
    static final int CLIENT_THREADS = 32 + 4 + 1;

    private NothingHeld() {
    }

    /**
     * Waits, within {@link dev.numbers.testing.Await}'s bound, until nothing is held: no slot, no reserved body byte,
     * no upstream request queued or active, and a connection budget that holds exactly the connections pooled.
     */
    static void await(NumbersService running) throws InterruptedException {
        awaitTrue(() -> running.limiter().inFlight() == 0, "in-flight slots held");
        awaitTrue(() -> running.aggregations().bufferedBodyBytes() == 0,
                () -> running.aggregations().bufferedBodyBytes() + " body bytes reserved");
        awaitTrue(() -> pending(running) == 0, "upstream requests still queued or active");
        awaitTrue(() -> running.client().connectionCount() == UpstreamConnections.held(running.client(), -1),
                () -> running.client().connectionCount() + " places of the connection budget taken for "
                        + UpstreamConnections.held(running.client(), -1) + " connections");
    }

    /** @return connections active or being opened, all origins together */
    static int pending(NumbersService running) {
        int active = 0;
        for (Destination destination : running.client().httpClient().getDestinations()) {
            AbstractConnectionPool pool = (AbstractConnectionPool) destination.getConnectionPool();
            active += pool.getActiveConnectionCount() + pool.getPendingConnectionCount();
        }
        return active;
    }

    /** @return the service's own client threads (pool, selectors, timer); the fixtures have threads of their own */
    static long clientThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("numbers-client"))
                .count();
    }
}
