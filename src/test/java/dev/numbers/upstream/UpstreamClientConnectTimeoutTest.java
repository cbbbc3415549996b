package dev.numbers.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.numbers.config.Setting;
import dev.numbers.testing.NumbersServer;
import dev.numbers.testing.RawUpstream;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.Destination;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A fetch gives up at the budget, but its connection attempt runs on until the connect timeout: a connect that
 * completes after its fetch was left out joins the pool and serves the next fetch, instead of being thrown away.
 *
 * <p>The slow connect is real: the upstream's accept queue is full, so the kernel drops the service's SYN, and the
 * client sends it again after its retransmission timeout (one second on Linux), by which time the test has made room.
 */
class UpstreamClientConnectTimeoutTest {

    /**
     * A hedge, sent at half the budget to an origin the service knows nothing about, would open a second connection
     * once the upstream accepts, and answer: these tests are about the first connect.
     */
    private static final Map<String, String> NO_HEDGE = Map.of(Setting.HEDGING.name(), "false");

    private RawUpstream upstream;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void start() throws Exception {
        upstream = RawUpstream.startNotAccepting(RawUpstream.keepAlive("{\"numbers\":[7]}"));
        upstream.fillAcceptQueue();
    }

    @AfterEach
    void stop() throws Exception {
        timer.shutdownNow();
        upstream.close();
    }

    @Test
    void aConnectThatCompletesAfterItsFetchGaveUpJoinsThePoolAndServesTheNextFetch() throws Exception {
        try (NumbersServer service = NumbersServer.start(NO_HEDGE)) { // the default connect timeout, 2 s
            assertEquals("{\"numbers\":[]}", firstRequestWhileTheSynIsDropped(service),
                    "the fetch waited for its connection past the budget and was left out");

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (idleConnections(service) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1, idleConnections(service), "the late connect completed and waits in the pool");
            int acceptedBefore = upstream.accepted();

            assertEquals("{\"numbers\":[7]}", service.get(upstream.url("/n")).body());
            assertEquals(acceptedBefore, upstream.accepted(), "the next fetch used the pooled connection");
        }
    }

    @Test
    void aConnectTimeoutWithinTheRetransmissionTimeoutThrowsTheConnectionAway() throws Exception {
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.CONNECT_TIMEOUT.name(), "400ms",
                Setting.HEDGING.name(), "false"))) {
            assertEquals("{\"numbers\":[]}", firstRequestWhileTheSynIsDropped(service));

            Thread.sleep(1_500); // past the SYN's retransmission, which a closed socket does not send
            assertEquals(0, connections(service), "the timed-out connect left nothing in the pool, not even pending");
            int acceptedBefore = upstream.accepted();

            assertEquals("{\"numbers\":[7]}", service.get(upstream.url("/n")).body());
            assertEquals(acceptedBefore + 1, upstream.accepted(), "the next fetch had to open a connection");
        }
    }

    /**
     * Asks for the upstream while its accept queue is full; 250 ms in, after the service's first SYN was dropped and
     * long before the retransmission, the upstream starts accepting.
     */
    private String firstRequestWhileTheSynIsDropped(NumbersServer service) throws Exception {
        timer.schedule(upstream::startAccepting, 250, TimeUnit.MILLISECONDS);
        return service.get(upstream.url("/n")).body();
    }

    /** Connections connected and not in use. */
    private static int idleConnections(NumbersServer service) {
        int n = 0;
        for (Destination d : service.service().client().httpClient().getDestinations()) {
            n += ((AbstractConnectionPool) d.getConnectionPool()).getIdleConnectionCount();
        }
        return n;
    }

    /** Every connection of the pool: pending, idle or in use. */
    private static int connections(NumbersServer service) {
        int n = 0;
        for (Destination d : service.service().client().httpClient().getDestinations()) {
            n += ((AbstractConnectionPool) d.getConnectionPool()).getConnectionCount();
        }
        return n;
    }
}
