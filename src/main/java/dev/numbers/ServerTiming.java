package dev.numbers;

import java.util.Locale;

/**
 * The {@code Server-Timing} header of every answer, so that browser developer tools and curl show how long the
 * service took (from arrival until the answer was rendered) and, for aggregations, how many upstreams made it.
 */
final class ServerTiming {

    private ServerTiming() {
    }

    /** @return {@code total;dur=12.3} */
    static String of(long arrivalNanos) {
        return String.format(Locale.ROOT, "total;dur=%.1f", (System.nanoTime() - arrivalNanos) / 1e6);
    }

    /** @return {@code total;dur=12.3, upstreams;desc="2/3"}: merged upstreams out of the distinct valid ones */
    static String of(long arrivalNanos, int merged, int upstreams) {
        return of(arrivalNanos) + ", upstreams;desc=\"" + merged + "/" + upstreams + "\"";
    }
}
