package dev.numbers.config;

import dev.numbers.upstream.policy.AddressPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The service's effective settings, immutable once the web application has started. Each component is the value of
 * the {@link Setting} of the same name, where its default, format and meaning are declared.
 *
 * <p>Values come from a {@link SettingSource} (context parameter &lt; system property &lt; environment variable) and
 * are parsed strictly: anything malformed or out of range, alone or against another setting, raises
 * {@link InvalidSettingException} naming the setting, which stops the deployment.
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
        boolean retries,
        boolean hedging,
        int extraAttemptPercent,
        int extraAttemptCpuPercent,
        boolean debug,
        String metricsPath,
        String healthPath,
        String explainPath,
        List<String> exampleUrls,
        Duration drainPeriod) {

    public Settings {
        allowedNetworks = List.copyOf(allowedNetworks);
        exampleUrls = List.copyOf(exampleUrls);
        if (budget.compareTo(Duration.ofMillis(10)) < 0) {
            throw new InvalidSettingException(Setting.BUDGET.name(), budget.toMillis() + "ms", "at least 10ms");
        }
        if (maxSafetyMargin.compareTo(budget) >= 0) {
            throw new InvalidSettingException(Setting.MAX_SAFETY_MARGIN.name(), maxSafetyMargin.toMillis() + "ms",
                    "less than the budget (" + budget.toMillis() + "ms)");
        }
        if (safetyMargin.compareTo(maxSafetyMargin) > 0) {
            throw new InvalidSettingException(Setting.SAFETY_MARGIN.name(), safetyMargin.toMillis() + "ms",
                    "at most " + Setting.MAX_SAFETY_MARGIN.name() + " (" + maxSafetyMargin.toMillis() + "ms)");
        }
        requireRange(Setting.MAX_URLS, maxUrls, 1, 100_000);
        requireRange(Setting.MAX_NUMBERS_PER_UPSTREAM, maxNumbersPerUpstream, 1, Integer.MAX_VALUE);
        requireRange(Setting.MIN_IN_FLIGHT, minInFlight, 1, Integer.MAX_VALUE);
        requireRange(Setting.MAX_IN_FLIGHT, maxInFlight, 1, Integer.MAX_VALUE);
        requireRange(Setting.MAX_CONNECTIONS_PER_HOST, maxConnectionsPerHost, 1, 100_000);
        requireRange(Setting.MAX_QUEUED_PER_HOST, maxQueuedPerHost, 1, 1_000_000);
        requireRange(Setting.MAX_CONNECTIONS, maxConnections, 1, 1_000_000);
        requireRange(Setting.MAX_ORIGINS, maxOrigins, 1, 1_000_000);
        requireRange(Setting.MAX_REDIRECTS, maxRedirects, 0, 20);
        requireRange(Setting.EXTRA_ATTEMPT_PERCENT, extraAttemptPercent, 0, 100);
        requireRange(Setting.EXTRA_ATTEMPT_CPU_PERCENT, extraAttemptCpuPercent, 1, 100);
        if (maxBufferedBytes < maxBodyBytes) {
            throw new InvalidSettingException(Setting.MAX_BUFFERED_BYTES.name(), Long.toString(maxBufferedBytes),
                    "at least " + Setting.MAX_BODY_BYTES.name() + " (" + maxBodyBytes + ")");
        }
        if (maxBodyBytes < 1 || maxBodyBytes > Integer.MAX_VALUE - 8) {
            throw new InvalidSettingException(Setting.MAX_BODY_BYTES.name(), Long.toString(maxBodyBytes), "1 to 2GiB");
        }
        try {
            AddressPolicy.of(allowedNetworks);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(Setting.ALLOWED_NETWORKS.name(), String.join(",", allowedNetworks),
                    e.getMessage());
        }
        if (connectTimeout.isZero() || connectTimeout.isNegative()) {
            throw new InvalidSettingException(Setting.CONNECT_TIMEOUT.name(), connectTimeout.toMillis() + "ms",
                    "a positive duration");
        }
    }

    /**
     * The defaults, as {@link Setting} declares them.
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
                Setting.BUDGET.read(source),
                Setting.SAFETY_MARGIN.read(source),
                Setting.MAX_SAFETY_MARGIN.read(source),
                Setting.PAUSE_AWARE_ARRIVAL.read(source),
                Setting.MAX_URLS.read(source),
                Setting.MAX_BODY_BYTES.read(source),
                Setting.MAX_NUMBERS_PER_UPSTREAM.read(source),
                Setting.MAX_BUFFERED_BYTES.read(source),
                Setting.ALLOWED_NETWORKS.read(source),
                Setting.MIN_IN_FLIGHT.read(source),
                Setting.MAX_IN_FLIGHT.read(source),
                Setting.CONNECT_TIMEOUT.read(source),
                Setting.MAX_CONNECTIONS_PER_HOST.read(source),
                Setting.MAX_QUEUED_PER_HOST.read(source),
                Setting.MAX_CONNECTIONS.read(source),
                Setting.MAX_ORIGINS.read(source),
                Setting.MAX_REDIRECTS.read(source),
                Setting.ABANDON_GRACE.read(source),
                Setting.RETRIES.read(source),
                Setting.HEDGING.read(source),
                Setting.EXTRA_ATTEMPT_PERCENT.read(source),
                Setting.EXTRA_ATTEMPT_CPU_PERCENT.read(source),
                Setting.DEBUG.read(source),
                Setting.METRICS_PATH.read(source),
                Setting.HEALTH_PATH.read(source),
                Setting.EXPLAIN_PATH.read(source),
                Setting.EXAMPLE_URLS.read(source),
                Setting.DRAIN_PERIOD.read(source));
    }

    /** A quarter of the maximum heap, at least 16 MiB: what buffered upstream bodies may take by default. */
    static long defaultBufferedBytes() {
        return Math.max(16L << 20, Runtime.getRuntime().maxMemory() / 4);
    }

    private static void requireRange(Setting<Integer> setting, long value, long min, long max) {
        if (value < min || value > max) {
            throw new InvalidSettingException(setting.name(), Long.toString(value), "between " + min + " and " + max);
        }
    }

    /**
     * A one-line summary for the start-up log.
     *
     * @return every setting as {@code name=value}, in the order of the documentation
     */
    public String describe() {
        return Setting.all().stream().map(setting -> setting.describe(this)).collect(Collectors.joining(" "));
    }
}
