package dev.numbers.testing;

import dev.numbers.upstream.UpstreamClient;
import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.Destination;

/** What the upstream client's connection pools hold, read from Jetty's destinations. */
public final class UpstreamConnections {

    private UpstreamConnections() {
    }

    /** @return connections the client's pools hold, open or being opened, to {@code port} (any port if negative) */
    public static int held(UpstreamClient client, int port) {
        int count = 0;
        for (Destination destination : client.httpClient().getDestinations()) {
            if (port < 0 || destination.getOrigin().getAddress().getPort() == port) {
                count += ((AbstractConnectionPool) destination.getConnectionPool()).getConnectionCount();
            }
        }
        return count;
    }
}
