package dev.numbers.upstream.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The resolver wired into a real Jetty {@link HttpClient} against a server on 127.0.0.1: shows that
 * the client consults it for every connection, redirect hops included, and surfaces the refusal.
 * Only loopback is ever connected to; names are answered by a fake resolver, never by DNS.
 */
class PolicyCheckingResolverHttpClientTest {

    private final AtomicInteger served = new AtomicInteger();
    private Server server;
    private int port;
    private HttpClient client;

    @BeforeEach
    void startServer() throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(8, 2);
        server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                served.incrementAndGet();
                String path = Request.getPathInContext(request);
                if (path.startsWith("/redirect/")) {
                    // /redirect/<host> sends the client on to http://<host>:<port>/end
                    String target = path.substring("/redirect/".length());
                    Response.sendRedirect(request, response, callback, "http://" + target + ":" + port + "/end");
                } else {
                    Content.Sink.write(response, true, "ok", callback);
                }
                return true;
            }
        });
        server.start();
        port = connector.getLocalPort();
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.stop();
        }
        server.stop();
    }

    @Test
    void defaultPolicyRefusesLoopbackWithoutConnecting() throws Exception {
        startClient(AddressPolicy.defaults());
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> client.GET("http://127.0.0.1:" + port + "/end"));
        assertInstanceOf(AddressRefusedException.class, e.getCause());
        assertEquals(0, served.get());
    }

    @Test
    void openedLoopbackReachesTheServerByLiteralAndByName() throws Exception {
        startClient(AddressPolicy.of(List.of("127.0.0.1/32")));
        assertEquals("ok", client.GET("http://127.0.0.1:" + port + "/end").getContentAsString());
        assertEquals("ok", client.GET("http://upstream.example:" + port + "/end").getContentAsString());
    }

    @Test
    void followsRedirectToPermittedHost() throws Exception {
        startClient(AddressPolicy.of(List.of("127.0.0.1/32")));
        ContentResponse response = client.GET("http://127.0.0.1:" + port + "/redirect/upstream.example");
        assertEquals(200, response.getStatus());
        assertEquals(2, served.get());
    }

    @Test
    void refusesRedirectHopToRefusedAddress() throws Exception {
        startClient(AddressPolicy.of(List.of("127.0.0.1/32")));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> client.GET("http://127.0.0.1:" + port + "/redirect/internal.example"));
        AddressRefusedException refusal = assertInstanceOf(AddressRefusedException.class, e.getCause());
        assertEquals("internal.example", refusal.host());
        assertEquals(1, served.get());
    }

    @Test
    void refusesRedirectHopToAmbiguousLiteral() throws Exception {
        startClient(AddressPolicy.of(List.of("127.0.0.1/32")));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> client.GET("http://127.0.0.1:" + port + "/redirect/2130706433"));
        assertInstanceOf(AddressRefusedException.class, e.getCause());
        assertEquals(1, served.get());
    }

    private void startClient(AddressPolicy policy) throws Exception {
        client = new HttpClient();
        client.setExecutor(new QueuedThreadPool(8, 2));
        client.setConnectTimeout(5_000);
        // Fake DNS: upstream.example is the test server, internal.example another loopback address.
        client.setSocketAddressResolver(PolicyCheckingResolver.of(policy, new CannedResolver(Map.of(
                "upstream.example", "127.0.0.1",
                "internal.example", "127.0.0.2"))));
        client.start();
    }

    @Test
    void wiresInFrontOfJettysOwnAsyncResolver() throws Exception {
        // The production recipe: executor and scheduler set before start, so the Async resolver can
        // share them. Only a literal is requested here, so no DNS query is made.
        client = new HttpClient();
        QueuedThreadPool executor = new QueuedThreadPool(8, 2);
        ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("test-scheduler", false);
        client.setExecutor(executor);
        client.setScheduler(scheduler);
        client.setSocketAddressResolver(PolicyCheckingResolver.of(AddressPolicy.of(List.of("127.0.0.0/8")),
                new SocketAddressResolver.Async(executor, scheduler, client.getAddressResolutionTimeout())));
        client.start();
        assertEquals("ok", client.newRequest("http://127.0.0.1:" + port + "/end")
                .timeout(5, TimeUnit.SECONDS).send().getContentAsString());
    }

    /** Answers names from a table of literals; never touches DNS. */
    private static final class CannedResolver implements SocketAddressResolver {
        private final Map<String, String> table;

        private CannedResolver(Map<String, String> table) {
            this.table = table;
        }

        @Override
        public void resolve(String host, int port, Map<String, Object> context, Promise<List<InetSocketAddress>> promise) {
            String literal = table.get(host);
            if (literal == null) {
                promise.failed(new UnknownHostException(host));
                return;
            }
            try {
                promise.succeeded(List.of(new InetSocketAddress(InetAddress.getByName(literal), port)));
            } catch (UnknownHostException e) {
                promise.failed(e);
            }
        }
    }
}
