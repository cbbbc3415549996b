package dev.numbers.answer;

import java.time.Instant;

/**
 * The {@code Server-Timing} header of every answer, so that browser developer tools, curl and the client's own clock
 * can see how the service spent the budget:
 * <ul>
 *   <li>{@code total;dur=} milliseconds from arrival until the answer was rendered;</li>
 *   <li>{@code cutoff;dur=} (aggregations only) milliseconds from arrival at which pending upstreams were abandoned;</li>
 *   <li>{@code upstreams;desc="m/n"} (every {@code 200}) upstreams merged out of the distinct valid ones;</li>
 *   <li>{@code arrival;desc=} the moment the budget counts from, in microseconds since the Unix epoch, so that a
 *       client can set its own clock against the service's.</li>
 * </ul>
 * Arrival is the servlet's entry, or earlier for a request that may have waited in the kernel during a pause or stall
 * ({@code ArrivalClock}).
 */
public final class ServerTiming {

    private ServerTiming() {
    }

    /** @return {@code total;dur=12.3, arrival;desc="…"}: an answer given at once (errors, shed load) */
    public static String of(long arrivalNanos) {
        long now = System.nanoTime();
        return arrival(total(now - arrivalNanos), arrivalNanos, now).toString();
    }

    /** @return {@code total;dur=12.3, upstreams;desc="2/3", arrival;desc="…"}: merged out of distinct valid upstreams */
    public static String of(long arrivalNanos, int merged, int upstreams) {
        long now = System.nanoTime();
        return arrival(upstreams(total(now - arrivalNanos), merged, upstreams), arrivalNanos, now).toString();
    }

    /** @return as {@link #of(long, int, int)}, with {@code cutoff;dur=} after the total */
    public static String of(long arrivalNanos, long cutoffNanos, int merged, int upstreams) {
        long now = System.nanoTime();
        StringBuilder timing = duration(total(now - arrivalNanos).append(", "), "cutoff", cutoffNanos - arrivalNanos);
        return arrival(upstreams(timing, merged, upstreams), arrivalNanos, now).toString();
    }

    /**
     * Milliseconds with one decimal, rounded half up. Written digit by digit: {@code String.format} builds a
     * {@code Formatter} and locale symbols on every call, a measurable share of the allocation per answer.
     */
    static StringBuilder total(long elapsedNanos) {
        return duration(new StringBuilder(96), "total", elapsedNanos);
    }

    private static StringBuilder duration(StringBuilder out, String name, long nanos) {
        long tenths = Math.max(0, (nanos + 50_000) / 100_000);
        return out.append(name).append(";dur=").append(tenths / 10).append('.').append(tenths % 10);
    }

    private static StringBuilder upstreams(StringBuilder out, int merged, int upstreams) {
        return out.append(", upstreams;desc=\"").append(merged).append('/').append(upstreams).append('"');
    }

    /**
     * Appends the arrival on the wall clock: now on the wall clock less the time since arrival on the monotonic one.
     * The two are read together here; a step of the wall clock during the request shifts only this figure.
     */
    static StringBuilder arrival(StringBuilder out, long arrivalNanos, long nowNanos) {
        Instant wall = Instant.now();
        long micros = wall.getEpochSecond() * 1_000_000L + wall.getNano() / 1_000 - (nowNanos - arrivalNanos) / 1_000;
        return out.append(", arrival;desc=\"").append(micros).append('"');
    }
}
