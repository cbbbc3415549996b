package dev.numbers.web;

import com.google.gson.stream.JsonWriter;
import dev.numbers.config.Settings;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /try-it.json}: what the try-it page ({@code index.html} at the web application's root) needs to know
 * from the server, {@code {"explain":"explain","budgetMs":500,"examples":[]}}: the explain endpoint as a URL relative
 * to the page ({@code null} when {@code numbers.explainPath} is {@code off}), the budget, and the URLs the page opens
 * pre-filled with ({@code numbers.exampleUrls}; the development setup lists its demo upstream). Registered by
 * {@link NumbersContextListener}.
 */
final class TryItServlet extends HttpServlet {

    /** Where the page finds it, relative to the context path. */
    static final String PATH = "/try-it.json";

    private static final long serialVersionUID = 1L;

    private final byte[] body;

    TryItServlet(Settings settings) {
        StringWriter out = new StringWriter();
        try (JsonWriter json = new JsonWriter(out)) {
            json.setHtmlSafe(true);
            json.beginObject();
            String explain = settings.explainPath();
            json.name("explain").value(explain.isEmpty() ? null : explain.substring(1));
            json.name("budgetMs").value(settings.budget().toMillis());
            json.name("examples").beginArray();
            for (String example : settings.exampleUrls()) {
                json.value(example);
            }
            json.endArray().endObject();
        } catch (IOException e) {
            throw new IllegalStateException(e); // a StringWriter does not fail
        }
        this.body = out.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("application/json");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
