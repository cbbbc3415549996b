package dev.numbers.it;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Assertions on the service's answers. */
final class Json {

    private Json() {
    }

    /** Asserts a {@code 200 application/json {"numbers":[…]}} answer and returns the numbers. */
    static List<Long> numbers(HttpResponse<String> response) {
        assertEquals(200, response.statusCode(), () -> "status of " + describe(response));
        assertMediaType("application/json", response);
        JsonObject object = object(response);
        JsonElement numbers = object.get("numbers");
        if (numbers == null || !numbers.isJsonArray()) {
            fail("no numbers array in " + response.body());
        }
        JsonArray array = numbers.getAsJsonArray();
        List<Long> list = new ArrayList<>();
        array.forEach(e -> list.add(e.getAsLong()));
        return list;
    }

    static JsonObject object(HttpResponse<String> response) {
        try {
            JsonElement e = JsonParser.parseString(response.body());
            assertTrue(e.isJsonObject(), () -> "not a JSON object: " + response.body());
            return e.getAsJsonObject();
        } catch (RuntimeException e) {
            throw new AssertionError("not JSON: " + describe(response), e);
        }
    }

    static void assertMediaType(String expected, HttpResponse<String> response) {
        Optional<String> type = response.headers().firstValue("Content-Type");
        assertTrue(type.isPresent(), () -> "no Content-Type in " + describe(response));
        String mediaType = type.get().split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        assertEquals(expected, mediaType, () -> "Content-Type of " + describe(response));
    }

    static List<Long> list(long... values) {
        List<Long> list = new ArrayList<>();
        for (long v : values) {
            list.add(v);
        }
        return list;
    }

    static String describe(HttpResponse<String> response) {
        return response.request().method() + " " + abbreviate(response.request().uri().toString(), 300)
                + " -> " + response.statusCode() + " " + response.headers().map() + " "
                + abbreviate(response.body(), 600);
    }

    static String abbreviate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max) + "…(" + s.length() + " chars)";
    }
}
