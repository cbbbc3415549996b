package dev.numbers.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One setting of the service, declared once: its name, its default, how its value is written and its one-line meaning.
 * The declarations below drive {@link Settings#load parsing}, the environment variable's name
 * ({@link SettingSource#environmentName}), the start-up log line ({@link Settings#describe()}) and the settings tables
 * of docs/configuration.md and README.md, which a test holds to them.
 *
 * @param <T> the type of the parsed value
 */
public final class Setting<T> {

    /** Every declaration, in the order of the documentation; filled as the constants below are initialised. */
    private static final List<Setting<?>> DECLARED = new ArrayList<>();

    public static final Setting<Duration> BUDGET = of("numbers.budget", Format.DURATION, "500ms",
            "time from arrival until the answer's last byte has left", Settings::budget);
    public static final Setting<Duration> SAFETY_MARGIN = of("numbers.safetyMargin", Format.DURATION, "38ms",
            "floor of the self-tuning safety margin: pending upstreams are abandoned at the budget less the margin",
            Settings::safetyMargin);
    public static final Setting<Duration> MAX_SAFETY_MARGIN = of("numbers.maxSafetyMargin", Format.DURATION, "60ms",
            "ceiling of the safety margin; equal to `numbers.safetyMargin` for a fixed margin",
            Settings::maxSafetyMargin);
    public static final Setting<Boolean> PAUSE_AWARE_ARRIVAL = of("numbers.pauseAwareArrival", Format.SWITCH, "true",
            "a request that enters just after a GC pause or a stall of the process counts its budget from it",
            Settings::pauseAwareArrival);
    public static final Setting<Integer> MAX_URLS = of("numbers.maxUrls", Format.NUMBER, "64",
            "distinct valid URLs per request; more is a `400`", Settings::maxUrls);
    public static final Setting<Long> MAX_BODY_BYTES = of("numbers.maxBodyBytes", Format.SIZE, "8MiB",
            "an upstream body larger than this (decoded) fails that upstream", Settings::maxBodyBytes);
    public static final Setting<Integer> MAX_NUMBERS_PER_UPSTREAM = of("numbers.maxNumbersPerUpstream",
            Format.NUMBER, "1000000", "an upstream with more numbers than this fails",
            Settings::maxNumbersPerUpstream);
    public static final Setting<Long> MAX_BUFFERED_BYTES = computed("numbers.maxBufferedBytes", Format.SIZE,
            () -> Long.toString(Settings.defaultBufferedBytes()), "a quarter of the heap, at least 16MiB",
            "upstream body bytes buffered at once, service-wide", Settings::maxBufferedBytes);
    public static final Setting<List<String>> ALLOWED_NETWORKS = computed("numbers.allowedNetworks", Format.LIST,
            () -> "", "\"\"", "CIDR blocks the address policy lets through, e.g. `127.0.0.0/8,::1/128`",
            Settings::allowedNetworks);
    public static final Setting<Integer> MIN_IN_FLIGHT = of("numbers.minInFlight", Format.NUMBER, "16",
            "floor of the adaptive in-flight limit", Settings::minInFlight);
    public static final Setting<Integer> MAX_IN_FLIGHT = of("numbers.maxInFlight", Format.NUMBER, "512",
            "ceiling and starting value of the adaptive in-flight limit; beyond the limit, a fast `503`",
            Settings::maxInFlight);
    public static final Setting<Duration> CONNECT_TIMEOUT = of("numbers.connectTimeout", Format.DURATION, "2s",
            "timeout of a TCP connect, and of a name lookup, towards an upstream", Settings::connectTimeout);
    public static final Setting<Integer> MAX_CONNECTIONS_PER_HOST = of("numbers.maxConnectionsPerHost",
            Format.NUMBER, "2048", "kept-alive connections per upstream origin", Settings::maxConnectionsPerHost);
    public static final Setting<Integer> MAX_QUEUED_PER_HOST = of("numbers.maxQueuedPerHost", Format.NUMBER, "4096",
            "fetches waiting for a connection per upstream origin; beyond, that upstream fails at once",
            Settings::maxQueuedPerHost);
    public static final Setting<Integer> MAX_CONNECTIONS = of("numbers.maxConnections", Format.NUMBER, "16384",
            "upstream connections open or being opened, all origins together", Settings::maxConnections);
    public static final Setting<Integer> MAX_ORIGINS = of("numbers.maxOrigins", Format.NUMBER, "1024",
            "upstream origins the client keeps state for at once; a fetch to another is not sent",
            Settings::maxOrigins);
    public static final Setting<Integer> MAX_REDIRECTS = of("numbers.maxRedirects", Format.NUMBER, "4",
            "redirect hops followed per upstream", Settings::maxRedirects);
    public static final Setting<Duration> ABANDON_GRACE = of("numbers.abandonGrace", Format.DURATION, "1s",
            "how long a sent upstream request may outlive the answer, so its connection is kept; `0ms` aborts it",
            Settings::abandonGrace);
    public static final Setting<Boolean> RETRIES = of("numbers.retries", Format.SWITCH, "true",
            "retry an upstream, within the budget, after a `502`, `503`, `504` or a connection refused or reset",
            Settings::retries);
    public static final Setting<Boolean> HEDGING = of("numbers.hedging", Format.SWITCH, "true",
            "send an upstream a second request when the first has not answered after a delay learnt from its origin",
            Settings::hedging);
    public static final Setting<Integer> EXTRA_ATTEMPT_PERCENT = of("numbers.extraAttemptPercent", Format.NUMBER,
            "100", "retries and hedges together, at most this many per hundred first requests, service-wide and per "
                    + "origin; at most one per URL anyway", Settings::extraAttemptPercent);
    public static final Setting<Integer> EXTRA_ATTEMPT_CPU_PERCENT = of("numbers.extraAttemptCpuPercent",
            Format.NUMBER, "50", "no retries or hedges while the process uses more than this share of its processors; "
                    + "100 lifts the rule", Settings::extraAttemptCpuPercent);
    public static final Setting<Boolean> DEBUG = of("numbers.debug", Format.SWITCH, "false",
            "log every request's fan-out at `INFO`", Settings::debug);
    public static final Setting<String> METRICS_PATH = of("numbers.metricsPath", Format.PATH, "/metrics",
            "path of the Prometheus endpoint; `off` removes it", Settings::metricsPath);
    public static final Setting<String> HEALTH_PATH = of("numbers.healthPath", Format.PATH, "/health",
            "path of the health endpoint; `off` removes it", Settings::healthPath);
    public static final Setting<String> EXPLAIN_PATH = of("numbers.explainPath", Format.PATH, "/explain",
            "path of the explain endpoint, which the try-it page at `/` calls; `off` removes it",
            Settings::explainPath);
    public static final Setting<List<String>> EXAMPLE_URLS = computed("numbers.exampleUrls", Format.LIST,
            () -> "", "\"\"", "URLs the try-it page opens pre-filled with; relative ones resolve against the page",
            Settings::exampleUrls);
    public static final Setting<Duration> DRAIN_PERIOD = of("numbers.drainPeriod", Format.DURATION, "5s",
            "after `SIGTERM`, how long `/health` answers `503` while `/numbers` still serves, before the container "
                    + "stops; `0ms` stops at once",
            Settings::drainPeriod);

    private final String name;
    private final Format<T> format;
    private final Supplier<String> defaultValue;
    private final String documentedDefault;
    private final String meaning;
    private final Function<Settings, T> value;

    private Setting(String name, Format<T> format, Supplier<String> defaultValue, String documentedDefault,
            String meaning, Function<Settings, T> value) {
        this.name = name;
        this.format = format;
        this.defaultValue = defaultValue;
        this.documentedDefault = documentedDefault;
        this.meaning = meaning;
        this.value = value;
    }

    private static <T> Setting<T> of(String name, Format<T> format, String defaultValue, String meaning,
            Function<Settings, T> value) {
        return computed(name, format, () -> defaultValue, defaultValue, meaning, value);
    }

    private static <T> Setting<T> computed(String name, Format<T> format, Supplier<String> defaultValue,
            String documentedDefault, String meaning, Function<Settings, T> value) {
        Setting<T> setting = new Setting<>(name, format, defaultValue, documentedDefault, meaning, value);
        DECLARED.add(setting);
        return setting;
    }

    /** @return every setting, in the order of the documentation */
    static List<Setting<?>> all() {
        return List.copyOf(DECLARED);
    }

    /** @return the name, as written in {@code web.xml} and as a system property, e.g. {@code numbers.maxUrls} */
    public String name() {
        return name;
    }

    /** @return the default as the documentation states it: the value, or how it is computed */
    String documentedDefault() {
        return documentedDefault;
    }

    /** @return what the setting means, in one line of the documentation's Markdown */
    String meaning() {
        return meaning;
    }

    /** Reads and parses the value from {@code source}, or the default when the source does not set it. */
    T read(SettingSource source) {
        return format.parse(name, source.get(name).orElseGet(defaultValue));
    }

    /** @return {@code name=value} of this setting in {@code settings}, for the start-up log line */
    String describe(Settings settings) {
        return name + "=" + format.print(value.apply(settings));
    }

    @Override
    public String toString() {
        return name;
    }

    /** How a kind of value is written: its strict parser ({@link SettingValues}) and how the log line prints it. */
    private record Format<T>(Parser<T> parser, Function<T, String> printer) {

        static final Format<Duration> DURATION = new Format<>(SettingValues::duration, d -> d.toMillis() + "ms");
        static final Format<Long> SIZE = new Format<>(SettingValues::size, String::valueOf);
        static final Format<Integer> NUMBER = new Format<>(SettingValues::integer, String::valueOf);
        static final Format<Boolean> SWITCH = new Format<>(SettingValues::bool, String::valueOf);
        static final Format<List<String>> LIST = new Format<>((setting, raw) -> SettingValues.list(raw),
                String::valueOf);
        static final Format<String> PATH = new Format<>(SettingValues::path, p -> p.isEmpty() ? "off" : p);

        T parse(String setting, String raw) {
            return parser.parse(setting, raw);
        }

        String print(T value) {
            return printer.apply(value);
        }
    }

    /** A strict parser: a value, or {@link InvalidSettingException} naming the setting. */
    @FunctionalInterface
    private interface Parser<T> {
        T parse(String setting, String raw);
    }
}
