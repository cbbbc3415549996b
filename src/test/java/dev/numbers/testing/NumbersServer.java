package dev.numbers.testing;

import dev.numbers.config.Setting;
import dev.numbers.upstream.NameLookup;
import dev.numbers.web.NumbersContextListener;
import dev.numbers.web.NumbersService;
import dev.numbers.web.NumbersServlet;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The service as the WAR deploys it — {@link NumbersContextListener} and an async {@link NumbersServlet} at
 * {@code /numbers} — in a real Jetty 12 EE10 server on 127.0.0.1, port 0, plus a JDK client with explicit timeouts.
 * Loopback is opened by default since every fake upstream lives there.
 */
public final class NumbersServer implements AutoCloseable {

    private final Server server = new Server();
    private final ServerConnector connector;
    private final ServletContextHandler context = new ServletContextHandler("/");
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private NumbersServer(Map<String, String> parameters, Consumer<ServerConnector> connectorSetup,
            NameLookup lookup) {
        // As in jetty-base: request line and headers up to 64 KiB, so that a thousand short URLs reach the servlet.
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(64 * 1024);
        connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setAcceptQueueSize(1024);
        connectorSetup.accept(connector);
        server.addConnector(connector);
        Map<String, String> all = new HashMap<>();
        all.put(Setting.ALLOWED_NETWORKS.name(), "127.0.0.0/8,::1/128");
        all.putAll(parameters);
        all.forEach(context::setInitParameter);
        context.addEventListener(new NumbersContextListener(lookup));
        ServletHolder numbers = context.addServlet(NumbersServlet.class, "/numbers");
        numbers.setAsyncSupported(true);
        numbers.setInitOrder(1);
        server.setHandler(context);
    }

    /** Settings that fix the in-flight limit at its default ceiling, for tests that must not see it adapt. */
    public static final Map<String, String> FIXED_IN_FLIGHT_LIMIT = Map.of(Setting.MIN_IN_FLIGHT.name(), "512",
            Setting.MAX_IN_FLIGHT.name(), "512");

    /**
     * Settings that lift the CPU rule of extra attempts, for tests that expect a retry or a hedge: the test JVM's own
     * CPU, busy compiling or running other tests, must not withhold them.
     */
    public static final Map<String, String> EXTRAS_WHATEVER_THE_CPU = Map.of(
            Setting.EXTRA_ATTEMPT_CPU_PERCENT.name(), "100");

    public static NumbersServer start() throws Exception {
        return start(Map.of());
    }

    public static NumbersServer start(Map<String, String> parameters) throws Exception {
        return start(parameters, connector -> { });
    }

    /** Starts with the connector adjusted first, e.g. its accepted sockets' buffer sizes. */
    public static NumbersServer start(Map<String, String> parameters, Consumer<ServerConnector> connectorSetup)
            throws Exception {
        return start(parameters, connectorSetup, InetAddress::getAllByName);
    }

    /** Starts with the upstream client's name lookup given, e.g. one that is slow on purpose. */
    public static NumbersServer startWithNameLookup(Map<String, String> parameters, NameLookup lookup)
            throws Exception {
        return start(parameters, connector -> { }, lookup);
    }

    private static NumbersServer start(Map<String, String> parameters, Consumer<ServerConnector> connectorSetup,
            NameLookup lookup) throws Exception {
        NumbersServer s = new NumbersServer(parameters, connectorSetup, lookup);
        try {
            s.server.start();
        } catch (Exception e) {
            s.server.stop(); // a deployment that failed must not leave its port or threads behind
            throw e;
        }
        warmUpOnce(s);
        return s;
    }

    private static final AtomicBoolean WARMED = new AtomicBoolean();

    /**
     * The first service of a test JVM runs a few requests before any test uses it: a cold JVM loads and interprets
     * the whole request path on its first request, which can take longer than the 500 ms budget on a loaded 2-core
     * machine and would make whichever test happens to run first see its upstreams as late.
     */
    private static void warmUpOnce(NumbersServer service) throws Exception {
        boolean loopbackOpen = service.context.getServletContext().getInitParameter(Setting.ALLOWED_NETWORKS.name())
                .contains("127.0.0.0/8");
        if (!loopbackOpen || !WARMED.compareAndSet(false, true)) {
            return;
        }
        try (FakeUpstream upstream = FakeUpstream.start().on("/warm", FakeUpstream.numbers(1, 2, 3))) {
            for (int i = 0; i < 30; i++) {
                service.get(upstream.url("/warm"), upstream.url("/warm?i=" + i), "not-a-url");
            }
        }
    }

    public URI numbersUri(List<String> urls) {
        String query = urls.stream()
                .map(u -> "u=" + URLEncoder.encode(u, StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/numbers" + (query.isEmpty() ? "" : "?" + query));
    }

    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + pathAndQuery);
    }

    public HttpResponse<String> get(String... urls) throws Exception {
        return send(HttpRequest.newBuilder(numbersUri(List.of(urls))).timeout(Duration.ofSeconds(5)).GET().build());
    }

    public HttpResponse<String> send(HttpRequest request) throws Exception {
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    public HttpClient client() {
        return client;
    }

    public NumbersService service() {
        return NumbersService.from(context.getServletContext());
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
