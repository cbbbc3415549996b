package dev.numbers.web;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Makes {@code SIGTERM} drain the service before the JVM begins to stop: installed in front of the handler the JVM
 * already has for it, this handler runs the {@link Drain}, then hands the signal on to that handler, which runs the
 * shutdown hooks — the container's own graceful stop among them — and exits with 143, as without it.
 *
 * <p>Why a signal handler and not a shutdown hook: the JVM starts all shutdown hooks at once, in no order, so a
 * web application's hook would race the container's, which closes or pauses the connector first thing. Ahead of the
 * hooks, the drain runs while the connector still accepts, and the container's stop then runs unchanged, with no
 * container configured for it. {@code sun.misc.Signal} is the JDK's supported-but-unofficial signal API (module
 * {@code jdk.unsupported}), in every OpenJDK build; see docs/design.md#draining.
 *
 * <ul>
 *   <li>A second {@code SIGTERM} during the drain is handed on at once: the container stops without waiting.</li>
 *   <li>{@link #uninstall()} (the web application stops) restores the previous handler; if another one was installed
 *   over this one meanwhile, that one is kept, and this one only passes the signal on.</li>
 *   <li>Other ways to stop the JVM ({@code SIGINT}, {@code System.exit}, Tomcat's shutdown port) do not drain.</li>
 * </ul>
 */
final class DrainOnSigterm implements SignalHandler {

    private static final System.Logger LOG = System.getLogger(DrainOnSigterm.class.getName());
    private static final String TERM = "TERM";

    private final Drain drain;
    private final Signal signal;
    private final AtomicBoolean handled = new AtomicBoolean();
    /** The handler this one was installed in front of; set under this object's lock as it is installed. */
    private SignalHandler previous;
    private volatile boolean installed = true;

    private DrainOnSigterm(Drain drain, Signal signal) {
        this.drain = drain;
        this.signal = signal;
    }

    /**
     * Installs the handler in front of the JVM's.
     *
     * @param drain what {@code SIGTERM} runs before the JVM stops
     * @return the installed handler, or {@code null} when this JVM leaves {@code SIGTERM} to the operating system
     *         ({@code -Xrs}) or ignores it; the container then stops at once, as without draining
     */
    static DrainOnSigterm install(Drain drain) {
        DrainOnSigterm handler = new DrainOnSigterm(drain, new Signal(TERM));
        synchronized (handler) { // a SIGTERM right now hands on to the previous handler only once it is known
            try {
                handler.previous = Signal.handle(handler.signal, handler);
            } catch (IllegalArgumentException e) {
                LOG.log(Level.WARNING, "SIGTERM cannot start a drain ({0}): the container stops at once",
                        e.getMessage());
                return null;
            }
            if (handler.previous == SignalHandler.SIG_DFL || handler.previous == SignalHandler.SIG_IGN) {
                // No Java handler to hand the signal on to: the JVM does not stop on SIGTERM by itself here.
                Signal.handle(handler.signal, handler.previous);
                LOG.log(Level.WARNING, "SIGTERM has no JVM handler to drain in front of: the container stops at once");
                return null;
            }
        }
        return handler;
    }

    /** Restores the handler this one was installed in front of, unless another was installed over it since. */
    synchronized void uninstall() {
        installed = false;
        SignalHandler current = Signal.handle(signal, previous);
        if (current != this) {
            // Another web application's handler hands the signal on to this one: keep it first, this one passes on.
            Signal.handle(signal, current);
        }
    }

    /** Drains on the first {@code SIGTERM}, then hands it on; a later one is handed on at once. */
    @Override
    public void handle(Signal received) {
        if (installed && handled.compareAndSet(false, true)) {
            try {
                drain.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "The drain failed; the container stops now", e);
            }
        }
        SignalHandler next;
        synchronized (this) {
            next = previous;
        }
        try {
            next.handle(received);
        } catch (UnsupportedOperationException nativeHandler) {
            // A handler installed outside Java cannot be called from here: exit as the JVM's handler does.
            Runtime.getRuntime().exit(128 + received.getNumber());
        }
    }
}
