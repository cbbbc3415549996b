package dev.numbers.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting in tests for what the service does just after an answer has left. */
public final class Await {

    private Await() {
    }

    /** As {@link #awaitTrue(BooleanSupplier, Supplier)}, with a fixed message. */
    public static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        awaitTrue(condition, () -> what);
    }

    /** Waits up to 10 s, a margin no loaded machine needs, for {@code condition}; {@code what} says what was not so. */
    public static void awaitTrue(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(condition.getAsBoolean(), what);
    }
}
