package dev.numbers.it;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Starts, once per test run (i.e. once per Failsafe execution), the fake upstreams and the
 * container named by {@code -Dit.container}, and keeps them in the root store so that JUnit
 * closes them after the last test class (the container also has a JVM shutdown hook).
 */
final class ContainerExtension implements BeforeAllCallback {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(ContainerExtension.class);

    private static volatile FakeUpstreams upstreams;
    private static volatile ServletContainer container;

    @Override
    public void beforeAll(ExtensionContext context) {
        ExtensionContext.Store store = context.getRoot().getStore(NS);
        upstreams = store.getOrComputeIfAbsent("upstreams", k -> {
            try {
                return new FakeUpstreams();
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the fake upstreams", e);
            }
        }, FakeUpstreams.class);
        container = store.getOrComputeIfAbsent("container", k -> {
            try {
                ServletContainer c = ServletContainer.forName(ItConfig.container(),
                        ItConfig.workDir().resolve(ItConfig.container()));
                c.start();
                warmUp(c, upstreams);
                return c;
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the container", e);
            }
        }, ServletContainer.class);
    }

    static ServletContainer container() {
        return container;
    }

    static FakeUpstreams upstreams() {
        return upstreams;
    }

    /**
     * A few aggregations before the tests, so that class loading and JIT of a cold container JVM
     * do not eat into the timing assertions. Failures are ignored here: the tests report them.
     */
    static void warmUp(ServletContainer c, FakeUpstreams up) {
        for (int i = 0; i < 5; i++) {
            try {
                Http.get(c, "/numbers?u=" + enc(up.url("/primes")) + "&u=" + enc(up.url("/fibo")));
            } catch (Exception ignored) {
                // reported by the tests
            }
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Small HTTP helpers over the JDK client (HTTP/1.1, explicit timeouts). */
    static final class Http {
        static final java.net.http.HttpClient CLIENT = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();

        private Http() {
        }

        static HttpResponse<String> get(ServletContainer c, String pathAndQuery) throws Exception {
            return send(HttpRequest.newBuilder(c.uri(pathAndQuery)).GET());
        }

        static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
            return CLIENT.send(request.timeout(Duration.ofSeconds(15)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        static HttpRequest.Builder request(URI uri) {
            return HttpRequest.newBuilder(uri);
        }
    }
}
