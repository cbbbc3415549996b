package dev.numbers.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;

import static dev.numbers.it.ContainerExtension.Http;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * docs/contract.md: "request line or headers too large: the container's 414/431" — the container answers, not the WAR.
 *
 * <ul>
 *   <li>Jetty with the repository's jetty-base: {@code jetty.httpConfig.requestHeaderSize=16384};
 *       414 for a request line over it, 431 for headers over it.</li>
 *   <li>Tomcat 10.1 unmodified: {@code maxHttpHeaderSize} 8 KiB (request line included), and its own answer
 *       to both is {@code 400 Bad Request} ("Request header is too large").</li>
 * </ul>
 */
@ExtendWith(ContainerExtension.class)
class ContainerLimitsIT {

    private final ServletContainer container = ContainerExtension.container();

    private boolean jetty() {
        return container instanceof JettyContainer;
    }

    @Test
    void tooLongRequestLineIsRefusedByTheContainer() throws Exception {
        HttpResponse<String> r = Http.get(container, "/numbers?u=" + "a".repeat(40_000));
        assertEquals(jetty() ? 414 : 400, r.statusCode(), () -> Json.describe(r));
    }

    @Test
    void tooLargeHeadersAreRefusedByTheContainer() throws Exception {
        HttpResponse<String> r = Http.send(Http.request(container.uri("/numbers"))
                .header("X-Padding", "b".repeat(40_000)));
        assertEquals(jetty() ? 431 : 400, r.statusCode(), () -> Json.describe(r));
    }

    @Test
    void noServerVersionIsAdvertised() throws Exception {
        HttpResponse<String> r = Http.get(container, "/numbers");
        String server = r.headers().firstValue("Server").orElse("");
        assertFalse(server.matches(".*\\d.*"), () -> "Server header reveals a version: " + server);
    }

    @Test
    void requestLineOfTwelveKib() throws Exception {
        // Over 8 KiB: within jetty-base's 16 KiB (served: the u is invalid, so the answer is an empty list),
        // over Tomcat's default 8 KiB.
        HttpResponse<String> r = Http.get(container, "/numbers?u=" + "c".repeat(12 * 1024));
        assertEquals(jetty() ? 200 : 400, r.statusCode(), () -> Json.describe(r));
    }
}
