package dev.numbers.web;

import dev.numbers.config.Settings;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;

/**
 * Taking an instance out of a load balancer's rotation before its container stops. {@link #run()} is the drain, started
 * by {@code SIGTERM} ({@link DrainOnSigterm}): {@code /health} answers {@code 503} at once while {@code /numbers}
 * serves as before for {@code numbers.drainPeriod}, long enough for a balancer's health checks to take the instance
 * out; then new aggregations are refused with a fast {@code 503}, and the drain waits, at most the budget and the
 * abandon grace, for the aggregations in flight to end. Then the container's own stop may close its connector. See
 * docs/design.md#draining.
 *
 * <p>Thread safety: the phase is an atomic; the servlets read it on every request, the drain moves it once each way.
 * A request that takes its in-flight slot as admission closes checks {@link #admits()} again after taking it (see
 * {@code NumbersServlet}): either the drain's count of slots sees it, or it sees admission closed.
 */
final class Drain {

    private static final System.Logger LOG = System.getLogger(Drain.class.getName());
    private static final long POLL_MILLIS = 10;

    /** Where the drain is. */
    enum Phase {
        /** Not draining: {@code /health} says up. */
        SERVING,
        /** {@code /health} says draining; {@code /numbers} serves. */
        DRAINING,
        /** The drain period is over: new aggregations are refused. */
        CLOSED
    }

    private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.SERVING);
    private final Duration period;
    private final Duration inFlightWait;
    private final IntSupplier inFlight;
    /** The SIGTERM handler that starts the drain, while installed. */
    private DrainOnSigterm sigterm;

    private Drain(Duration period, Duration inFlightWait, IntSupplier inFlight) {
        this.period = period;
        this.inFlightWait = inFlightWait;
        this.inFlight = inFlight;
    }

    /**
     * @param settings the drain period, the budget and the abandon grace
     * @param inFlight aggregations holding an in-flight slot now
     * @return a drain not begun
     */
    static Drain of(Settings settings, IntSupplier inFlight) {
        return new Drain(settings.drainPeriod(), settings.budget().plus(settings.abandonGrace()), inFlight);
    }

    /**
     * Makes {@code SIGTERM} start the drain, unless the drain period is zero: then the container stops at once, as
     * without draining. Called once the service can serve.
     */
    synchronized void onSigterm() {
        if (!period.isZero() && sigterm == null) {
            try {
                sigterm = DrainOnSigterm.install(this);
            } catch (LinkageError | SecurityException e) {
                // No sun.misc.Signal on this JVM, or a security manager that denies it.
                LOG.log(Level.WARNING, "SIGTERM cannot start a drain on this JVM ({0}): the container stops at once",
                        e.toString());
            }
        }
    }

    /** Undoes {@link #onSigterm()}: the web application stops, the JVM may not. */
    synchronized void close() {
        if (sigterm != null) {
            sigterm.uninstall();
            sigterm = null;
        }
    }

    /** @return whether the drain has begun: {@code /health} answers {@code 503} */
    boolean draining() {
        return phase.get() != Phase.SERVING;
    }

    /** @return whether a new aggregation may start: until the drain period is over */
    boolean admits() {
        return phase.get() != Phase.CLOSED;
    }

    /**
     * Drains, on the calling thread, and returns when the container may stop: after the drain period, once the
     * aggregations in flight have ended, or at the latest the budget and the abandon grace later. Only the first call
     * drains; later ones return at once.
     *
     * @throws InterruptedException when the calling thread is interrupted: the drain ends there, admission closed
     */
    void run() throws InterruptedException {
        if (!phase.compareAndSet(Phase.SERVING, Phase.DRAINING)) {
            return;
        }
        long start = System.nanoTime();
        LOG.log(Level.INFO, "numbers draining: /health answers 503, /numbers serves for another {0}ms",
                Long.toString(period.toMillis()));
        try {
            TimeUnit.NANOSECONDS.sleep(period.toNanos());
        } finally {
            phase.set(Phase.CLOSED);
        }
        long deadline = System.nanoTime() + inFlightWait.toNanos();
        while (inFlight.getAsInt() > 0 && System.nanoTime() - deadline < 0) {
            Thread.sleep(POLL_MILLIS);
        }
        int left = inFlight.getAsInt();
        LOG.log(left == 0 ? Level.INFO : Level.WARNING,
                "numbers drained after {0}ms, {1} aggregations in flight; the container stops now",
                Long.toString(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)), Integer.toString(left));
    }
}
