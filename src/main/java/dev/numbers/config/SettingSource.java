package dev.numbers.config;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where raw setting values come from.
 *
 * <p>The service's precedence rule (docs/configuration.md) is: a {@code web.xml} context parameter is overridden by
 * a JVM system property of the same name, which is overridden by an environment variable whose name is the setting's
 * name in upper snake case ({@code numbers.maxUrls} → {@code NUMBERS_MAX_URLS}). {@link #layered} builds exactly that
 * chain; {@link #of(Map)} serves tests and embedders.
 */
@FunctionalInterface
public interface SettingSource {

    /**
     * The raw value of a setting, if this source defines it.
     *
     * @param name the setting's name, e.g. {@code numbers.maxUrls}
     * @return the raw, untrimmed value, or empty when not set here
     */
    Optional<String> get(String name);

    /**
     * This source, overridden by {@code override} wherever {@code override} defines a setting.
     *
     * @param override the source that wins
     * @return the combined source
     */
    default SettingSource overriddenBy(SettingSource override) {
        Objects.requireNonNull(override, "override");
        return name -> override.get(name).or(() -> get(name));
    }

    /**
     * The production chain: context parameters &lt; system properties &lt; environment variables.
     *
     * @param contextParameters the web application's context parameters, e.g. {@code ServletContext::getInitParameter}
     * @return the layered source
     */
    static SettingSource layered(Function<String, String> contextParameters) {
        SettingSource context = name -> Optional.ofNullable(contextParameters.apply(name));
        SettingSource properties = name -> Optional.ofNullable(System.getProperty(name));
        SettingSource environment = name -> Optional.ofNullable(System.getenv(environmentName(name)));
        return context.overriddenBy(properties).overriddenBy(environment);
    }

    /**
     * A fixed map of values.
     *
     * @param values setting name to raw value
     * @return a source backed by a copy of the map
     */
    static SettingSource of(Map<String, String> values) {
        Map<String, String> copy = Map.copyOf(values);
        return name -> Optional.ofNullable(copy.get(name));
    }

    /**
     * The environment variable that overrides a setting: dots become underscores, each upper-case letter of a
     * camel-case word starts a new underscore-separated word, and the whole is upper-cased.
     *
     * @param name a setting name such as {@code numbers.maxBodyBytes}
     * @return the variable name, such as {@code NUMBERS_MAX_BODY_BYTES}
     */
    static String environmentName(String name) {
        StringBuilder out = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.' || c == '-') {
                out.append('_');
            } else if (Character.isUpperCase(c)) {
                out.append('_').append(c);
            } else {
                out.append(Character.toUpperCase(c));
            }
        }
        return out.toString().toUpperCase(Locale.ROOT);
    }
}
