package dev.numbers.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading answers in tests: the numbers of a body, and the server-measured total of {@code Server-Timing}. */
public final class Answers {

    private static final Pattern TOTAL = Pattern.compile("total;dur=(\\d+(?:\\.\\d+)?)");

    private Answers() {
    }

    /** @return the answer's numbers, after checking that the body is exactly {@code {"numbers":[…]}} */
    public static List<Long> numbers(String body) {
        JsonObject object = JsonParser.parseString(body).getAsJsonObject();
        if (object.size() != 1) {
            throw new AssertionError("unexpected members in " + body);
        }
        JsonArray array = object.getAsJsonArray("numbers");
        List<Long> numbers = new ArrayList<>(array.size());
        for (JsonElement e : array) {
            numbers.add(e.getAsLong());
        }
        return numbers;
    }

    /** @return milliseconds from arrival to the answer being written, as the service measured them */
    public static double serverMillis(HttpResponse<?> response) {
        String timing = response.headers().firstValue("Server-Timing").orElseThrow();
        Matcher m = TOTAL.matcher(timing);
        if (!m.find()) {
            throw new AssertionError("no total in Server-Timing: " + timing);
        }
        return Double.parseDouble(m.group(1));
    }
}
