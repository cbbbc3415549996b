package dev.numbers.upstream;

/**
 * What the service learns about one upstream origin while the client keeps state for it: the latencies of its recent
 * attempts and its share of extra attempts. It lives exactly as long as the client's destination for that origin
 * ({@link OriginLimit}), so there are never more of them than {@code numbers.maxOrigins} (plus the few requests racing
 * the limit), and an origin that comes back after its destination was dropped starts afresh.
 */
public final class OriginState {

    private final OriginLatencies latencies = new OriginLatencies();
    private final AttemptBudget budget;

    private OriginState(int extraAttemptPercent) {
        this.budget = AttemptBudget.of(extraAttemptPercent);
    }

    /**
     * @param extraAttemptPercent the share of first attempts its budget allows as extra attempts
     * @return the state of an origin nothing is known about yet
     */
    public static OriginState of(int extraAttemptPercent) {
        return new OriginState(extraAttemptPercent);
    }

    /** @return the latencies of the origin's last attempts */
    public OriginLatencies latencies() {
        return latencies;
    }

    /** @return the origin's own budget of extra attempts */
    public AttemptBudget budget() {
        return budget;
    }
}
