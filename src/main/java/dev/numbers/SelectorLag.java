package dev.numbers;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Measures how far behind the upstream client's selector threads run: every period, a no-op task is submitted to
 * each selector, and the time until that selector runs it is reported.
 *
 * <p>Why: each selector thread reads, parses and merges every upstream response of its connections (the client's
 * transport is non-blocking), so when the core is saturated those responses wait in their sockets while the thread
 * waits for the core. Fetch times cannot show it (a 50 ms upstream cannot be told from a selector 50 ms behind), nor
 * can the answers' own lateness: the answers still leave at their cutoff, without the upstreams that were cut. That
 * is how the service failed one overload run (README, Performance, "Not met"). A selector runs submitted tasks at the
 * start of each select loop, after the keys of the previous one, so the delay is exactly how long a response that
 * arrived then waited.
 *
 * <p>At most one probe per selector is outstanding: a selector that has not run the last one gets no other until it
 * does, and its lag is reported when it does. Thread-safe; the probes run on the given scheduler and on the selector
 * threads.
 */
final class SelectorLag {

    private final List<Probe> probes;
    private final LongConsumer report;
    private final Scheduler scheduler;
    private final long periodMillis;
    private volatile boolean stopped;
    private volatile Scheduler.Task next;

    private SelectorLag(List<ManagedSelector> selectors, Scheduler scheduler, long periodMillis, LongConsumer report) {
        this.report = report;
        this.scheduler = scheduler;
        this.periodMillis = periodMillis;
        List<Probe> all = new ArrayList<>();
        for (ManagedSelector selector : selectors) {
            all.add(new Probe(selector));
        }
        this.probes = List.copyOf(all);
    }

    /**
     * Starts measuring; the connector must be started.
     *
     * @param connector    the client's connector, whose selectors are probed
     * @param scheduler    runs the probes
     * @param periodMillis between two probes of one selector
     * @param report       receives each lag measured, in nanoseconds, on a selector thread: must not block
     * @return the running measurement; {@link #stop()} it before the connector stops
     */
    static SelectorLag start(ClientConnector connector, Scheduler scheduler, long periodMillis, LongConsumer report) {
        List<ManagedSelector> selectors = new ArrayList<>(
                connector.getSelectorManager().getBeans(ManagedSelector.class));
        SelectorLag lag = new SelectorLag(selectors, scheduler, periodMillis, report);
        lag.schedule();
        return lag;
    }

    void stop() {
        stopped = true;
        Scheduler.Task task = next;
        if (task != null) {
            task.cancel();
        }
    }

    /** Selectors probed (for tests). */
    int selectors() {
        return probes.size();
    }

    private void schedule() {
        if (!stopped) {
            next = scheduler.schedule(this::probe, periodMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void probe() {
        if (stopped) {
            return;
        }
        for (Probe probe : probes) {
            probe.send();
        }
        schedule();
    }

    /** One selector's probe; sent from the scheduler's thread, run on the selector's. */
    private final class Probe implements ManagedSelector.SelectorUpdate {

        private final ManagedSelector selector;
        /** When the outstanding probe was submitted; 0 when none is outstanding. */
        private volatile long sentNanos;

        private Probe(ManagedSelector selector) {
            this.selector = selector;
        }

        void send() {
            if (sentNanos != 0) {
                return; // the last one has not run yet: the selector is that far behind, reported when it runs
            }
            long now = System.nanoTime();
            sentNanos = now == 0 ? 1 : now;
            selector.submit(this);
        }

        @Override
        public void update(java.nio.channels.Selector ignored) {
            long lag = System.nanoTime() - sentNanos;
            sentNanos = 0;
            report.accept(Math.max(0, lag));
        }
    }
}
