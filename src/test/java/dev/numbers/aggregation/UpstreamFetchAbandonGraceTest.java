package dev.numbers.aggregation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.numbers.config.Setting;
import dev.numbers.testing.FakeUpstream;
import dev.numbers.testing.NumbersServer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.Destination;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An upstream that answers shortly after the cutoff is left out of the answer either way; with the abandon grace
 * its request runs on and its kept-alive connection returns to the pool, without it the request is aborted and the
 * connection closed.
 */
class UpstreamFetchAbandonGraceTest {

    private FakeUpstream upstream;

    @BeforeEach
    void start() throws Exception {
        upstream = FakeUpstream.start()
                .on("/late", FakeUpstream.delayed(700, FakeUpstream.numbers(9)))
                .on("/later", FakeUpstream.delayed(3_000, FakeUpstream.numbers(9)))
                .on("/fast", FakeUpstream.numbers(1));
    }

    @AfterEach
    void stop() throws Exception {
        upstream.close();
    }

    @Test
    void aLateUpstreamKeepsItsConnectionWithinTheGrace() throws Exception {
        assertEquals(2, pooledConnectionsAfterALateUpstream("1s", "/late", 2));
    }

    @Test
    void aLateUpstreamLosesItsConnectionWithoutGrace() throws Exception {
        // An upstream that answers only long after the answer, so that the abort always comes first, however late a
        // loaded machine runs the deadline: one that answered before it would return its connection to the pool.
        assertEquals(1, pooledConnectionsAfterALateUpstream("0ms", "/later", 1));
    }

    /**
     * The pooled connections once the late upstream's request has settled, waiting (up to 5 s) for them to become
     * {@code expected}: an aborted request is no longer active before its connection has left the pool, since the
     * connection is closed and removed on another thread after the failure is reported.
     */
    private int pooledConnectionsAfterALateUpstream(String grace, String late, int expected) throws Exception {
        // No hedge: it would send the late upstream a second request on the fast one's connection, and this test
        // counts connections.
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.ABANDON_GRACE.name(), grace,
                Setting.HEDGING.name(), "false"))) {
            assertEquals("{\"numbers\":[1]}", service.get(upstream.url(late), upstream.url("/fast")).body());
            // wait until the late upstream's request has settled: no connection is in use any more
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (count(service, true) > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, count(service, true), "the late request never settled");
            while (count(service, false) != expected && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(200); // and still so a moment later: a connection being closed would have left by then
            return count(service, false);
        }
    }

    private static int count(NumbersServer service, boolean activeOnly) {
        int n = 0;
        for (Destination d : service.service().client().httpClient().getDestinations()) {
            AbstractConnectionPool pool = (AbstractConnectionPool) d.getConnectionPool();
            n += activeOnly ? pool.getActiveConnectionCount() : pool.getConnectionCount();
        }
        return n;
    }
}
