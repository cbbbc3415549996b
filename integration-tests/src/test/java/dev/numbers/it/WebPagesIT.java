package dev.numbers.it;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.numbers.it.ContainerExtension.Http;
import static dev.numbers.it.ContainerExtension.enc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The try-it page and its endpoints as the packaged WAR serves them in the container of this execution: {@code /}
 * is the page, its files are served with their types, {@code /try-it.json} advertises no example URL, and no
 * directory of the web application is listed (Jetty's default servlet lists them unless told otherwise).
 */
@ExtendWith(ContainerExtension.class)
class WebPagesIT {

    private final ServletContainer container = ContainerExtension.container();
    private final FakeUpstreams up = ContainerExtension.upstreams();

    @Test
    void theRootIsTheTryItPage() throws Exception {
        for (String path : new String[] {"/", "/index.html"}) {
            HttpResponse<String> r = Http.get(container, path);
            assertEquals(200, r.statusCode(), () -> Json.describe(r));
            Json.assertMediaType("text/html", r);
            assertTrue(r.body().contains("<title>numbers: try the fan-out</title>"), () -> Json.describe(r));
            assertFalse(r.body().contains("WEB-INF"), () -> "a listing? " + Json.describe(r));
        }
    }

    @Test
    void servesThePagesFilesWithTheirTypes() throws Exception {
        Map<String, String> files = Map.of("/assets/explain.js", "text/javascript", "/assets/explain.css", "text/css",
                "/assets/icon.svg", "image/svg+xml");
        for (Map.Entry<String, String> file : files.entrySet()) {
            HttpResponse<String> r = Http.get(container, file.getKey());
            assertEquals(200, r.statusCode(), () -> Json.describe(r));
            Json.assertMediaType(file.getValue(), r);
        }
    }

    @Test
    void listsNoDirectory() throws Exception {
        // Each directory, with names a listing of it would show.
        Map<String, List<String>> directories = Map.of(
                "/META-INF/", List.of("MANIFEST.MF"),
                "/WEB-INF/", List.of("web.xml", "classes"),
                "/WEB-INF/lib/", List.of("jetty-client", "gson"),
                "/WEB-INF/classes/", List.of("dev/"),
                "/assets/", List.of("explain.js", "explain.css", "icon.svg"));
        List<String> listed = new ArrayList<>();
        for (Map.Entry<String, List<String>> directory : directories.entrySet()) {
            HttpResponse<String> r = Http.get(container, directory.getKey());
            boolean refused = r.statusCode() == 403 || r.statusCode() == 404;
            boolean namesAFile = directory.getValue().stream().anyMatch(r.body()::contains);
            if (!refused || namesAFile || r.body().contains("Directory")) {
                listed.add(Json.describe(r));
            }
        }
        assertTrue(listed.isEmpty(), () -> container.name() + " lists directories:\n" + String.join("\n", listed));
    }

    @Test
    void tellsThePageWhereExplainIsAndAdvertisesNoExample() throws Exception {
        HttpResponse<String> r = Http.get(container, "/try-it.json");
        assertEquals(200, r.statusCode(), () -> Json.describe(r));
        Json.assertMediaType("application/json", r);
        assertEquals("{\"explain\":\"explain\",\"budgetMs\":500,\"examples\":[]}", r.body());
    }

    @Test
    void explainAnswersWithEachUpstreamAndKeepsTheLimitOfNumbers() throws Exception {
        HttpResponse<String> r = Http.get(container, "/explain?u=" + enc(up.url("/primes")) + "&u="
                + enc(up.url("/unavailable")) + "&u=junk");
        assertEquals(List.of(2L, 3L, 5L, 7L, 11L, 13L), Json.numbers(r));
        JsonObject answer = Json.object(r);
        assertEquals(500, answer.get("budgetMs").getAsInt(), r.body());
        assertEquals("[\"junk\"]", answer.get("skipped").toString());
        JsonObject unavailable = answer.getAsJsonArray("upstreams").get(1).getAsJsonObject();
        assertEquals("http_error", unavailable.get("outcome").getAsString(), r.body());
        assertEquals(503, unavailable.get("status").getAsInt(), r.body());

        StringBuilder tooMany = new StringBuilder("/explain?u=junk");
        for (int i = 1; i <= ItConfig.MAX_URLS + 1; i++) {
            tooMany.append("&u=").append(enc(up.url("/n/" + i)));
        }
        HttpResponse<String> rejected = Http.get(container, tooMany.toString());
        assertEquals(400, rejected.statusCode(), () -> Json.describe(rejected));
        Json.assertMediaType("application/problem+json", rejected);
    }
}
