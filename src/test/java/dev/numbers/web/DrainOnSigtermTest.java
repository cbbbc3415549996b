package dev.numbers.web;

import static dev.numbers.testing.Await.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.numbers.config.Setting;
import dev.numbers.testing.NumbersServer;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Real {@code SIGTERM}s, raised in this JVM, with a recording handler standing for the JVM's own (which would exit):
 * the service's handler, installed in front of it when the web application starts, drains first and then hands the
 * signal on; a second one is handed on at once; stopping the web application puts the previous handler back, and a
 * drain period of zero installs nothing.
 */
class DrainOnSigtermTest {

    private static final Signal TERM = new Signal("TERM");

    /** nanoTime of each signal handed on to the stand-in for the JVM's handler. */
    private final LinkedBlockingQueue<Long> handedOn = new LinkedBlockingQueue<>();
    private final SignalHandler jvm = signal -> handedOn.add(System.nanoTime());
    private SignalHandler original;

    @BeforeEach
    void standInForTheJvmsHandler() {
        original = Signal.handle(TERM, jvm);
    }

    @AfterEach
    void restoreTheJvmsHandler() {
        assertSame(jvm, Signal.handle(TERM, original), "the service left a SIGTERM handler installed");
    }

    @Test
    void sigtermDrainsThenHandsTheSignalToTheHandlerItWasInstalledInFrontOf() throws Exception {
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.DRAIN_PERIOD.name(), "500ms"))) {
            Drain drain = service.service().drain();
            assertFalse(drain.draining());
            long raised = System.nanoTime();
            Signal.raise(TERM);
            awaitTrue(drain::draining, "SIGTERM did not start the drain");
            Long at = handedOn.poll(10, TimeUnit.SECONDS);
            assertTrue(at != null, "SIGTERM was never handed on");
            long afterMillis = TimeUnit.NANOSECONDS.toMillis(at - raised);
            assertTrue(afterMillis >= 500, "handed on " + afterMillis + " ms after SIGTERM, within the drain period");
            assertFalse(drain.admits(), "handed on with admission open");
        }
    }

    @Test
    void aSecondSigtermIsHandedOnAtOnce() throws Exception {
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.DRAIN_PERIOD.name(), "2s"))) {
            Signal.raise(TERM);
            awaitTrue(service.service().drain()::draining, "SIGTERM did not start the drain");
            long second = System.nanoTime();
            Signal.raise(TERM);
            Long at = handedOn.poll(10, TimeUnit.SECONDS);
            assertTrue(at != null, "the second SIGTERM was never handed on");
            long afterMillis = TimeUnit.NANOSECONDS.toMillis(at - second);
            assertTrue(afterMillis < 1_500, "the second SIGTERM waited " + afterMillis + " ms for the 2 s drain");
            // The first one is handed on too, once its drain has run.
            assertTrue(handedOn.poll(10, TimeUnit.SECONDS) != null, "the first SIGTERM was never handed on");
        }
    }

    @Test
    void aDrainPeriodOfZeroInstallsNoHandler() throws Exception {
        try (NumbersServer service = NumbersServer.start(Map.of(Setting.DRAIN_PERIOD.name(), "0ms"))) {
            assertSame(jvm, Signal.handle(TERM, jvm), "a handler was installed");
            Signal.raise(TERM);
            assertTrue(handedOn.poll(10, TimeUnit.SECONDS) != null, "SIGTERM did not reach the JVM's handler");
            assertFalse(service.service().drain().draining());
        }
    }

    @Test
    void aHandlerInstalledOverTheServicesStaysWhenTheServiceStops() throws Exception {
        SignalHandler later = signal -> { };
        SignalHandler service;
        try (NumbersServer server = NumbersServer.start(Map.of(Setting.DRAIN_PERIOD.name(), "5s"))) {
            service = Signal.handle(TERM, later);
        }
        assertSame(later, Signal.handle(TERM, jvm), "another web application's handler was removed");
        assertEquals(DrainOnSigterm.class, service.getClass());
    }
}
