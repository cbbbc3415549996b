package dev.numbers.aggregation;

import dev.numbers.metrics.AttemptKind;
import dev.numbers.metrics.UpstreamOutcome;

/**
 * One request an upstream was sent, once it has ended: what kind of attempt it was, when it was sent and ended, and how
 * it ended. An upstream has one or two ({@link Upstream#attempts()}); its own outcome is the first valid answer among
 * them, or the failure of the last to end. An attempt never sent (abandoned first) has {@code end == start}.
 *
 * @param kind       first, retry or hedge
 * @param startNanos {@link System#nanoTime()} when it was sent
 * @param endNanos   {@link System#nanoTime()} when it ended
 * @param outcome    how it ended: {@code ok} for a valid answer, whether or not the answer could still merge it;
 *                   {@code late} when it was abandoned, for the deadline or because another attempt won
 */
public record Attempt(AttemptKind kind, long startNanos, long endNanos, UpstreamOutcome outcome) {
}
