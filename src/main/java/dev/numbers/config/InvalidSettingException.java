package dev.numbers.config;

/**
 * A setting whose value cannot be used. Thrown while the web application starts, so that a malformed value stops
 * the deployment with a message naming the setting instead of falling back to a silent default.
 */
public final class InvalidSettingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public InvalidSettingException(String setting, String value, String expected) {
        super("Invalid value for setting " + setting + ": '" + value + "' (expected " + expected + ")");
    }
}
