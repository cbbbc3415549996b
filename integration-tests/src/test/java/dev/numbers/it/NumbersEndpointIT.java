package dev.numbers.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static dev.numbers.it.ContainerExtension.Http;
import static dev.numbers.it.ContainerExtension.enc;
import static dev.numbers.it.Json.list;
import static dev.numbers.it.Json.numbers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The endpoint of docs/contract.md over real HTTP, against the packaged WAR in the container of this execution. */
@ExtendWith(ContainerExtension.class)
class NumbersEndpointIT {

    private final ServletContainer container = ContainerExtension.container();
    private final FakeUpstreams up = ContainerExtension.upstreams();

    private String u(String path) {
        return "u=" + enc(up.url(path));
    }

    private HttpResponse<String> numbersQuery(String... params) throws Exception {
        return Http.get(container, "/numbers?" + String.join("&", params));
    }

    /** The Numbers-Completeness header of docs/contract.md, which every 200 carries. */
    private static String completeness(HttpResponse<String> r) {
        return r.headers().firstValue("Numbers-Completeness").orElseThrow(() -> new AssertionError(Json.describe(r)));
    }

    @Test
    void mergesTwoUpstreamsSortedAndDeduplicated() throws Exception {
        HttpResponse<String> r = numbersQuery(u("/primes"), u("/fibo"));
        assertEquals(list(1, 2, 3, 5, 7, 8, 11, 13, 21), numbers(r));
        assertEquals("?1;merged=2;upstreams=2", completeness(r));
    }

    @Test
    void slowUpstreamIsLeftOutAndTheAnswerComesWithinTheBudget() throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = numbersQuery(u("/primes"), u("/slow?id=deadline"));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(list(FakeUpstreams.PRIMES), numbers(r));
        // Budget 500 ms (default); 1500 ms leaves room for a loaded 2-core machine, while the
        // slow upstream sleeps 3000 ms: waiting for it would fail this by far.
        assertTrue(millis < 1500, "answered after " + millis + " ms");
    }

    @Test
    void failingUpstreamsContributeNothing() throws Exception {
        HttpResponse<String> r = numbersQuery(u("/fibo"), u("/unavailable"), u("/malformed"));
        assertEquals(list(1, 2, 3, 5, 8, 13, 21), numbers(r));
        assertEquals("?0;merged=1;upstreams=3", completeness(r));
    }

    @Test
    void invalidUrlsAreSkipped() throws Exception {
        HttpResponse<String> r = numbersQuery("u=not-a-url", "u=" + enc("ftp://x/y"), "u=" + enc("/relative"),
                "u=" + enc("http://"), "u=", u("/primes"));
        assertEquals(list(FakeUpstreams.PRIMES), numbers(r));
    }

    @Test
    void noUrlAnswersAnEmptyList() throws Exception {
        HttpResponse<String> r = Http.get(container, "/numbers");
        assertEquals(List.of(), numbers(r));
        assertEquals("{\"numbers\":[]}", r.body().trim());
        assertEquals("?1;merged=0;upstreams=0", completeness(r));
    }

    @Test
    void headIsGetWithoutBody() throws Exception {
        HttpResponse<String> r = Http.send(Http.request(container.uri("/numbers?" + u("/primes")))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertEquals(200, r.statusCode(), () -> Json.describe(r));
        Json.assertMediaType("application/json", r);
        assertEquals("", r.body());
        assertEquals("?1;merged=1;upstreams=1", completeness(r));
    }

    @Test
    void otherMethodsAre405WithAllowGetHead() throws Exception {
        for (String method : new String[] {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
            HttpResponse<String> r = Http.send(Http.request(container.uri("/numbers?" + u("/primes")))
                    .method(method, HttpRequest.BodyPublishers.ofString("{}")));
            assertEquals(405, r.statusCode(), () -> Json.describe(r));
            Set<String> allow = r.headers().allValues("Allow").stream()
                    .flatMap(v -> Arrays.stream(v.split(",")))
                    .map(s -> s.trim().toUpperCase(Locale.ROOT))
                    .filter(s -> !s.isEmpty())
                    .collect(Collectors.toSet());
            assertEquals(Set.of("GET", "HEAD"), allow, () -> "Allow header of " + Json.describe(r));
        }
    }
}
