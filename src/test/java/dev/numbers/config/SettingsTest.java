package dev.numbers.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SettingsTest {

    @Test
    void defaultsMatchTheSpec() {
        Settings s = Settings.defaults();
        assertEquals(Duration.ofMillis(500), s.budget());
        assertEquals(64, s.maxUrls());
        assertEquals(8L * 1024 * 1024, s.maxBodyBytes());
        assertEquals(List.of(), s.allowedNetworks());
        assertFalse(s.debug());
        assertEquals("/metrics", s.metricsPath());
        assertEquals("/health", s.healthPath());
        assertEquals("/explain", s.explainPath());
        assertEquals(List.of(), s.exampleUrls());
        assertEquals(16, s.minInFlight());
        assertEquals(512, s.maxInFlight());
        assertEquals(Duration.ofSeconds(2), s.connectTimeout());
        assertTrue(s.pauseAwareArrival());
        assertFalse(Settings.load(SettingSource.of(Map.of(Setting.PAUSE_AWARE_ARRIVAL.name(), "false")))
                .pauseAwareArrival());
    }

    @ParameterizedTest
    @CsvSource({"500ms,500", "2s,2000", "1m,60000", " 750ms ,750"})
    void parsesDurations(String raw, long millis) {
        assertEquals(Duration.ofMillis(millis), SettingValues.duration("x", raw));
    }

    @ParameterizedTest
    @CsvSource({"65536,65536", "64KiB,65536", "8MiB,8388608", "1GiB,1073741824", "10B,10"})
    void parsesSizes(String raw, long bytes) {
        assertEquals(bytes, SettingValues.size("x", raw));
    }

    @ParameterizedTest
    @CsvSource({
            "numbers.budget,fast", "numbers.budget,500", "numbers.budget,-5ms", "numbers.budget,5ms",
            "numbers.maxUrls,many", "numbers.maxUrls,0", "numbers.maxUrls,99999999999", "numbers.maxBodyBytes,8MB",
            "numbers.maxBodyBytes,8 MiB", "numbers.debug,yes", "numbers.maxSafetyMargin,600ms", "numbers.safetyMargin,200ms",
            "numbers.connectTimeout,0ms", "numbers.metricsPath,metrics", "numbers.explainPath,/a b", "numbers.maxInFlight,0", "numbers.minInFlight,0",
            "numbers.minInFlight,few", "numbers.allowedNetworks,10.0.0.0/33", "numbers.pauseAwareArrival,sometimes"})
    void refusesMalformedValuesNamingTheSetting(String name, String raw) {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> Settings.load(SettingSource.of(Map.of(name, raw))));
        assertTrue(e.getMessage().contains(name), e.getMessage());
    }

    @Test
    void switchesEndpointsOffWithOff() {
        assertEquals("", Settings.load(SettingSource.of(Map.of(Setting.METRICS_PATH.name(), "off"))).metricsPath());
        assertEquals("", Settings.load(SettingSource.of(Map.of(Setting.EXPLAIN_PATH.name(), "off"))).explainPath());
    }

    @Test
    void splitsTheNetworkList() {
        Settings s = Settings.load(
                SettingSource.of(Map.of(Setting.ALLOWED_NETWORKS.name(), " 127.0.0.0/8 , ::1/128,, ")));
        assertEquals(List.of("127.0.0.0/8", "::1/128"), s.allowedNetworks());
    }

    @Test
    void namesEnvironmentVariablesInUpperSnakeCase() {
        assertEquals("NUMBERS_MAX_URLS", SettingSource.environmentName("numbers.maxUrls"));
        assertEquals("NUMBERS_MAX_BODY_BYTES", SettingSource.environmentName("numbers.maxBodyBytes"));
        assertEquals("NUMBERS_BUDGET", SettingSource.environmentName("numbers.budget"));
        assertEquals("NUMBERS_ALLOWED_NETWORKS", SettingSource.environmentName("numbers.allowedNetworks"));
    }

    @Test
    void aLaterSourceOverridesAnEarlierOne() {
        SettingSource context = SettingSource.of(Map.of("numbers.maxUrls", "5", "numbers.budget", "300ms"));
        SettingSource properties = SettingSource.of(Map.of("numbers.maxUrls", "6"));
        SettingSource environment = SettingSource.of(Map.of("numbers.budget", "400ms"));
        Settings s = Settings.load(context.overriddenBy(properties).overriddenBy(environment));
        assertEquals(6, s.maxUrls());
        assertEquals(Duration.ofMillis(400), s.budget());
    }

    @Test
    void aSystemPropertyOverridesAContextParameter() {
        String name = "numbers.maxRedirects";
        System.setProperty(name, "2");
        try {
            SettingSource layered = SettingSource.layered(Map.of(name, "7", "numbers.maxUrls", "9")::get);
            Settings s = Settings.load(layered);
            assertEquals(2, s.maxRedirects());
            assertEquals(9, s.maxUrls());
        } finally {
            System.clearProperty(name);
        }
    }

    @Test
    void theEnvironmentOverridesSystemPropertiesAndContextParameters() {
        // PATH is set in every environment this runs in; as a setting name it maps to itself.
        String name = "path";
        System.setProperty(name, "from-property");
        try {
            String value = SettingSource.layered(Map.of(name, "from-context")::get).get(name).orElseThrow();
            assertEquals(System.getenv("PATH"), value);
        } finally {
            System.clearProperty(name);
        }
    }
}
