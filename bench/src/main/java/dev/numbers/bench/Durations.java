package dev.numbers.bench;

import java.util.Locale;

/** Durations written like the shared harness: {@code 30s}, {@code 500ms}, {@code 2m}, {@code 1.5s}, plain seconds. */
final class Durations {
    private Durations() {
    }

    static long parseMillis(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        double mult;
        if (v.endsWith("ms")) {
            mult = 1;
            v = v.substring(0, v.length() - 2);
        } else if (v.endsWith("s")) {
            mult = 1000;
            v = v.substring(0, v.length() - 1);
        } else if (v.endsWith("m")) {
            mult = 60_000;
            v = v.substring(0, v.length() - 1);
        } else {
            mult = 1000;
        }
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad duration \"" + s + "\" (want e.g. 30s, 500ms, 2m)");
        }
        if (d < 0 || Double.isNaN(d) || Double.isInfinite(d)) throw new IllegalArgumentException("bad duration \"" + s + "\"");
        return Math.round(d * mult);
    }

    static String format(long ms) {
        if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
        if (ms % 1000 == 0) return ms / 1000 + "s";
        return ms + "ms";
    }
}
