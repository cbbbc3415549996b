package dev.numbers.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of {@code /metrics} in the Prometheus text format, parsed into samples so that tests can compare two
 * scrapes ({@link #delta}) series by series. Only what the format needs here: comments are skipped, each sample line is
 * {@code name[{label="value",…}] value}. Public for the integration tests ({@code dev.numbers.it}), which fetch
 * {@code /metrics} from a real container themselves and {@link #parse} it.
 */
public final class Scrape {

    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** One sample: metric name, labels, value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final String text;
    private final List<Sample> samples;

    private Scrape(String text, List<Sample> samples) {
        this.text = text;
        this.samples = samples;
    }

    /** Scrapes the service's {@code /metrics} (its default path). */
    public static Scrape of(NumbersServer server) throws Exception {
        HttpResponse<String> response = server.send(HttpRequest.newBuilder(server.uri("/metrics"))
                .timeout(Duration.ofSeconds(5)).build());
        assertEquals(200, response.statusCode(), response.body());
        return parse(response.body());
    }

    /** Scrapes until {@code done} holds (the service records metrics just after the answer leaves), at most 5 s. */
    public static Scrape await(NumbersServer server, Predicate<Scrape> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Scrape scrape = of(server);
        while (!done.test(scrape)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("metrics did not reach the expected totals:\n" + scrape.text());
            }
            Thread.sleep(20);
            scrape = of(server);
        }
        return scrape;
    }

    /**
     * @param text a {@code /metrics} body
     * @return its samples
     */
    public static Scrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line.trim());
            if (!m.matches()) {
                throw new AssertionError("not a sample line: " + line);
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            samples.add(new Sample(m.group(1), labels, parseValue(m.group(3))));
        }
        return new Scrape(text, samples);
    }

    /** @return the value of the one sample with this name and these labels ({@code "result", "complete"}, …) */
    public double value(String name, String... labelPairs) {
        Map<String, String> wanted = new LinkedHashMap<>();
        for (int i = 0; i < labelPairs.length; i += 2) {
            wanted.put(labelPairs[i], labelPairs[i + 1]);
        }
        return samples.stream()
                .filter(s -> s.name().equals(name) && s.labels().equals(wanted))
                .mapToDouble(Sample::value)
                .reduce((a, b) -> {
                    throw new AssertionError("two samples " + name + wanted);
                })
                .orElseThrow(() -> new AssertionError("no sample " + name + wanted + " in\n" + text));
    }

    /** @return the cumulative count of a classic histogram's bucket whose upper bound is {@code le} */
    public double bucket(String histogram, double le) {
        return samples.stream()
                .filter(s -> s.name().equals(histogram + "_bucket") && parseValue(s.labels().get("le")) == le)
                .mapToDouble(Sample::value)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no bucket le=" + le + " of " + histogram + " in\n" + text));
    }

    /** @return the upper bounds of a classic histogram's buckets, ascending, {@code +Inf} last */
    public List<Double> bounds(String histogram) {
        return samples.stream()
                .filter(s -> s.name().equals(histogram + "_bucket"))
                .map(s -> parseValue(s.labels().get("le")))
                .sorted()
                .toList();
    }

    /** @return how much the sample moved from {@code before} to this scrape */
    public double delta(Scrape before, String name, String... labelPairs) {
        return value(name, labelPairs) - before.value(name, labelPairs);
    }

    /** @return how much a histogram bucket moved from {@code before} to this scrape */
    public double bucketDelta(Scrape before, String histogram, double le) {
        return bucket(histogram, le) - before.bucket(histogram, le);
    }

    /** @return the sum of every sample with this name (all label values) */
    public double sum(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).mapToDouble(Sample::value).sum();
    }

    /** @return every metric name that has a sample */
    public Set<String> names() {
        Set<String> names = new TreeSet<>();
        samples.forEach(s -> names.add(s.name()));
        return names;
    }

    /** @return the scraped text, for failure messages */
    public String text() {
        return text;
    }

    private static double parseValue(String raw) {
        switch (raw) {
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            case "NaN":
                return Double.NaN;
            default:
                return Double.parseDouble(raw);
        }
    }
}
