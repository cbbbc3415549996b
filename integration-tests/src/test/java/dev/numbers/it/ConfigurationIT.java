package dev.numbers.it;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static dev.numbers.it.ContainerExtension.Http;
import static dev.numbers.it.ContainerExtension.enc;
import static dev.numbers.it.Json.list;
import static dev.numbers.it.Json.numbers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Settings reach the WAR in both containers through the two run-time sources an operator uses:
 * the environment variable {@code NUMBERS_ALLOWED_NETWORKS=127.0.0.0/8,::1/128} and the JVM system
 * property {@code -Dnumbers.maxUrls=5} (both set by {@link ServletContainer}).
 */
@ExtendWith(ContainerExtension.class)
class ConfigurationIT {

    private final ServletContainer container = ContainerExtension.container();
    private final FakeUpstreams up = ContainerExtension.upstreams();

    /** Loopback is refused by default (SSRF policy): only the environment variable opens it. */
    @Test
    void environmentVariableOpensLoopbackForTheFakeUpstreams() throws Exception {
        HttpResponse<String> r = Http.get(container, "/numbers?u=" + enc(up.url("/odd")));
        assertEquals(list(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23), numbers(r));
    }

    @Test
    void systemPropertyLimitsDistinctUrls_fiveAreServed() throws Exception {
        HttpResponse<String> r = Http.get(container, "/numbers?" + distinctUrls(ItConfig.MAX_URLS, 0));
        assertEquals(list(101, 102, 103, 104, 105), numbers(r));
    }

    @Test
    void systemPropertyLimitsDistinctUrls_duplicatesCountOnce() throws Exception {
        String query = distinctUrls(ItConfig.MAX_URLS, 0) + "&u=" + enc(up.url("/n/101"));
        HttpResponse<String> r = Http.get(container, "/numbers?" + query);
        assertEquals(list(101, 102, 103, 104, 105), numbers(r));
    }

    @Test
    void systemPropertyLimitsDistinctUrls_sixAreA400Problem() throws Exception {
        HttpResponse<String> r = Http.get(container, "/numbers?" + distinctUrls(ItConfig.MAX_URLS + 1, 0));
        assertEquals(400, r.statusCode(), () -> Json.describe(r));
        Json.assertMediaType("application/problem+json", r);
        JsonObject problem = Json.object(r);
        for (String member : new String[] {"type", "title", "status", "detail"}) {
            assertTrue(problem.has(member), () -> "problem without " + member + ": " + r.body());
        }
        assertEquals(400, problem.get("status").getAsInt(), r.body());
        String detail = problem.get("detail").getAsString();
        assertTrue(detail.contains(String.valueOf(ItConfig.MAX_URLS)), () -> "detail does not say the limit "
                + ItConfig.MAX_URLS + ": " + detail);
    }

    private String distinctUrls(int count, int offset) {
        List<String> params = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            params.add("u=" + enc(up.url("/n/" + (100 + offset + i))));
        }
        return String.join("&", params);
    }
}
