package dev.numbers.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Strict parsers for the textual forms of settings: durations ({@code 500ms}, {@code 2s}, {@code 1m}), sizes
 * ({@code 65536}, {@code 64KiB}, {@code 8MiB}, {@code 1GiB}), whole numbers, booleans and comma-separated lists.
 * Each parser either returns a value or throws {@link InvalidSettingException} naming the setting.
 */
final class SettingValues {

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})(|B|KiB|MiB|GiB)");

    private SettingValues() {
    }

    static Duration duration(String setting, String raw) {
        Matcher m = DURATION.matcher(raw.trim());
        if (!m.matches()) {
            throw new InvalidSettingException(setting, raw, "a duration such as 500ms, 2s or 1m");
        }
        long amount = Long.parseLong(m.group(1));
        switch (m.group(2)) {
            case "ms":
                return Duration.ofMillis(amount);
            case "s":
                return Duration.ofSeconds(amount);
            default:
                return Duration.ofMinutes(amount);
        }
    }

    static long size(String setting, String raw) {
        Matcher m = SIZE.matcher(raw.trim());
        if (!m.matches()) {
            throw new InvalidSettingException(setting, raw, "a size in bytes such as 65536, 64KiB or 8MiB");
        }
        long amount = Long.parseLong(m.group(1));
        int shift;
        switch (m.group(2)) {
            case "KiB":
                shift = 10;
                break;
            case "MiB":
                shift = 20;
                break;
            case "GiB":
                shift = 30;
                break;
            default:
                shift = 0;
        }
        if (amount > (Long.MAX_VALUE >> shift)) {
            throw new InvalidSettingException(setting, raw, "a size that fits in 63 bits");
        }
        return amount << shift;
    }

    static int integer(String setting, String raw) {
        String value = raw.trim();
        if (!value.matches("\\d{1,10}")) {
            throw new InvalidSettingException(setting, raw, "a whole number");
        }
        long parsed = Long.parseLong(value);
        if (parsed > Integer.MAX_VALUE) {
            throw new InvalidSettingException(setting, raw, "a whole number up to " + Integer.MAX_VALUE);
        }
        return (int) parsed;
    }

    static boolean bool(String setting, String raw) {
        switch (raw.trim().toLowerCase(Locale.ROOT)) {
            case "true":
                return true;
            case "false":
                return false;
            default:
                throw new InvalidSettingException(setting, raw, "true or false");
        }
    }

    static List<String> list(String raw) {
        return Arrays.stream(raw.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    static String path(String setting, String raw) {
        String value = raw.trim();
        if (value.isEmpty() || value.equals("off")) {
            return "";
        }
        if (!value.matches("/[A-Za-z0-9._~/-]*")) {
            throw new InvalidSettingException(setting, raw, "a path starting with / or 'off'");
        }
        return value;
    }
}
