package dev.numbers;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The service's effective settings, immutable once the web application has started.
 *
 * <p>Every setting has a default and is read from a {@link SettingSource} (context parameter &lt; system property
 * &lt; environment variable). Values are parsed strictly: anything malformed or out of range raises
 * {@link InvalidSettingException} naming the setting, which stops the deployment.
 *
 * @param budget                  time from arrival until the last byte of the answer is written
 * @param safetyMargin            the smallest part of the budget reserved for writing the answer: pending upstreams
 *                                are abandoned at {@code budget - margin} after arrival, where the margin adapts
 *                                between this floor and {@code maxSafetyMargin} ({@link SafetyMargin})
 * @param maxSafetyMargin         the largest the adaptive margin may grow; equal to {@code safetyMargin} to fix it
 * @param pauseAwareArrival       count the budget of a request that enters just after a stop-the-world GC pause from
 *                                when it may have arrived, during the pause ({@link ArrivalClock})
 * @param maxUrls                 distinct valid URLs per request; more is a {@code 400}
 * @param maxBodyBytes            an upstream body larger than this (after decoding) is abandoned
 * @param maxNumbersPerUpstream   an upstream returning more numbers than this counts as failed
 * @param maxBufferedBytes        all upstream bodies being buffered at once, service-wide ({@link BodyMemory})
 * @param allowedNetworks         CIDR blocks exempt from the private-address refusal
 * @param minInFlight             the floor of the adaptive in-flight limit ({@link InFlightLimiter})
 * @param maxInFlight             aggregations at once, the ceiling of the adaptive limit; beyond it, a fast {@code 503}
 * @param connectTimeout          TCP (and TLS) connect timeout towards an upstream; longer than the budget on purpose:
 *                                a fetch is bounded by the budget anyway, and a connection that completes after its
 *                                fetch was given up joins the pool instead of being thrown away
 * @param maxConnectionsPerHost   connection pool size per upstream origin
 * @param maxQueuedPerHost        requests waiting for a connection per upstream origin
 * @param maxConnections          upstream connections, open or being opened, of all origins together
 *                                ({@link ConnectionBudget})
 * @param maxOrigins              upstream origins the client keeps state for at once; once there are this many, a
 *                                fetch to another origin is not sent ({@link OriginLimit})
 * @param maxRedirects            redirect hops followed per upstream
 * @param abandonGrace            how long an upstream request already sent may run on after the budget, its result
 *                                ignored, so that its connection is reused rather than closed; zero aborts every
 *                                pending request when the answer is written
 * @param debug                   trace every request's fan-out in the log
 * @param metricsPath             path of the Prometheus endpoint, empty when switched off
 * @param healthPath              path of the health endpoint, empty when switched off
 */
public record Settings(
        Duration budget,
        Duration safetyMargin,
        Duration maxSafetyMargin,
        boolean pauseAwareArrival,
        int maxUrls,
        long maxBodyBytes,
        int maxNumbersPerUpstream,
        long maxBufferedBytes,
        List<String> allowedNetworks,
        int minInFlight,
        int maxInFlight,
        Duration connectTimeout,
        int maxConnectionsPerHost,
        int maxQueuedPerHost,
        int maxConnections,
        int maxOrigins,
        int maxRedirects,
        Duration abandonGrace,
        boolean debug,
        String metricsPath,
        String healthPath) {

    /** Setting names, as written in {@code web.xml}, system properties and (upper snake case) the environment. */
    public static final String BUDGET = "numbers.budget";
    public static final String SAFETY_MARGIN = "numbers.safetyMargin";
    public static final String MAX_SAFETY_MARGIN = "numbers.maxSafetyMargin";
    public static final String PAUSE_AWARE_ARRIVAL = "numbers.pauseAwareArrival";
    public static final String MAX_URLS = "numbers.maxUrls";
    public static final String MAX_BODY_BYTES = "numbers.maxBodyBytes";
    public static final String MAX_NUMBERS_PER_UPSTREAM = "numbers.maxNumbersPerUpstream";
    public static final String MAX_BUFFERED_BYTES = "numbers.maxBufferedBytes";
    public static final String ALLOWED_NETWORKS = "numbers.allowedNetworks";
    public static final String MIN_IN_FLIGHT = "numbers.minInFlight";
    public static final String MAX_IN_FLIGHT = "numbers.maxInFlight";
    public static final String CONNECT_TIMEOUT = "numbers.connectTimeout";
    public static final String MAX_CONNECTIONS_PER_HOST = "numbers.maxConnectionsPerHost";
    public static final String MAX_QUEUED_PER_HOST = "numbers.maxQueuedPerHost";
    public static final String MAX_CONNECTIONS = "numbers.maxConnections";
    public static final String MAX_ORIGINS = "numbers.maxOrigins";
    public static final String MAX_REDIRECTS = "numbers.maxRedirects";
    public static final String ABANDON_GRACE = "numbers.abandonGrace";
    public static final String DEBUG = "numbers.debug";
    public static final String METRICS_PATH = "numbers.metricsPath";
    public static final String HEALTH_PATH = "numbers.healthPath";

    public Settings {
        allowedNetworks = List.copyOf(allowedNetworks);
        if (budget.compareTo(Duration.ofMillis(10)) < 0) {
            throw new InvalidSettingException(BUDGET, budget.toMillis() + "ms", "at least 10ms");
        }
        if (maxSafetyMargin.compareTo(budget) >= 0) {
            throw new InvalidSettingException(MAX_SAFETY_MARGIN, maxSafetyMargin.toMillis() + "ms",
                    "less than the budget (" + budget.toMillis() + "ms)");
        }
        if (safetyMargin.compareTo(maxSafetyMargin) > 0) {
            throw new InvalidSettingException(SAFETY_MARGIN, safetyMargin.toMillis() + "ms",
                    "at most " + MAX_SAFETY_MARGIN + " (" + maxSafetyMargin.toMillis() + "ms)");
        }
        requireRange(MAX_URLS, maxUrls, 1, 100_000);
        requireRange(MAX_NUMBERS_PER_UPSTREAM, maxNumbersPerUpstream, 1, Integer.MAX_VALUE);
        requireRange(MIN_IN_FLIGHT, minInFlight, 1, Integer.MAX_VALUE);
        requireRange(MAX_IN_FLIGHT, maxInFlight, 1, Integer.MAX_VALUE);
        requireRange(MAX_CONNECTIONS_PER_HOST, maxConnectionsPerHost, 1, 100_000);
        requireRange(MAX_QUEUED_PER_HOST, maxQueuedPerHost, 1, 1_000_000);
        requireRange(MAX_CONNECTIONS, maxConnections, 1, 1_000_000);
        requireRange(MAX_ORIGINS, maxOrigins, 1, 1_000_000);
        requireRange(MAX_REDIRECTS, maxRedirects, 0, 20);
        if (maxBufferedBytes < maxBodyBytes) {
            throw new InvalidSettingException(MAX_BUFFERED_BYTES, Long.toString(maxBufferedBytes),
                    "at least " + MAX_BODY_BYTES + " (" + maxBodyBytes + ")");
        }
        if (maxBodyBytes < 1 || maxBodyBytes > Integer.MAX_VALUE - 8) {
            throw new InvalidSettingException(MAX_BODY_BYTES, Long.toString(maxBodyBytes), "1 to 2GiB");
        }
        try {
            AddressPolicy.of(allowedNetworks);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(ALLOWED_NETWORKS, String.join(",", allowedNetworks), e.getMessage());
        }
        if (connectTimeout.isZero() || connectTimeout.isNegative()) {
            throw new InvalidSettingException(CONNECT_TIMEOUT, connectTimeout.toMillis() + "ms", "a positive duration");
        }
    }

    /**
     * The defaults, as documented in the README.
     *
     * @return settings with every default
     */
    public static Settings defaults() {
        return load(SettingSource.of(Map.of()));
    }

    /**
     * Reads and validates every setting.
     *
     * @param source where raw values come from
     * @return the effective settings
     * @throws InvalidSettingException naming the first malformed or out-of-range setting
     */
    public static Settings load(SettingSource source) {
        return new Settings(
                read(source, BUDGET, "500ms", v -> SettingValues.duration(BUDGET, v)),
                read(source, SAFETY_MARGIN, "30ms", v -> SettingValues.duration(SAFETY_MARGIN, v)),
                read(source, MAX_SAFETY_MARGIN, "60ms", v -> SettingValues.duration(MAX_SAFETY_MARGIN, v)),
                read(source, PAUSE_AWARE_ARRIVAL, "true", v -> SettingValues.bool(PAUSE_AWARE_ARRIVAL, v)),
                read(source, MAX_URLS, "64", v -> SettingValues.integer(MAX_URLS, v)),
                read(source, MAX_BODY_BYTES, "8MiB", v -> SettingValues.size(MAX_BODY_BYTES, v)),
                read(source, MAX_NUMBERS_PER_UPSTREAM, "1000000", v -> SettingValues.integer(MAX_NUMBERS_PER_UPSTREAM, v)),
                read(source, MAX_BUFFERED_BYTES, Long.toString(defaultBufferedBytes()),
                        v -> SettingValues.size(MAX_BUFFERED_BYTES, v)),
                read(source, ALLOWED_NETWORKS, "", SettingValues::list),
                read(source, MIN_IN_FLIGHT, "16", v -> SettingValues.integer(MIN_IN_FLIGHT, v)),
                read(source, MAX_IN_FLIGHT, "512", v -> SettingValues.integer(MAX_IN_FLIGHT, v)),
                read(source, CONNECT_TIMEOUT, "2s", v -> SettingValues.duration(CONNECT_TIMEOUT, v)),
                read(source, MAX_CONNECTIONS_PER_HOST, "2048", v -> SettingValues.integer(MAX_CONNECTIONS_PER_HOST, v)),
                read(source, MAX_QUEUED_PER_HOST, "4096", v -> SettingValues.integer(MAX_QUEUED_PER_HOST, v)),
                read(source, MAX_CONNECTIONS, "16384", v -> SettingValues.integer(MAX_CONNECTIONS, v)),
                read(source, MAX_ORIGINS, "1024", v -> SettingValues.integer(MAX_ORIGINS, v)),
                read(source, MAX_REDIRECTS, "4", v -> SettingValues.integer(MAX_REDIRECTS, v)),
                read(source, ABANDON_GRACE, "1s", v -> SettingValues.duration(ABANDON_GRACE, v)),
                read(source, DEBUG, "false", v -> SettingValues.bool(DEBUG, v)),
                read(source, METRICS_PATH, "/metrics", v -> SettingValues.path(METRICS_PATH, v)),
                read(source, HEALTH_PATH, "/health", v -> SettingValues.path(HEALTH_PATH, v)));
    }

    /** A quarter of the maximum heap, at least 16 MiB: what buffered upstream bodies may take by default. */
    static long defaultBufferedBytes() {
        return Math.max(16L << 20, Runtime.getRuntime().maxMemory() / 4);
    }

    private static <T> T read(SettingSource source, String name, String fallback, Function<String, T> parser) {
        Optional<String> raw = source.get(name);
        return parser.apply(raw.orElse(fallback));
    }

    private static void requireRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new InvalidSettingException(name, Long.toString(value), "between " + min + " and " + max);
        }
    }

    /**
     * A one-line summary for the startup log.
     *
     * @return the effective settings as {@code name=value} pairs
     */
    public String describe() {
        return BUDGET + "=" + budget.toMillis() + "ms " + SAFETY_MARGIN + "=" + safetyMargin.toMillis() + "ms "
                + MAX_SAFETY_MARGIN + "=" + maxSafetyMargin.toMillis() + "ms "
                + PAUSE_AWARE_ARRIVAL + "=" + pauseAwareArrival + " "
                + MAX_URLS + "=" + maxUrls + " " + MAX_BODY_BYTES + "=" + maxBodyBytes + " "
                + MAX_NUMBERS_PER_UPSTREAM + "=" + maxNumbersPerUpstream + " " + MAX_BUFFERED_BYTES + "=" + maxBufferedBytes
                + " " + ALLOWED_NETWORKS + "=" + allowedNetworks
                + " " + MIN_IN_FLIGHT + "=" + minInFlight + " " + MAX_IN_FLIGHT + "=" + maxInFlight + " " + CONNECT_TIMEOUT + "=" + connectTimeout.toMillis() + "ms "
                + MAX_CONNECTIONS_PER_HOST + "=" + maxConnectionsPerHost + " " + MAX_QUEUED_PER_HOST + "=" + maxQueuedPerHost
                + " " + MAX_CONNECTIONS + "=" + maxConnections + " " + MAX_ORIGINS + "=" + maxOrigins
                + " " + MAX_REDIRECTS + "=" + maxRedirects
                + " " + ABANDON_GRACE + "=" + abandonGrace.toMillis() + "ms "
                + DEBUG + "=" + debug + " "
                + METRICS_PATH + "=" + (metricsPath.isEmpty() ? "off" : metricsPath) + " "
                + HEALTH_PATH + "=" + (healthPath.isEmpty() ? "off" : healthPath);
    }
}
