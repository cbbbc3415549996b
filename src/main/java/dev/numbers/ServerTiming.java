package dev.numbers;

/**
 * The {@code Server-Timing} header of every answer, so that browser developer tools and curl show how long the
 * service took (from arrival until the answer was rendered) and, for aggregations, how many upstreams made it.
 */
final class ServerTiming {

    private ServerTiming() {
    }

    /** @return {@code total;dur=12.3} */
    static String of(long arrivalNanos) {
        return total(System.nanoTime() - arrivalNanos).toString();
    }

    /** @return {@code total;dur=12.3, upstreams;desc="2/3"}: merged upstreams out of the distinct valid ones */
    static String of(long arrivalNanos, int merged, int upstreams) {
        return total(System.nanoTime() - arrivalNanos)
                .append(", upstreams;desc=\"").append(merged).append('/').append(upstreams).append('"')
                .toString();
    }

    /**
     * Milliseconds with one decimal, rounded half up. Written digit by digit: {@code String.format} builds a
     * {@code Formatter} and locale symbols on every call, measured at ~4 % of all allocation at 500 requests/s.
     */
    static StringBuilder total(long elapsedNanos) {
        long tenths = Math.max(0, (elapsedNanos + 50_000) / 100_000);
        return new StringBuilder(64).append("total;dur=").append(tenths / 10).append('.').append(tenths % 10);
    }
}
